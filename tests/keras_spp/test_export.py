"""Export: the SavedModel (TF Serving layout, both signatures) and TFLite files give the Keras numbers.

Tiny classifiers (two valid convolutions, SPP, softmax) keep every test fast; their padded twin shares
the layers and maps pixel sizes to feature-map sizes exactly, as the zoo's padded models do.
"""

import os
import subprocess
import sys
import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_spp.export import (
    OUTPUT_KEYS,
    TFLiteClassifier,
    decode_image_batch,
    decode_image_bytes,
    evaluate_tflite,
    export_saved_model,
    export_tflite,
    next_version,
)
from keras_spp.layers import SpatialPyramidPooling

NUM_CLASSES = 3
CLASS_NAMES = ["cat", "dog", "fish"]
SIZES = [(48, 64), (71, 53)]  # two awkward sizes, both sides >= min_side
SHORT_SIDE = 40  # serve_bytes resizes the shorter side to this


class FeatureSizes(keras.layers.Layer):
    """Valid size after a stack of valid convolutions: `(n - kernel) // stride + 1` per conv."""

    def __init__(self, convs, **kwargs):
        super().__init__(**kwargs)
        self.convs = [tuple(c) for c in convs]

    def call(self, sizes):
        for kernel, stride in self.convs:
            sizes = (sizes - kernel) // stride + 1
        return sizes


def tiny_classifiers(seed=0):
    """(model, padded twin sharing its layers): raw 0..255 (B, H, W, 3) -> softmax over 3 classes."""
    keras.utils.set_random_seed(seed)
    layers = [
        keras.layers.Rescaling(1 / 127.5, offset=-1),
        keras.layers.Conv2D(8, 3, strides=2, activation="relu"),
        keras.layers.Conv2D(8, 3, activation="relu"),
    ]
    spp = SpatialPyramidPooling((4, 2, 1))
    head = keras.layers.Dense(NUM_CLASSES, activation="softmax", kernel_initializer=keras.initializers.RandomNormal(0, 1))
    images = keras.Input((None, None, 3), name="images")
    x = images
    for layer in layers:
        x = layer(x)
    model = keras.Model(images, head(spp(x)))
    sizes = keras.Input((2,), dtype="int32", name="image_sizes")
    x = images
    for layer in layers:
        x = layer(x)
    padded = keras.Model({"images": images, "image_sizes": sizes}, head(spp(x, sizes=FeatureSizes([(3, 2), (3, 1)])(sizes))))
    return model, padded


def smooth_image(rng, height, width):
    """A smooth random RGB image, uint8 (height, width, 3): JPEG keeps it nearly intact."""
    coarse = rng.uniform(0, 255, (1, 6, 6, 3)).astype("float32")
    return tf.cast(tf.image.resize(coarse, (height, width))[0], tf.uint8).numpy()


def resized_outside(encoded, short_side):
    """Reference decode written apart from the library: TF decode, then the documented resize rule."""
    image = tf.cast(tf.io.decode_image(encoded, channels=3, expand_animations=False), tf.float32)
    height, width = image.shape[:2]
    scale = short_side / min(height, width)
    target = (max(1, round(height * scale)), max(1, round(width * scale)))
    return tf.image.resize(image, target, method="bilinear", antialias=True).numpy()


@pytest.fixture(scope="module")
def classifiers():
    return tiny_classifiers()


@pytest.fixture(scope="module")
def exported(classifiers, tmp_path_factory):
    model, padded = classifiers
    base = tmp_path_factory.mktemp("serving") / "tiny"
    path = export_saved_model(
        model, base, padded_model=padded, class_names=CLASS_NAMES, top_k=2, image_size=SHORT_SIDE, max_side=256
    )
    return path, tf.saved_model.load(path)


@pytest.fixture(scope="module")
def encoded_images():
    rng = np.random.default_rng(1)
    shapes = [(60, 90), (120, 80), (50, 50), (97, 61)]
    jpegs = [tf.io.encode_jpeg(smooth_image(rng, *s), quality=95).numpy() for s in shapes]
    pngs = [tf.io.encode_png(smooth_image(rng, *s)).numpy() for s in shapes[:2]]
    gray = tf.io.encode_png(smooth_image(rng, 70, 45)[..., :1]).numpy()
    rgba_pixels = np.concatenate([smooth_image(rng, 44, 66), np.full((44, 66, 1), 7, np.uint8)], axis=-1)
    return {"jpegs": jpegs, "pngs": pngs, "gray": gray, "rgba": tf.io.encode_png(rgba_pixels).numpy()}


def test_versioned_layout_and_saved_model_cli(exported):
    path, _ = exported
    assert os.path.basename(path) == "1"
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert os.path.isdir(os.path.join(path, "variables"))
    assert [n for n in os.listdir(os.path.dirname(path)) if not n.startswith(".")] == ["1"]
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run([cli, "show", "--dir", path, "--all"], capture_output=True, text=True, check=True).stdout
    blocks = {name: shown.split(f"signature_def['{name}']:")[1].split("signature_def[")[0] for name in ("serve_bytes", "serving_default")}
    default, raw = blocks["serving_default"], blocks["serve_bytes"]
    assert "inputs['images'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, -1, -1, 3)" in default
    assert "inputs['image_bytes'] tensor_info:\n        dtype: DT_STRING\n        shape: (-1)" in raw
    for block in (default, raw):
        assert "outputs['probabilities'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 3)" in block
        assert "outputs['top_k_ids'] tensor_info:\n        dtype: DT_INT32\n        shape: (-1, 2)" in block
        assert "outputs['top_k_names'] tensor_info:\n        dtype: DT_STRING\n        shape: (-1, 2)" in block
        assert "outputs['top_k_probabilities'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 2)" in block
