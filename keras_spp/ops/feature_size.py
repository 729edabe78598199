"""Output size arithmetic of convolution and pooling windows along one axis.

One formula serves Python ints, NumPy arrays and int tensors, so a model can map the `(height, width)` of
each image of a padded batch to the size of its feature map in the graph, with the same arithmetic that
its layers apply (e.g. to pass exact `sizes` to `SpatialPyramidPooling`).

Rules, for an axis of `size` cells, a window of `kernel_size`, `strides` and padding `(before, after)`:
- floor mode (Keras, TensorFlow): `floor((size + before + after - kernel_size) / strides) + 1`;
- Caffe's ceil mode: `ceil((size + before + after - kernel_size) / strides) + 1`, minus one when padding
  is used and the last window would start in the padding (`(out - 1) * strides >= size + before`);
- `"same"`: `ceil(size / strides)`, whatever the kernel.
"""

import numbers

import numpy as np
import tensorflow as tf

from keras_spp.validation import positive_int


def conv_output_size(size, kernel_size, strides=1, padding="valid", ceil_mode=False):
    """Length of the output of a conv or pooling window along one axis.

    Args:
        size: int, NumPy integer array or int tensor of any shape: the input length(s).
        kernel_size: int >= 1, the window length.
        strides: int >= 1.
        padding: `"valid"`, `"same"`, an int >= 0 (both sides) or a pair `(before, after)` of ints >= 0.
        ceil_mode: use Caffe's ceil rounding (a partial last window counts) instead of floor.

    Returns:
        The output length(s), same shape as `size` (a NumPy int64 value for NumPy/Python input, int32 for a
        tensor). A value below 1 means the window does not fit in that input.

    Example:
    >>> int(conv_output_size(110, 3, strides=2, ceil_mode=True)), int(conv_output_size(110, 3, strides=2))
    (55, 54)
    """
    kernel_size = positive_int(kernel_size, "kernel_size")
    strides = positive_int(strides, "strides")
    is_tensor = isinstance(size, (tf.Tensor, tf.Variable))
    size = tf.cast(size, tf.int32) if is_tensor else np.asarray(size, dtype=np.int64)
    if isinstance(padding, str) and padding.lower() == "same":
        if ceil_mode:
            raise ValueError("`ceil_mode` applies to explicit or 'valid' padding only. Received: padding='same'")
        return -(-size // strides)
    before, after = _padding_pair(padding)
    span = size + before + after - kernel_size
    if not ceil_mode:
        return span // strides + 1
    out = -(-span // strides) + 1
    if before == 0 and after == 0:
        return out
    starts_in_padding = (out - 1) * strides >= size + before
    if is_tensor:
        return out - tf.cast(starts_in_padding, tf.int32)
    return out - starts_in_padding.astype(np.int64)


def _padding_pair(padding):
    """`"valid"`, an int or a pair -> `(before, after)` ints >= 0; raises ValueError quoting a bad value."""
    if isinstance(padding, str):
        if padding.lower() == "valid":
            return 0, 0
        raise ValueError(f"`padding` must be 'valid', 'same', an int or a pair of ints. Received: padding={padding!r}")
    pair = (padding, padding) if isinstance(padding, numbers.Integral) else padding
    try:
        before, after = pair
    except (TypeError, ValueError):
        raise ValueError(
            f"`padding` must be 'valid', 'same', an int or a pair of ints. Received: padding={padding!r}"
        ) from None
    for value in (before, after):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"Padding values must be integers >= 0. Received: padding={padding!r}")
    return int(before), int(after)
