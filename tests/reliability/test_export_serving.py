"""Promises of the exported SavedModel and of the export itself on bad input and faults (issue 10, items 4, 5,
7, 8, 9, 12). Each test reproduces the issue's case against a tiny classifier (its smallest input: 7x7)."""

import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from keras_spp.export import export_saved_model, remove_stale_temp_folders
from tests.keras_spp.export_models import smooth_image, tiny_classifiers

MIN_SIDE, MAX_SIDE = 32, 256


@pytest.fixture(scope="module")
def model():
    return tiny_classifiers()[0]


@pytest.fixture(scope="module")
def signatures(model, tmp_path_factory):
    padded = tiny_classifiers()[1]
    base = tmp_path_factory.mktemp("serving")
    path = export_saved_model(model, base, padded_model=padded, image_size=40, min_side=MIN_SIDE, max_side=MAX_SIDE)
    return tf.saved_model.load(path).signatures


@pytest.fixture(scope="module")
def good_images():
    return np.random.default_rng(0).uniform(0, 255, (2, 48, 40, 3)).astype("float32")


def _serve(signatures, images):
    return signatures["serving_default"](images=tf.constant(images))["probabilities"].numpy()


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e30, -1e30])
def test_non_finite_or_absurd_pixels_fail_the_request_naming_the_image(signatures, good_images, value):
    """Item 4: an all-NaN (or +-inf, +-1e30) image fails with a clear error instead of a confident class."""
    expected = _serve(signatures, good_images)
    bad = good_images.copy()
    bad[1] = value
    pattern = r"image 1 of the batch has 5760 pixel values that are NaN, infinite or beyond \+-1e\+06.*expected raw RGB"
    with pytest.raises(tf.errors.InvalidArgumentError, match=pattern):
        _serve(signatures, bad)
    np.testing.assert_array_equal(_serve(signatures, good_images), expected)  # the model keeps serving


def test_one_nan_pixel_is_found_and_located(signatures, good_images):
    """Item 4: a single NaN pixel is enough; the message names its image and position."""
    bad = good_images.copy()
    bad[0, 5, 7, 2] = np.nan
    pattern = r"image 0 of the batch has 1 pixel values .* nan at \(row 5, column 7\)"
    with pytest.raises(tf.errors.InvalidArgumentError, match=pattern):
        _serve(signatures, bad)


