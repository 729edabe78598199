"""Export to TFLite: float parity with Keras at awkward sizes, quantized top-1 agreement, the zoo's tiny configs
(SavedModel and TFLite) against Keras. Fixtures: tests/keras_spp/conftest.py."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_spp.export import (
    TFLiteClassifier,
    evaluate_tflite,
    export_saved_model,
    export_tflite,
)
from tests.keras_spp.export_models import (
    SIZES,
    resized_outside,
    smooth_image,
)


def test_tflite_float_parity_at_two_sizes(classifiers, tmp_path):
    model, _ = classifiers
    report = export_tflite(model, tmp_path / "tiny.tflite")
    assert report["quantize"] == "none" and report["size_bytes"] == os.path.getsize(tmp_path / "tiny.tflite")
    assert report["probe_max_abs_diff"] < 1e-5  # export_tflite ran the file once in LiteRT
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(tmp_path / "tiny.tflite"))
    assert interpreter.get_signature_list() == {"serving_default": {"inputs": ["images"], "outputs": ["probabilities"]}}
    assert interpreter.get_input_details()[0]["shape_signature"].tolist() == [-1, -1, -1, 3]
    classifier = TFLiteClassifier(tmp_path / "tiny.tflite")
    rng = np.random.default_rng(4)
    for height, width in SIZES:
        images = rng.uniform(0, 255, (2, height, width, 3)).astype("float32")
        np.testing.assert_allclose(classifier(images), model.predict(images, verbose=0), rtol=1e-4, atol=1e-5)


# Stated tolerance: on 24 images of random sizes, the quantized file picks the Keras top-1 class on at
# least this fraction of them (a random tiny network has small margins; trained models do better).
TOP1_AGREEMENT = {"float16": 0.95, "dynamic": 0.95, "int8": 0.85}


@pytest.mark.parametrize("quantize", ["float16", "dynamic", "int8"])
def test_quantized_tflite_top1_within_tolerance(classifiers, tmp_path, quantize):
    model, _ = classifiers
    rng = np.random.default_rng(5)
    sizes = [(int(rng.integers(32, 80)), int(rng.integers(32, 80))) for _ in range(40)]
    images = [smooth_image(rng, *s).astype("float32") for s in sizes]
    calibration = images[:16] if quantize == "int8" else None
    float_size = export_tflite(model, tmp_path / "float.tflite")["size_bytes"]
    report = export_tflite(model, tmp_path / f"{quantize}.tflite", quantize=quantize, representative_images=calibration)
    assert report["size_bytes"] < float_size
    result = evaluate_tflite(model, report["path"], images[16:])
    assert result["images"] == 24
    assert result["top1_agreement"] >= TOP1_AGREEMENT[quantize], result


def test_zoo_tiny_config_saved_model_matches_keras(tmp_path):
    zoo = pytest.importorskip("zoo")
    model = zoo.load("zf5_spp", num_classes=3, fc_units=16)
    min_side = zoo.get_metadata("zf5_spp")["min_input_size"]
    path = export_saved_model(
        model, tmp_path, padded_model=zoo.padded_model(model), image_size=64, min_side=min_side, max_side=512
    )
    # Every weight is stored once: the version folder is about the size of the weights file, not twice it.
    model.save_weights(str(tmp_path / "tiny.weights.h5"))
    folder_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)
    assert folder_bytes <= 1.1 * os.path.getsize(tmp_path / "tiny.weights.h5")
    signatures = tf.saved_model.load(path).signatures
    rng = np.random.default_rng(6)
    for height, width in SIZES:
        images = rng.uniform(0, 255, (2, height, width, 3)).astype("float32")
        served = signatures["serving_default"](images=tf.constant(images))["probabilities"].numpy()
        np.testing.assert_allclose(served, model.predict(images, verbose=0), rtol=1e-4, atol=1e-6)
    encoded = [
        tf.io.encode_jpeg(smooth_image(rng, h, w), quality=95).numpy() for h, w in ((64, 96), (120, 64), (80, 81))
    ]
    served = signatures["serve_bytes"](image_bytes=tf.constant(encoded))["probabilities"].numpy()
    for i, image in enumerate(encoded):
        expected = model.predict(resized_outside(image, 64)[np.newaxis], verbose=0)[0]
        np.testing.assert_allclose(served[i], expected, rtol=1e-4, atol=1e-6, err_msg=f"image {i}")


def test_zoo_tiny_config_tflite_matches_keras(tmp_path):
    zoo = pytest.importorskip("zoo")
    model = zoo.load("zf5_spp", num_classes=3, fc_units=16)
    classifier = TFLiteClassifier(export_tflite(model, tmp_path / "zf5_spp.tflite")["path"])
    rng = np.random.default_rng(7)
    for height, width in SIZES:
        images = rng.uniform(0, 255, (1, height, width, 3)).astype("float32")
        np.testing.assert_allclose(classifier(images), model.predict(images, verbose=0), rtol=1e-4, atol=1e-5)


def test_zoo_tiny_config_int8_tflite_top1_within_tolerance(tmp_path):
    """zf5's ceil-mode pools pad with the data's min, so calibration ranges stay sane and XNNPACK runs it."""
    zoo = pytest.importorskip("zoo")
    pytest.importorskip("ai_edge_litert")
    keras.utils.set_random_seed(1)
    model = zoo.load("zf5_spp", num_classes=3, fc_units=16)
    fc8 = model.get_layer("fc8")  # random weights give probabilities within 0.01 of 1/3: widen the margins
    fc8.set_weights([fc8.get_weights()[0] * 30.0, fc8.get_weights()[1]])
    rng = np.random.default_rng(8)
    sizes = [(int(rng.integers(64, 112)), int(rng.integers(64, 112))) for _ in range(32)]
    images = [smooth_image(rng, *s).astype("float32") for s in sizes]
    report = export_tflite(model, tmp_path / "zf5_spp.int8.tflite", quantize="int8", representative_images=images[:8])
    result = evaluate_tflite(model, TFLiteClassifier(report["path"]), images[8:])  # LiteRT, XNNPACK on
    assert result["images"] == 24
    assert result["top1_agreement"] >= TOP1_AGREEMENT["int8"], result
