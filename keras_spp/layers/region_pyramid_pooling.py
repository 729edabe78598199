"""The RegionPyramidPooling Keras layer."""

import keras

from keras_spp.ops.pyramid_bins import pyramid_bins, validate_data_format, validate_levels, validate_pooling
from keras_spp.ops.region_pooling import region_pyramid_pool


@keras.saving.register_keras_serializable(package="keras_spp")
class RegionPyramidPooling(keras.layers.Layer):
    """Pools many windows of a conv feature map into one fixed-length vector each (SPP-net detection).

    Each window `[x0, y0, x1, y1]` (inclusive feature-map cells, e.g. from `keras_spp.ops.project_boxes`)
    gets exactly what `SpatialPyramidPooling` gives for the crop `features[y0:y1 + 1, x0:x1 + 1]`: the same
    bins (bin `i` of `n` over `a` cells covers `[floor(i*a/n), ceil((i+1)*a/n))`) and the same order. The
    conv layers run once per image; pooling 2,000 windows is a handful of gathers. One traced graph serves
    every map size and window count; a model using it exports to SavedModel and to TFLite (builtin ops).
    The output keeps the input's dtype (no autocast).

    Args:
        levels: bins per side of each level, default `(6, 3, 2, 1)` (the paper's 50-bin pyramid).
        pooling: `"max"` (the paper) or `"avg"`.
        data_format: `"channels_last"`, `"channels_first"` or None (Keras' image data format).
        jit_compile: True: each bin's table rows are gathered and combined in one XLA-compiled kernel
            (`keras_spp.ops.region_pyramid_pool`): several times faster on CPU, the same numbers, one XLA
            compile per bucket of sizes. Leave False in a model exported to TFLite.

    Call arguments:
        features: `(B, H, W, C)` (or `(B, C, H, W)`), H and W may be None.
        windows: int `(B, R, 4)` cells `[x0, y0, x1, y1]`, inclusive; R may be None or 0. Clamped into the
            map; `x1 < x0` reads as `x1 = x0` (same for y).
        counts: optional int `(B,)`: image `b` uses its first `counts[b]` windows; padded ones give zeros.

    Input shape: features 4D, windows `(B, R, 4)`.
    Output shape: `(B, R, C * sum(n * n for n in levels))`; levels in order, bins row-major, channels fastest.

    Example:
    >>> features = keras.Input((None, None, 256))
    >>> windows = keras.Input((None, 4), dtype="int32")
    >>> outputs = RegionPyramidPooling((6, 3, 2, 1))(features, windows)
    >>> tuple(outputs.shape)
    (None, None, 12800)
    """

    def __init__(self, levels=(6, 3, 2, 1), pooling="max", data_format=None, jit_compile=False, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.levels = validate_levels(levels)
        self.pooling = validate_pooling(pooling)
        self.data_format = validate_data_format(data_format)
        if not isinstance(jit_compile, bool):
            raise ValueError(f"`jit_compile` must be True or False. Received: jit_compile={jit_compile!r}")
        self.jit_compile = jit_compile

    def call(self, features, windows, counts=None):
        return region_pyramid_pool(
            features, windows, self.levels, self.pooling, counts, self.data_format, self.jit_compile
        )

    def compute_output_shape(self, features_shape, windows_shape, counts_shape=None):
        if len(features_shape) != 4:
            raise ValueError(f"RegionPyramidPooling expects rank-4 features. Received: shape={features_shape}")
        if len(windows_shape) != 3:
            raise ValueError(f"RegionPyramidPooling expects windows (B, R, 4). Received: shape={windows_shape}")
        channels = features_shape[-1] if self.data_format == "channels_last" else features_shape[1]
        units = None if channels is None else channels * pyramid_bins(self.levels)
        return (features_shape[0], windows_shape[1], units)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "levels": list(self.levels),
                "pooling": self.pooling,
                "data_format": self.data_format,
                "jit_compile": self.jit_compile,
            }
        )
        return config
