"""Promises of the exported TFLite classifier on bad input (issue 10, items 3 and 8)."""

import numpy as np
import pytest

from keras_spp.export import TFLiteClassifier, export_tflite
from tests.keras_spp.export_models import tiny_classifiers


@pytest.fixture(scope="module")
def zf5(tmp_path_factory):
    """The issue's model: zf5_spp (tiny head), smallest input 31x31; Keras refuses 1-30 px."""
    zoo = pytest.importorskip("zoo")
    pytest.importorskip("ai_edge_litert")
    model = zoo.load("zf5_spp", num_classes=3, fc_units=16)
    report = export_tflite(model, tmp_path_factory.mktemp("tflite") / "zf5_spp.tflite")
    return model, report


@pytest.mark.slow
@pytest.mark.parametrize("side", [1, 22, 23, 30])
def test_tflite_classifier_refuses_what_keras_refuses(zf5, side):
    """Item 3: below the model's minimum (23-30 px answered before; 1-22 px too) the classifier raises like Keras."""
    model, report = zf5
    image = np.zeros((1, side, side, 3), "float32")
    with pytest.raises(Exception):  # noqa: B017 - Keras' own error (a layer's check or a negative output size)
        model(image)
    pattern = rf"Images must be at least 31x31 pixels, the smallest input the model runs on .* Received: {side}x{side}"
    with pytest.raises(ValueError, match=pattern):
        TFLiteClassifier(report["path"])(image)


@pytest.mark.slow
def test_tflite_minimum_is_recorded_in_the_file_and_the_minimum_itself_runs(zf5):
    """Item 3: the minimum travels inside the .tflite file; at exactly 31x31 (and 31x200) TFLite equals Keras."""
    model, report = zf5
    assert report["min_input_side"] == 31
    with open(report["path"], "rb") as f:
        classifier = TFLiteClassifier(f.read())  # from bytes too
    assert classifier.min_side == 31
    rng = np.random.default_rng(0)
    for shape in ((1, 31, 31, 3), (1, 31, 200, 3)):
        image = rng.uniform(0, 255, shape).astype("float32")
        np.testing.assert_allclose(classifier(image), model.predict(image, verbose=0), rtol=1e-4, atol=1e-5)


def test_tflite_classifier_refuses_bad_shapes_naming_them(tmp_path):
    """Items 3 and 8: an empty batch, a rank-3 image, 1 or 4 channels and a side below the minimum raise ValueError."""
    model, _ = tiny_classifiers()
    report = export_tflite(model, tmp_path / "tiny.tflite")
    assert report["min_input_side"] == 7  # 3x3 stride 2, then 3x3: 7 -> 3 -> 1
    classifier = TFLiteClassifier(report["path"])
    cases = [
        (np.zeros((0, 40, 40, 3)), r"The batch is empty: expected at least one image. Received: shape=\(0, 40, 40"),
        (np.zeros((40, 40, 3)), r"Expected images \(B, H, W, 3\). Received: shape=\(40, 40, 3\)"),
        (np.zeros((1, 40, 40, 1)), r"Expected images \(B, H, W, 3\). Received: shape=\(1, 40, 40, 1\)"),
        (np.zeros((1, 40, 40, 4)), r"Expected images \(B, H, W, 3\). Received: shape=\(1, 40, 40, 4\)"),
        (np.zeros((1, 6, 40, 3)), r"Images must be at least 7x7 pixels.* Received: 6x40"),
    ]
    for images, message in cases:
        with pytest.raises(ValueError, match=message):
            classifier(images)
    assert classifier(np.zeros((1, 7, 9, 3))).shape == (1, 3)
    assert TFLiteClassifier(report["path"], min_side=20).min_side == 20  # an explicit minimum wins
