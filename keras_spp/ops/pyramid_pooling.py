"""`spatial_pyramid_pool`: validation, input forms (dense, padded with sizes, ragged) and dispatch.

The numbers come from `pooling_kernels`: a gather kernel for a dense batch (TFLite builtins only, one
graph for every height and width) and a one-pass segment kernel for padded batches. channels_first
input is transposed to channels_last once, up front.
"""

import tensorflow as tf

from keras_spp.ops.pooling_kernels import dense_pyramid, padded_pyramid
from keras_spp.ops.pyramid_bins import validate_data_format, validate_float_dtype, validate_levels, validate_pooling


def spatial_pyramid_pool(x, levels=(6, 3, 2, 1), pooling="max", sizes=None, data_format=None):
    """Pools a feature map of any height and width into a fixed-length vector per image.

    Args:
        x: float tensor `(B, H, W, C)` (`(B, C, H, W)` for channels_first), H and W may be unknown in the
            graph; or a `tf.RaggedTensor` `(B, (H), (W), C)` of differently sized maps (channels_last).
        levels: bins per side of each pyramid level, e.g. `(6, 3, 2, 1)`.
        pooling: `"max"` or `"avg"`.
        sizes: optional int tensor `(B, 2)`: the valid `(height, width)` of each map of a padded batch,
            aligned top-left. Cells outside it are ignored whatever they hold.
        data_format: `"channels_last"`, `"channels_first"` or None (Keras' image data format).

    Returns:
        `(B, C * sum(n * n for n in levels))` in the input dtype. Order: levels as given; within a level,
        bins row-major (row 0 col 0, row 0 col 1, ...); channels fastest within a bin, for both formats.
        A NaN in a bin's cells makes that bin's value NaN (max and avg); it never vanishes. A max bin whose
        cells are all -inf is exactly -inf on every path. A batch of 0 maps gives `(0, ...)`.

    Raises:
        TypeError: `x` is not floating-point (integer input is refused, not truncated).
        ValueError: a bad argument, a rank other than 4, a known height, width or channel count of 0.
        tf.errors.InvalidArgumentError: in the graph, a height, width or channel count of 0, or bad `sizes`.

    Example:
    >>> x = tf.reshape(tf.range(16, dtype=tf.float32), (1, 4, 4, 1))
    >>> spatial_pyramid_pool(x, levels=(1, 2), pooling="avg").numpy()
    array([[ 7.5,  2.5,  4.5, 10.5, 12.5]], dtype=float32)
    """
    levels = validate_levels(levels)
    pooling = validate_pooling(pooling)
    data_format = validate_data_format(data_format)
    if not isinstance(x, tf.RaggedTensor):
        x = tf.convert_to_tensor(x)
    validate_float_dtype(x.dtype)
    if isinstance(x, tf.RaggedTensor):
        if sizes is not None:
            raise ValueError("`sizes` must be None for a RaggedTensor input: the sizes come from its row lengths.")
        if data_format != "channels_last":
            raise ValueError(f"A RaggedTensor input must be channels_last (B, (H), (W), C). Received: {data_format}")
        x, sizes = ragged_to_padded(x)
    if x.shape.rank != 4:
        raise ValueError(
            f"Spatial pyramid pooling expects a rank-4 feature map (B, H, W, C) or (B, C, H, W). "
            f"Received: shape={x.shape}"
        )
    if data_format == "channels_first":
        x = tf.transpose(x, (0, 2, 3, 1))
    for axis, name in ((1, "height"), (2, "width"), (3, "channels")):
        if x.shape[axis] == 0:
            raise ValueError(f"The feature map's {name} is 0 (channels_last shape={x.shape}): nothing to pool.")
    if x.shape[3] is None:
        check = tf.debugging.assert_positive(
            tf.shape(x)[3:], message="The feature map has 0 channels: nothing to pool; got channels"
        )
        with tf.control_dependencies([check]):
            x = tf.identity(x)
    if sizes is None:
        height, width, checks = _dense_extent(x)
        with tf.control_dependencies(checks):
            x = tf.identity(x) if checks else x
        outputs = dense_pyramid(x, levels, pooling, height, width)
    else:
        sizes = _checked_sizes(x, sizes)
        outputs = padded_pyramid(x, levels, pooling, sizes[:, 0], sizes[:, 1])
    return outputs[0] if len(outputs) == 1 else tf.concat(outputs, axis=-1)


