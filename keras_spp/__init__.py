"""keras-spp: spatial pyramid pooling (He et al., 2014) for Keras 3 on TensorFlow."""

from keras_spp import layers, ops
from keras_spp.layers import RegionPyramidPooling, SpatialPyramidPooling

__version__ = "0.1.0"
__all__ = ["RegionPyramidPooling", "SpatialPyramidPooling", "layers", "ops", "__version__"]
