"""Tiny SPP classifiers and images for the export tests (two valid convolutions, SPP, softmax)."""

import cv2
import keras
import numpy as np
import tensorflow as tf

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
        keras.layers.Conv2D(16, 3, activation="relu"),  # 1152 weights: enough for dynamic-range quantization
    ]
    spp = SpatialPyramidPooling((4, 2, 1))
    head = keras.layers.Dense(
        NUM_CLASSES, activation="softmax", kernel_initializer=keras.initializers.RandomNormal(0, 1)
    )
    images = keras.Input((None, None, 3), name="images")
    x = images
    for layer in layers:
        x = layer(x)
    model = keras.Model(images, head(spp(x)))
    sizes = keras.Input((2,), dtype="int32", name="image_sizes")
    x = images
    for layer in layers:
        x = layer(x)
    padded = keras.Model(
        {"images": images, "image_sizes": sizes}, head(spp(x, sizes=FeatureSizes([(3, 2), (3, 1)])(sizes)))
    )
    return model, padded


def smooth_image(rng, height, width):
    """A smooth random RGB image, uint8 (height, width, 3): JPEG keeps it nearly intact."""
    coarse = rng.uniform(0, 255, (1, 6, 6, 3)).astype("float32")
    return tf.cast(tf.image.resize(coarse, (height, width))[0], tf.uint8).numpy()


def resized_outside(encoded, short_side):
    """Reference decode written apart from the library: OpenCV decode, then the documented resize rule."""
    bgr = cv2.imdecode(np.frombuffer(encoded, np.uint8), cv2.IMREAD_COLOR)
    image = tf.constant(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), tf.float32)
    height, width = image.shape[:2]
    scale = short_side / min(height, width)
    target = (max(1, round(height * scale)), max(1, round(width * scale)))
    return tf.image.resize(image, target, method="bilinear", antialias=True).numpy()
