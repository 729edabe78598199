"""Bin edges of a spatial pyramid level, and validation of pyramid arguments.

The rule is the paper's Appendix A (and PyTorch's adaptive pooling): on an axis of length `a` split into
`n` bins, bin `i` covers the half-open cell range `[floor(i * a / n), ceil((i + 1) * a / n))`. Every bin
is non-empty for every `a >= 1`, also when `a < n` (neighbouring bins then share cells).
"""

import numbers

import numpy as np
import tensorflow as tf

POOLING_MODES = ("max", "avg")
DATA_FORMATS = ("channels_last", "channels_first")


def bin_edges(length, n):
    """Start and end (exclusive) of the `n` bins over an axis of `length` cells.

    Works on Python/NumPy integers (returns NumPy arrays) and on int32 tensors of any shape (returns
    tensors with one more trailing axis of size `n`), so one formula serves the static reference, the
    dense graph and per-image sizes of a padded batch.

    Args:
        length: int, NumPy integer array or int tensor, the axis length(s); must be >= 1.
        n: Python int >= 1, the number of bins.

    Returns:
        `(starts, ends)`, each of shape `shape(length) + (n,)`.

    Example:
    >>> bin_edges(10, 6)
    (array([0, 1, 3, 5, 6, 8]), array([ 2,  4,  5,  7,  9, 10]))
    """
    if isinstance(length, (tf.Tensor, tf.Variable)):
        length = tf.cast(length, tf.int32)[..., tf.newaxis]
        i = tf.range(n, dtype=tf.int32)
        starts = (i * length) // n
        ends = -((-(i + 1) * length) // n)
        return starts, ends
    length = np.asarray(length, dtype=np.int64)[..., np.newaxis]
    i = np.arange(n, dtype=np.int64)
    return (i * length) // n, -((-(i + 1) * length) // n)


def validate_levels(levels):
    """Returns `levels` as a tuple of Python ints >= 1, or raises ValueError quoting the bad value."""
    if isinstance(levels, numbers.Integral) and not isinstance(levels, bool):
        levels = (levels,)
    try:
        values = tuple(levels)
    except TypeError:
        raise ValueError(
            f"`levels` must be a non-empty sequence of integers >= 1, e.g. (6, 3, 2, 1). Received: levels={levels!r}"
        ) from None
    if not values:
        raise ValueError(f"`levels` must be a non-empty sequence of integers >= 1. Received: levels={levels!r}")
    for n in values:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(
                f"Every pyramid level must be an integer >= 1 (the number of bins a side). "
                f"Received: levels={levels!r}, bad value {n!r}"
            )
    return tuple(int(n) for n in values)


def validate_pooling(pooling):
    """Returns the pooling mode ("max" or "avg"), or raises ValueError quoting the bad value."""
    aliases = {"max": "max", "avg": "avg", "average": "avg", "mean": "avg"}
    key = pooling.lower() if isinstance(pooling, str) else pooling
    if key not in aliases:
        raise ValueError(f"`pooling` must be one of {POOLING_MODES}. Received: pooling={pooling!r}")
    return aliases[key]


def validate_data_format(data_format):
    """Resolves None to Keras' image data format; raises ValueError quoting any other bad value."""
    if data_format is None:
        import keras

        return keras.config.image_data_format()
    key = data_format.lower() if isinstance(data_format, str) else data_format
    if key not in DATA_FORMATS:
        raise ValueError(f"`data_format` must be one of {DATA_FORMATS} or None. Received: data_format={data_format!r}")
    return key


def validate_float_dtype(dtype):
    """Raises TypeError naming `dtype` unless it is floating-point: the pooled output keeps the input dtype,
    so integer input is refused rather than pooled with a truncating average."""
    dtype = tf.as_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError(
            f"`x` must be a floating-point feature map (float16, bfloat16, float32 or float64): the output keeps "
            f"the input dtype, and an integer average would truncate. Cast it first, e.g. tf.cast(x, 'float32'). "
            f"Received: x.dtype={dtype.name}"
        )
    return dtype


def pyramid_bins(levels):
    """Total number of bins of a pyramid: sum of n * n over the levels."""
    return sum(n * n for n in validate_levels(levels))
