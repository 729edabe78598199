"""ZF-5 (Zeiler and Fergus, 2014, as used in SPP-net, paper Table 1): raw RGB images -> conv5 features."""

import keras

from zoo.layers import CeilMaxPooling2D, LocalResponseNormalization, image_normalization

# The no-SPP baseline's fixed pool on conv5: 3x3 stride 2 turns 13x13 (a 224x224 image) into 6x6.
FIXED_POOL = {"pool_size": 3, "strides": 2}


def zf5_backbone(name="zf5_backbone"):
    """ZF-5: five conv layers, 256 channels out, feature stride 16; any image of at least 31x31 pixels
    (`zoo.get_metadata("zf5")["min_input_size"]`, derived from the layers by `zoo.geometry`).

    conv1 96 7x7 stride 2 pad 1, ReLU, LRN, max-pool 3x3 stride 2 (Caffe ceil mode) -> 55x55 at 224;
    conv2 256 5x5 stride 2, ReLU, LRN, max-pool 3x3 stride 2 (ceil) -> 13x13; conv3 384, conv4 384,
    conv5 256, all 3x3 pad 1, ReLU -> 13x13x256 at 224, 10x10x256 at 180. LRN: local size 3, alpha 5e-5,
    beta 0.75, as in the released definition. 3,726,464 parameters.

    Args:
        name: the model name.

    Input shape: `(B, H, W, 3)` float RGB pixels 0..255 (normalized inside), H and W may be None.
    Output shape: `(B, H', W', 256)`, the conv5 features after ReLU.

    Example:
    >>> tuple(zf5_backbone()(keras.ops.zeros((1, 180, 224, 3))).shape)
    (1, 10, 13, 256)
    """
    images = keras.Input((None, None, 3), name="images")
    x = image_normalization()(images)
    x = keras.layers.ZeroPadding2D(1, name="conv1_pad")(x)
    x = keras.layers.Conv2D(96, 7, strides=2, activation="relu", name="conv1")(x)
    x = LocalResponseNormalization(3, 5e-5, 0.75, name="norm1")(x)
    x = CeilMaxPooling2D(3, 2, name="pool1")(x)
    x = keras.layers.Conv2D(256, 5, strides=2, activation="relu", name="conv2")(x)
    x = LocalResponseNormalization(3, 5e-5, 0.75, name="norm2")(x)
    x = CeilMaxPooling2D(3, 2, name="pool2")(x)
    x = keras.layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = keras.layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = keras.layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    return keras.Model(images, x, name=name)
