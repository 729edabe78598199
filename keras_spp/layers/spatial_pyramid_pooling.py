"""The SpatialPyramidPooling Keras layer."""

import keras

from keras_spp.ops.pyramid_bins import (
    pyramid_bins,
    validate_data_format,
    validate_float_dtype,
    validate_levels,
    validate_pooling,
)
from keras_spp.ops.pyramid_pooling import spatial_pyramid_pool


@keras.saving.register_keras_serializable(package="keras_spp")
class SpatialPyramidPooling(keras.layers.Layer):
    """Pools a conv feature map of any height and width into a fixed-length vector (He et al., 2014).

    Each channel is pooled over a pyramid of `n x n` grids (bin `i` of an axis of length `a` covers
    `[floor(i*a/n), ceil((i+1)*a/n))`, never empty) and the levels are concatenated, so a CNN gives one
    vector length for every input size. One traced graph serves every height and width. A padded batch
    of differently sized maps is pooled exactly by passing `sizes`; a `tf.RaggedTensor` works too.
    The output keeps the input's dtype (no autocast), so mixed precision passes through unchanged.

    Args:
        levels: bins per side of each level, default `(6, 3, 2, 1)` (the paper's 50-bin pyramid).
        pooling: `"max"` (the paper) or `"avg"`.
        data_format: `"channels_last"`, `"channels_first"` or None (Keras' image data format).

    Call arguments:
        inputs: `(B, H, W, C)` (or `(B, C, H, W)`), H and W may be None; or a RaggedTensor `(B, (H), (W), C)`.
        sizes: optional int `(B, 2)` valid `(height, width)` of each map of a padded batch, top-left aligned.

    Input shape: 4D, `(B, H, W, C)` or `(B, C, H, W)`.
    Output shape: `(B, C * sum(n * n for n in levels))`; levels in order, bins row-major, channels fastest.

    Example:
    >>> inputs = keras.Input((None, None, 256))
    >>> outputs = SpatialPyramidPooling((6, 3, 2, 1))(inputs)
    >>> tuple(outputs.shape)
    (None, 12800)
    """

    def __init__(self, levels=(6, 3, 2, 1), pooling="max", data_format=None, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.levels = validate_levels(levels)
        self.pooling = validate_pooling(pooling)
        self.data_format = validate_data_format(data_format)
        self.input_spec = keras.layers.InputSpec(min_ndim=4, max_ndim=4)

    def call(self, inputs, sizes=None):
        return spatial_pyramid_pool(inputs, self.levels, self.pooling, sizes=sizes, data_format=self.data_format)

    def compute_output_spec(self, inputs, sizes=None):
        validate_float_dtype(inputs.dtype)  # symbolic input too: integer maps are refused when the model is built
        return keras.KerasTensor(self.compute_output_shape(inputs.shape), dtype=inputs.dtype)

    def compute_output_shape(self, inputs_shape, sizes_shape=None):
        if len(inputs_shape) != 4:
            raise ValueError(f"SpatialPyramidPooling expects a rank-4 input. Received: shape={inputs_shape}")
        channels = inputs_shape[-1] if self.data_format == "channels_last" else inputs_shape[1]
        units = None if channels is None else channels * pyramid_bins(self.levels)
        return (inputs_shape[0], units)

    def get_config(self):
        config = super().get_config()
        config.update({"levels": list(self.levels), "pooling": self.pooling, "data_format": self.data_format})
        return config
