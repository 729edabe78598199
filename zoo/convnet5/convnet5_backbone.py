"""Convnet*-5 (SPP-net paper Table 1, a modified AlexNet): raw RGB images -> conv5 features."""

import keras

from zoo.layers import LocalResponseNormalization, image_normalization

# The no-SPP baseline's fixed pool on conv5: 3x3 stride 2 turns 13x13 (a 224x224 image) into 6x6.
FIXED_POOL = {"pool_size": 3, "strides": 2}


def convnet5_backbone(name="convnet5_backbone"):
    """Convnet*-5: AlexNet with its pools after conv2 and conv3; 256 channels out, feature stride 16.

    conv1 96 11x11 stride 4 pad 2, ReLU, LRN -> 55x55 at 224; conv2 256 5x5 pad 2, ReLU, LRN, max-pool
    3x3 stride 2 -> 27x27; conv3 384 3x3 pad 1, ReLU, max-pool 3x3 stride 2 -> 13x13; conv4 384 and
    conv5 256, 3x3 pad 1, ReLU -> 13x13x256. Pad 2 on conv1 is what gives the paper's 55x55 from 224
    (AlexNet used 227 and no padding). The pools round down (Keras' MaxPooling2D): the paper's map sizes
    are the same either way, and the issue asks Caffe's ceil mode only of ZF-5. 3,747,200 parameters.

    Args:
        name: the model name.

    Input shape: `(B, H, W, 3)` float RGB pixels 0..255 (normalized inside), H and W may be None.
    Output shape: `(B, H', W', 256)`, the conv5 features after ReLU.

    Example:
    >>> tuple(convnet5_backbone()(keras.ops.zeros((1, 224, 224, 3))).shape)
    (1, 13, 13, 256)
    """
    images = keras.Input((None, None, 3), name="images")
    x = image_normalization()(images)
    x = keras.layers.ZeroPadding2D(2, name="conv1_pad")(x)
    x = keras.layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(x)
    x = LocalResponseNormalization(3, 5e-5, 0.75, name="norm1")(x)
    x = keras.layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = LocalResponseNormalization(3, 5e-5, 0.75, name="norm2")(x)
    x = keras.layers.MaxPooling2D(3, 2, name="pool2")(x)
    x = keras.layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = keras.layers.MaxPooling2D(3, 2, name="pool3")(x)
    x = keras.layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = keras.layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    return keras.Model(images, x, name=name)
