"""Maps the valid `(height, width)` of each image of a padded batch through one conv or pooling window."""

import keras
import tensorflow as tf

from keras_spp.ops import conv_output_size


def window_output_size(size, axis, kernel_size, strides, padding="valid", ceil_mode=False):
    """Output length along `axis` (0: height, 1: width) of a window given as pairs, for an int, array or tensor.

    Example:
    >>> int(window_output_size(224, 1, (7, 7), (2, 2), ((1, 1), (1, 1))))
    110
    """
    padding = padding if isinstance(padding, str) else padding[axis]
    return conv_output_size(size, kernel_size[axis], strides[axis], padding, ceil_mode)


@keras.saving.register_keras_serializable(package="zoo")
class WindowOutputSizes(keras.layers.Layer):
    """`(B, 2)` int32 sizes in -> the sizes a conv/pooling window of this geometry gives, per axis.

    Args:
        kernel_size: pair of ints, `(height, width)` of the window.
        strides: pair of ints.
        padding: `"valid"`, `"same"` or `((top, bottom), (left, right))`.
        ceil_mode: Caffe's ceil rounding (see `keras_spp.ops.conv_output_size`).

    Input shape: `(B, 2)` int. Output shape: `(B, 2)` int32.

    Example:
    >>> layer = WindowOutputSizes((7, 7), (2, 2), ((1, 1), (1, 1)))
    >>> keras.ops.convert_to_numpy(layer(keras.ops.convert_to_tensor([[224, 180]], "int32"))).tolist()
    [[110, 88]]
    """

    def __init__(self, kernel_size, strides, padding="valid", ceil_mode=False, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.kernel_size = tuple(int(k) for k in kernel_size)
        self.strides = tuple(int(s) for s in strides)
        self.padding = padding if isinstance(padding, str) else tuple(tuple(int(p) for p in pair) for pair in padding)
        self.ceil_mode = bool(ceil_mode)
        for axis in (0, 1):  # validates the geometry at construction, quoting a bad value
            self._output_size(self.kernel_size[axis], axis)

    def _output_size(self, size, axis):
        return window_output_size(size, axis, self.kernel_size, self.strides, self.padding, self.ceil_mode)

    def call(self, sizes):
        sizes = tf.cast(sizes, tf.int32)
        return tf.stack([self._output_size(sizes[:, axis], axis) for axis in (0, 1)], axis=1)

    def compute_output_spec(self, sizes):
        return keras.KerasTensor(sizes.shape, dtype="int32")

    def get_config(self):
        config = super().get_config()
        padding = self.padding if isinstance(self.padding, str) else [list(pair) for pair in self.padding]
        config.update(
            {
                "kernel_size": list(self.kernel_size),
                "strides": list(self.strides),
                "padding": padding,
                "ceil_mode": self.ceil_mode,
            }
        )
        return config