def ragged_to_padded(rt):
    """`(B, (H), (W), C)` RaggedTensor -> (zero-padded dense `(B, H_max, W_max, C)`, sizes `(B, 2)` int32)."""
    if rt.shape.rank != 4:
        raise ValueError(f"A ragged feature map must be rank 4, (B, (H), (W), C). Received: shape={rt.shape}")
    heights = tf.cast(rt.row_lengths(), tf.int32)
    if isinstance(rt.values, tf.RaggedTensor):
        row_widths = tf.cast(rt.values.row_lengths(), tf.int32)
        first_rows = tf.cast(rt.row_starts(), tf.int32)
        widths = tf.gather(row_widths, tf.minimum(first_rows, tf.maximum(tf.size(row_widths) - 1, 0)))
        widths = tf.where(heights > 0, widths, 0)
        check = tf.debugging.assert_equal(
            row_widths,
            tf.repeat(widths, heights),
            message="Every row of one image in a ragged (B, (H), (W), C) batch must have the same width",
        )
        with tf.control_dependencies([check]):
            widths = tf.identity(widths)
    else:
        widths = tf.fill(tf.shape(heights), tf.shape(rt.values)[1])
    return rt.to_tensor(), tf.stack([heights, widths], axis=1)


def _dense_extent(x):
    """Height and width (Python ints when static, else scalar tensors) and a check that both are >= 1."""
    if x.shape[1] is not None and x.shape[2] is not None:
        return x.shape[1], x.shape[2], []
    shape = tf.shape(x)
    check = tf.debugging.assert_positive(
        shape[1:3], message="The feature map's height and width must be >= 1, got (height, width)"
    )
    height = x.shape[1] if x.shape[1] is not None else shape[1]
    width = x.shape[2] if x.shape[2] is not None else shape[2]
    return height, width, [check]


def _checked_sizes(x, sizes):
    """`sizes` as int32 `(B, 2)`, with graph checks: one per image, each in `[1, padded extent]`."""
    sizes = tf.convert_to_tensor(sizes)
    if not sizes.dtype.is_integer:
        raise ValueError(f"`sizes` must be an integer tensor of (height, width) pairs. Received dtype={sizes.dtype}")
    if sizes.shape.rank != 2 or (sizes.shape[1] is not None and sizes.shape[1] != 2):
        raise ValueError(
            f"`sizes` must have shape (batch, 2): (height, width) per image. Received: shape={sizes.shape}"
        )
    sizes = tf.cast(sizes, tf.int32)
    if sizes.shape[1] is None:  # known only in the graph; checked before the checks that compare it with (H, W)
        check = tf.debugging.assert_equal(
            tf.shape(sizes)[1], 2, message="`sizes` must have shape (batch, 2): (height, width) per image; got columns"
        )
        with tf.control_dependencies([check]):
            sizes = tf.identity(sizes)
    shape = tf.shape(x)
    checks = [
        tf.debugging.assert_equal(
            tf.shape(sizes)[0], shape[0], message="`sizes` must give one (height, width) per image of the batch"
        ),
        tf.debugging.assert_positive(sizes, message="Every valid size must be >= 1; `sizes` has a value < 1"),
        tf.debugging.assert_less_equal(
            sizes,
            shape[tf.newaxis, 1:3],
            message="A valid size exceeds the padded extent (height, width) of the feature map",
        ),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(sizes)
