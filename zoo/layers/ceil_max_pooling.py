"""Max pooling with Caffe's ceil rounding of the output size."""

import keras
import tensorflow as tf

from keras_spp.ops import conv_output_size


@keras.saving.register_keras_serializable(package="zoo")
class CeilMaxPooling2D(keras.layers.Layer):
    """Max pooling whose output size is rounded up, as Caffe's pooling layer does (no padding).

    The output has `ceil((size - pool_size) / strides) + 1` cells a side (`keras.layers.MaxPooling2D`
    rounds down). The last window may stick out of the bottom/right border; it then takes the max over the
    cells it covers, exactly as Caffe. The input is padded there with the smallest value of the input
    tensor: with `strides <= pool_size` every window starts inside the map, so it holds a valid cell that
    is at least that value and the padding never changes its max. Unlike the dtype's lowest value, this
    pad stays in the data's range, so int8 TFLite calibration gets sane ranges. Example: 110 -> 55 with a
    3x3 window and stride 2 (floor mode gives 54). A map too small for one output cell raises
    InvalidArgumentError.

    Args:
        pool_size: int >= 1, the window side.
        strides: int, 1 <= strides <= pool_size (a larger stride would give windows of padding only).

    Input shape: `(B, H, W, C)`, channels last; H and W may be None.
    Output shape: `(B, ceil((H - pool_size) / strides) + 1, ceil((W - pool_size) / strides) + 1, C)`.

    Example:
    >>> tuple(CeilMaxPooling2D(3, 2)(keras.ops.zeros((1, 110, 26, 4))).shape)
    (1, 55, 13, 4)
    """

    def __init__(self, pool_size=3, strides=2, **kwargs):
        super().__init__(**kwargs)
        conv_output_size(pool_size, pool_size, strides)  # validates both, quoting a bad value
        if strides > pool_size:
            raise ValueError(
                "`strides` must be <= `pool_size`: with a larger stride the last ceil-mode window can lie wholly "
                f"outside the map. Received: pool_size={pool_size!r}, strides={strides!r}"
            )
        self.pool_size, self.strides = int(pool_size), int(strides)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def call(self, inputs):
        check = tf.debugging.assert_greater_equal(
            tf.shape(inputs)[1:3],
            self.pool_size - self.strides + 1,
            message=f"{self.name}: the map is too small for one {self.pool_size}x{self.pool_size} window "
            f"with stride {self.strides} (height, width)",
        )
        # floor((n + s - 1 - k) / s) = ceil((n - k) / s): padding bottom/right by the constant s - 1 and
        # pooling with floor rounding gives Caffe's windows exactly. A constant pad keeps every static dim
        # (TFLite lowers a Conv2D only when its input channels are static) and the graph size-independent.
        # The last window starts at s * floor((n - k + s - 1) / s) <= n - 1 when s <= k, so every window
        # holds a valid cell >= the global min: padding with that min never changes a max.
        with tf.control_dependencies([check]):
            padded = tf.pad(
                inputs,
                [[0, 0], [0, self.strides - 1], [0, self.strides - 1], [0, 0]],
                constant_values=tf.stop_gradient(tf.reduce_min(inputs)),
            )
        return tf.nn.max_pool2d(padded, self.pool_size, self.strides, "VALID")

    def _output_size(self, size):
        return conv_output_size(size, self.pool_size, self.strides, ceil_mode=True)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        sizes = [None if s is None else int(self._output_size(s)) for s in (height, width)]
        return (batch, sizes[0], sizes[1], channels)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "strides": self.strides})
        return config
