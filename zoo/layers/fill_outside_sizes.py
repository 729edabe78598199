"""Overwrites the cells of a padded batch that lie outside each image's valid size."""

import keras
import tensorflow as tf

FILLS = ("zeros", "lowest")


@keras.saving.register_keras_serializable(package="zoo")
class FillOutsideSizes(keras.layers.Layer):
    """Sets every cell outside the valid `(height, width)` of each map of a padded batch to a constant.

    Maps are aligned top-left. With `fill="zeros"` the next conv sees what a lone image's zero padding
    gives it; with `fill="lowest"` (the dtype's lowest value) the next max pool ignores the padding. This
    makes a padded batch compute, inside each valid region, exactly what each image computes alone.

    Args:
        fill: `"zeros"` or `"lowest"`.

    Call arguments:
        inputs: `(B, H, W, C)` float, channels last.
        sizes: int `(B, 2)`, the valid `(height, width)` of each map.

    Output shape: that of `inputs`.

    Example:
    >>> x = keras.ops.ones((2, 3, 3, 1))
    >>> y = FillOutsideSizes("zeros")(x, keras.ops.convert_to_tensor([[3, 3], [1, 2]], "int32"))
    >>> keras.ops.convert_to_numpy(y)[1, :, :, 0].tolist()
    [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """

    def __init__(self, fill="zeros", **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if fill not in FILLS:
            raise ValueError(f"`fill` must be one of {FILLS}. Received: fill={fill!r}")
        self.fill = fill

    def call(self, inputs, sizes):
        shape = tf.shape(inputs)
        sizes = tf.cast(sizes, tf.int32)
        # expand_dims/reshape, not [tf.newaxis] slicing: TFLite's builtin StridedSlice has no new-axis mask.
        rows = tf.expand_dims(tf.range(shape[1]), 0) < sizes[:, :1]
        cols = tf.expand_dims(tf.range(shape[2]), 0) < sizes[:, 1:]
        inside = tf.logical_and(tf.reshape(rows, [-1, shape[1], 1, 1]), tf.reshape(cols, [-1, 1, shape[2], 1]))
        value = 0 if self.fill == "zeros" else inputs.dtype.min
        return tf.where(inside, inputs, tf.constant(value, inputs.dtype))

    def compute_output_shape(self, inputs_shape, sizes_shape=None):
        return tuple(inputs_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"fill": self.fill})
        return config
