"""Keras layers of keras-spp."""

from keras_spp.layers.spatial_pyramid_pooling import SpatialPyramidPooling

__all__ = ["SpatialPyramidPooling"]
