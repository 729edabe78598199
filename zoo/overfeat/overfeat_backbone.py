"""Overfeat-5 and Overfeat-7 (SPP-net paper Table 1, after Sermanet et al.): raw RGB -> conv features."""

import keras

from zoo.layers import LocalResponseNormalization, image_normalization

# The no-SPP baseline's fixed pool on the last conv: 3x3 stride 3 turns 18x18 (a 224x224 image) into 6x6.
FIXED_POOL = {"pool_size": 3, "strides": 3}


def overfeat_backbone(num_convs=5, name=None):
    """Overfeat-5 (`num_convs=5`) or Overfeat-7 (`num_convs=7`): 512 channels out, feature stride 12.

    conv1 96 7x7 stride 2, ReLU, LRN, max-pool 3x3 stride 3 -> 36x36 at 224; conv2 256 5x5 pad 2, ReLU,
    max-pool 2x2 stride 2 -> 18x18; conv3 .. conv5 (or conv7) 512 3x3 pad 1, ReLU -> 18x18x512. The pools
    round down: Caffe's ceil mode would give 37x37 after conv1 at 224 for any padding of conv1, so the
    paper's 36x36 fixes floor rounding and no conv1 padding (109 -> 36). Overfeat-5 has 6,528,640
    parameters, Overfeat-7 11,248,256.

    Args:
        num_convs: 5 or 7.
        name: the model name; default `overfeat{num_convs}_backbone`.

    Input shape: `(B, H, W, 3)` float RGB pixels 0..255 (normalized inside), H and W may be None.
    Output shape: `(B, H', W', 512)`, the last conv's features after ReLU.

    Example:
    >>> tuple(overfeat_backbone(5)(keras.ops.zeros((1, 224, 224, 3))).shape)
    (1, 18, 18, 512)
    """
    if num_convs not in (5, 7):
        raise ValueError(f"`num_convs` must be 5 (Overfeat-5) or 7 (Overfeat-7). Received: num_convs={num_convs!r}")
    images = keras.Input((None, None, 3), name="images")
    x = image_normalization()(images)
    x = keras.layers.Conv2D(96, 7, strides=2, activation="relu", name="conv1")(x)
    x = LocalResponseNormalization(3, 5e-5, 0.75, name="norm1")(x)
    x = keras.layers.MaxPooling2D(3, 3, name="pool1")(x)
    x = keras.layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = keras.layers.MaxPooling2D(2, 2, name="pool2")(x)
    for index in range(3, num_convs + 1):
        x = keras.layers.Conv2D(512, 3, padding="same", activation="relu", name=f"conv{index}")(x)
    return keras.Model(images, x, name=name or f"overfeat{num_convs}_backbone")


def overfeat5_backbone(name="overfeat5_backbone"):
    """Overfeat-5; see `overfeat_backbone`."""
    return overfeat_backbone(5, name=name)


def overfeat7_backbone(name="overfeat7_backbone"):
    """Overfeat-7; see `overfeat_backbone`."""
    return overfeat_backbone(7, name=name)
