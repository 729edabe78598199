"""The input block of every zoo backbone: raw RGB pixels 0..255 -> normalized, inside the model."""

import keras

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


def image_normalization(name="normalization"):
    """A weightless `keras.layers.Normalization` with ImageNet's RGB mean and std in 0..255 units.

    Exports and users feed raw `float32` RGB pixels 0..255; no preprocessing function exists to forget.
    The values are constants in the layer config, not weights, so they add no parameters.

    Example:
    >>> layer = image_normalization()
    >>> [round(float(v), 3) for v in keras.ops.convert_to_numpy(layer(keras.ops.ones((1, 1, 1, 3)) * 255.0))[0, 0, 0]]
    [2.249, 2.429, 2.64]
    """
    variance = [s * s for s in IMAGENET_STD]
    return keras.layers.Normalization(axis=-1, mean=list(IMAGENET_MEAN), variance=variance, name=name)