def test_large_but_finite_pixels_within_the_limit_still_give_the_keras_numbers(model, signatures, good_images):
    """Item 4: the check refuses only NaN, inf and values beyond +-1e6; out-of-range pixels below that are served."""
    images = good_images * 1000.0 - 5000.0  # -5e3 .. 2.5e5
    np.testing.assert_allclose(_serve(signatures, images), model.predict(images, verbose=0), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("channels", [1, 2, 4])
def test_serving_default_refuses_other_channel_counts(signatures, good_images, channels):
    """Items 8 and 9: 1, 2 or 4 channels fail naming the count, instead of being broadcast or a raw conv error."""
    images = np.repeat(good_images[..., :1], channels, axis=-1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=rf"images have {channels} channels .*expected 3: RGB"):
        _serve(signatures, images)


def test_serving_default_refuses_a_rank_three_image(signatures, good_images):
    """Item 8: one image without its batch axis fails naming the shape, not "images are 40x3 pixels"."""
    pattern = r"images must be a batch \(B, H, W, 3\); received shape \[48 40 3\]"
    with pytest.raises(tf.errors.InvalidArgumentError, match=pattern):
        _serve(signatures, good_images[0])


def test_serving_default_refuses_an_empty_batch(signatures, good_images):
    """Item 8: a batch of 0 fails saying so, not with a raw error from inside the model."""
    with pytest.raises(tf.errors.InvalidArgumentError, match="the batch is empty: send at least one image"):
        _serve(signatures, good_images[:0])


@pytest.mark.parametrize("side", [1, 6, 22])
def test_serving_default_refuses_small_images_naming_the_minimum(signatures, good_images, side):
    """Item 8: images of 1-22 px fail naming the accepted range, not "Computed output size would be negative"."""
    pattern = rf"images are {side}x{side} pixels; both sides must be in \[{MIN_SIDE}, {MAX_SIDE}\]"
    with pytest.raises(tf.errors.InvalidArgumentError, match=pattern):
        _serve(signatures, good_images[:, :side, :side])


def test_export_refuses_a_min_side_below_the_models_minimum(model, tmp_path):
    """Item 8: `min_side` below the smallest input the model runs on is refused at export, naming that minimum."""
    pattern = r"`min_side` must be at least the smallest image side `model` runs on, 7 .* Received: min_side=5"
    with pytest.raises(ValueError, match=pattern):
        export_saved_model(model, tmp_path, image_size=40, min_side=5)
    assert not os.listdir(tmp_path)
    assert os.path.basename(export_saved_model(model, tmp_path, image_size=40, min_side=7)) == "1"


@pytest.fixture(scope="module")
def encoded():
    rng = np.random.default_rng(1)
    jpeg = tf.io.encode_jpeg(smooth_image(rng, 60, 90), quality=95).numpy()
    png = tf.io.encode_png(smooth_image(rng, 50, 70)).numpy()
    return jpeg, png


@pytest.mark.parametrize(
    "cut, reason",
    [
        ("half", "is a corrupt or truncated JPEG file: decoding it failed"),  # was "jpeg::Uncompress failed"
        ("200 bytes", "is a corrupt or truncated JPEG file: its header cannot be read"),  # "Invalid JPEG data"
    ],
)
def test_serve_bytes_decode_errors_name_the_image(signatures, encoded, cut, reason):
    """Item 7: a truncated JPEG fails naming its index in the batch, as the README promises."""
    jpeg = encoded[0]
    bad = jpeg[: len(jpeg) // 2] if cut == "half" else jpeg[:200]
    with pytest.raises(tf.errors.InvalidArgumentError, match=rf"image 2 of the batch {reason}"):
        signatures["serve_bytes"](image_bytes=tf.constant([jpeg, jpeg, bad]))
    assert signatures["serve_bytes"](image_bytes=tf.constant([jpeg]))["probabilities"].shape == (1, 3)


def test_serve_bytes_names_a_png_whose_pixel_data_is_corrupt(signatures, encoded):
    """Item 7: a PNG with a valid header but corrupt compressed data fails naming its index and format."""
    png = bytearray(encoded[1])
    start = png.index(b"IDAT") + 8
    png[start : start + 40] = bytes(range(40))
    with pytest.raises(tf.errors.InvalidArgumentError, match="image 1 of the batch is a corrupt or truncated PNG file"):
        signatures["serve_bytes"](image_bytes=tf.constant([encoded[1], bytes(png)]))


def _modes(root):
    modes = {}
    for folder, _, files in os.walk(root):
        modes[os.path.relpath(folder, root)] = stat.S_IMODE(os.stat(folder).st_mode)
        for name in files:
            path = os.path.join(folder, name)
            modes[os.path.relpath(path, root)] = stat.S_IMODE(os.stat(path).st_mode)
    return modes


@pytest.mark.parametrize("umask, folder_mode, file_mode", [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)])
def test_version_folders_get_the_modes_of_the_umask(model, tmp_path, umask, folder_mode, file_mode):
    """Item 5: under umask 022 every folder of a version is 0755 and every file 0644 (not a private 0700 temp
    folder renamed as it is), so a TF Serving process of another user can read it; a stricter umask is kept."""
    previous = os.umask(umask)
    try:
        path = export_saved_model(model, tmp_path, image_size=40)
    finally:
        os.umask(previous)
    modes = _modes(path)
    assert modes["."] == folder_mode and "saved_model.pb" in modes and "variables" in modes
    for name, mode in modes.items():
        is_folder = os.path.isdir(os.path.join(path, name))
        assert mode == (folder_mode if is_folder else file_mode), (name, oct(mode))


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_next_export_removes_temp_folders_of_dead_exports_only(model, tmp_path):
    """Item 12: a killed export's `.tmp-export-*` folder is removed by the next export; live, foreign-host and
    unattributable ones are left alone."""
    host = socket.gethostname()
    dead = tmp_path / f".tmp-export-{host}-{_dead_pid()}-0123abcd"
    live = tmp_path / f".tmp-export-{host}-{os.getppid()}-0123abcd"  # our parent: alive
    foreign = tmp_path / f".tmp-export-otherhost-{_dead_pid()}-0123abcd"
    legacy = tmp_path / ".tmp-export-k2j4h5l"  # no pid in the name
    for folder in (dead, live, foreign, legacy):
        (folder / "variables").mkdir(parents=True)
        (folder / "saved_model.pb").write_bytes(b"half a version")
    export_saved_model(model, tmp_path, image_size=40)
    assert sorted(os.listdir(tmp_path)) == sorted(["1", live.name, foreign.name, legacy.name])
    assert remove_stale_temp_folders(tmp_path) == []


@pytest.mark.slow
def test_an_export_killed_while_writing_is_cleaned_up_by_the_next_one(model, tmp_path):
    """Item 12: the reproduction itself: SIGKILL during the write leaves a temp folder; the next export removes it."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from keras_spp.export import saved_model

        def write(path):
            open(os.path.join(path, "saved_model.pb"), "wb").write(b"partial")
            os.kill(os.getpid(), signal.SIGKILL)

        saved_model._write_version({str(tmp_path)!r}, None, write)
        """
    )
    env = dict(os.environ, PYTHONPATH=os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True)
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()[-2000:]
    left = os.listdir(tmp_path)
    assert len(left) == 1 and left[0].startswith(".tmp-export-"), left
    export_saved_model(model, tmp_path, image_size=40)
    assert os.listdir(tmp_path) == ["1"]
