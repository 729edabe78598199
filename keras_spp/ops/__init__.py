"""Numeric ops of keras-spp: pyramid bins, the pooling kernels, region pooling, window projection,
conv/pool output-size arithmetic."""

from keras_spp.ops.feature_size import conv_output_size
from keras_spp.ops.pyramid_bins import bin_edges, pyramid_bins
from keras_spp.ops.pyramid_pooling import ragged_to_padded, spatial_pyramid_pool
from keras_spp.ops.region_pooling import region_pyramid_pool
from keras_spp.ops.window_projection import project_boxes

__all__ = [
    "bin_edges",
    "conv_output_size",
    "project_boxes",
    "pyramid_bins",
    "ragged_to_padded",
    "region_pyramid_pool",
    "spatial_pyramid_pool",
]
