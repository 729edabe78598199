"""Layers of the zoo's backbones (LRN, Caffe ceil-mode pooling, input normalization) and of padded batches."""

from zoo.layers.ceil_max_pooling import CeilMaxPooling2D
from zoo.layers.fill_outside_sizes import FillOutsideSizes
from zoo.layers.image_input_check import ImageInputCheck
from zoo.layers.image_normalization import IMAGENET_MEAN, IMAGENET_STD, image_normalization
from zoo.layers.local_response_normalization import LocalResponseNormalization
from zoo.layers.window_output_sizes import WindowOutputSizes

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "CeilMaxPooling2D",
    "FillOutsideSizes",
    "ImageInputCheck",
    "LocalResponseNormalization",
    "WindowOutputSizes",
    "image_normalization",
]
