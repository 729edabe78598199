"""Keras layers of keras-spp."""

from keras_spp.layers.region_pyramid_pooling import RegionPyramidPooling
from keras_spp.layers.spatial_pyramid_pooling import SpatialPyramidPooling

__all__ = ["RegionPyramidPooling", "SpatialPyramidPooling"]
