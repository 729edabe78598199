"""Promises of the zoo's Keras models and weights files on bad input (issue 10, item 8, the zoo side).

Each test reproduces the issue's case: images below a model's smallest input, 1, 2 or 4 channels, a rank-3
image, an empty batch, a 0-byte `.weights.h5` or a garbage `.keras` file. Each is refused with a ValueError
naming what was received and what was expected (for weights, the path) instead of a raw TensorFlow error.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from tests.training.conftest import cli_subprocess

TINY = {"fc_units": 16, "num_classes": 3}
SPP_MODELS = ("zf5_spp", "convnet5_spp", "overfeat5_spp", "overfeat7_spp")


@pytest.fixture(scope="module")
def zf5_spp():
    return zoo.load("zf5_spp", **TINY)


def _images(*shape):
    return np.full(shape, 100.0, "float32")


@pytest.mark.parametrize("name", SPP_MODELS)
def test_images_below_the_smallest_input_are_refused_naming_it(name):
    """Item 8: 1-22 px gave "output size would be negative" (convnet5_spp at 15 px killed the process, SIGFPE);
    now a ValueError names the model's true minimum (from its geometry), and the minimum itself runs."""
    model = zoo.load(name, **TINY)
    smallest = zoo.get_metadata(name)["min_input_size"]
    for height, width in ((1, 1), (smallest // 2, smallest), (smallest, smallest - 1)):
        pattern = rf"'{name}' needs images of at least {smallest}x{smallest} pixels.*\(1, {height}, {width}, 3\)"
        with pytest.raises(ValueError, match=pattern):
            model(_images(1, height, width, 3))
    assert model(_images(1, smallest, smallest, 3)).shape == (1, 3)


def test_zf5_spp_smallest_input_is_31():
    """Item 8: the geometry's minimum (31, not 39) is the true one: 31x31 runs, 30x30 fails in the layers."""
    assert zoo.get_metadata("zf5_spp")["min_input_size"] == 31
    backbone = zoo.backbone("zf5")
    assert tuple(backbone(_images(1, 31, 31, 3)).shape[1:3]) == (1, 1)
    with pytest.raises(Exception):  # noqa: B017, PT011 (the backbone alone has no check: any error will do)
        backbone(_images(1, 30, 30, 3))


@pytest.mark.parametrize("channels", [1, 2, 4])
def test_images_without_3_channels_are_refused(zf5_spp, channels):
    """Item 8: 2 or 4 channels gave a raw conv error and 1 channel was silently broadcast to RGB (Keras' own
    input check refuses some channel counts first, with a message as clear)."""
    ours = rf"takes images with 3 channels \(RGB\), not {channels}. Received: images of shape"
    keras_own = r"expected shape=\(None, None, None, 3\), found shape="
    with pytest.raises(ValueError, match=rf"({ours} |{keras_own})\(1, 64, 64, {channels}\)"):
        zf5_spp(_images(1, 64, 64, channels))


def test_an_empty_batch_is_refused(zf5_spp):
    """Item 8: a batch of 0 images gave a raw bias-add / LRN error."""
    with pytest.raises(ValueError, match=r"'zf5_spp' received an empty batch.*\(0, 64, 64, 3\)"):
        zf5_spp(_images(0, 64, 64, 3))


def test_a_rank_3_image_is_refused_naming_its_shape(zf5_spp):
    """Item 8: a single image without its batch axis is refused with the shape expected and received."""
    with pytest.raises(ValueError, match=r"Expected shape \(None, None, None, 3\).*incompatible shape \(64, 64, 3\)"):
        zf5_spp(_images(64, 64, 3))


def test_the_check_is_symbolic_too_and_adds_nothing_to_a_traced_graph(zf5_spp):
    """Item 8: a symbolic input of a known bad size is refused when the graph is built; a graph traced for
    unknown sizes holds no op of the check (so SavedModel and TFLite exports are unchanged) and still runs."""
    with pytest.raises(ValueError, match="at least 31x31"):
        zf5_spp(keras.Input((20, 20, 3)))
    spec = tf.TensorSpec((None, None, None, 3), tf.float32)
    traced = tf.function(lambda x: zf5_spp(x, training=False)).get_concrete_function(spec)
    assert not [op.name for op in traced.graph.get_operations() if "input_check" in op.name and op.type != "Identity"]
    np.testing.assert_allclose(traced(tf.constant(_images(1, 40, 48, 3))), zf5_spp(_images(1, 40, 48, 3)), rtol=1e-5)


def test_the_check_survives_a_keras_file_round_trip(zf5_spp, tmp_path):
    """Item 8: a model saved as `.keras` and loaded back keeps refusing images below its minimum."""
    path = str(tmp_path / "m.keras")
    zf5_spp.save(path)
    loaded = keras.models.load_model(path)
    with pytest.raises(ValueError, match="'zf5_spp' needs images of at least 31x31"):
        loaded(_images(1, 20, 20, 3))


@pytest.mark.parametrize(
    ("file_name", "content", "expected"),
    [
        ("empty.weights.h5", b"", r"\(0 bytes\) is not a readable Keras weights file: expected an HDF5 file"),
        ("garbage.keras", b"not a zip" * 10, r"\(90 bytes\) is not a readable Keras weights file: expected a zip"),
    ],
)
def test_unreadable_weights_files_are_refused_naming_the_path(tmp_path, file_name, content, expected):
    """Item 8: a 0-byte `.weights.h5` or a garbage `.keras` gave an h5py/zipfile error without the path."""
    path = tmp_path / file_name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"{path}.*{expected}.*Nothing was loaded"):
        zoo.load("zf5_spp", weights=str(path), **TINY)


def test_the_cli_refuses_an_unreadable_weights_file_in_one_line(tmp_path):
    """Item 8: the same through `keras-spp export --weights`: one line naming the path, no traceback."""
    path = tmp_path / "empty.weights.h5"
    path.write_bytes(b"")
    result = cli_subprocess(["export", "zf5_spp", "--fc-units", "16", "--num-classes", "3", "--weights", path,
                             "--out", tmp_path / "sm"])  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert f"keras-spp export: error: {path} (0 bytes) is not a readable Keras weights file" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "sm").exists()
