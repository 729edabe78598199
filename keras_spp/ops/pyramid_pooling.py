"""The spatial pyramid pooling kernel: dense, padded-with-sizes and ragged batches, max or average.

Each level is pooled separably: first along the width into `n` column bins, then along the height into
`n` row bins (max and sum both factor over the two axes of a rectangle). Along one axis the `n` bins are
read with a single `gather` of `n x K` cell indices, `K` the widest bin, clamped into the bin
(`min(start + k, end - 1)`): a repeated cell cannot change a max, and is masked out of a sum. Indices never
leave the valid region of an image, so padding can never leak into a bin, whatever its values. The same
graph serves every height and width; it is made only of gather, min/max, reduce, select, reshape and
transpose, all TFLite builtins, so a model using it converts with dynamic spatial sizes.
"""

import tensorflow as tf

from keras_spp.ops.pyramid_bins import bin_edges, validate_data_format, validate_levels, validate_pooling


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
        A NaN in a bin's cells makes that bin's value NaN (max and avg); it never vanishes.

    Example:
    >>> x = tf.reshape(tf.range(16, dtype=tf.float32), (1, 4, 4, 1))
    >>> spatial_pyramid_pool(x, levels=(1, 2), pooling="avg").numpy()
    array([[ 7.5,  2.5,  4.5, 10.5, 12.5]], dtype=float32)
    """
    levels = validate_levels(levels)
    pooling = validate_pooling(pooling)
    data_format = validate_data_format(data_format)
    if isinstance(x, tf.RaggedTensor):
        if sizes is not None:
            raise ValueError("`sizes` must be None for a RaggedTensor input: the sizes come from its row lengths.")
        if data_format != "channels_last":
            raise ValueError(f"A RaggedTensor input must be channels_last (B, (H), (W), C). Received: {data_format}")
        x, sizes = ragged_to_padded(x)
    x = tf.convert_to_tensor(x)
    if x.shape.rank != 4:
        raise ValueError(
            f"Spatial pyramid pooling expects a rank-4 feature map (B, H, W, C) or (B, C, H, W). "
            f"Received: shape={x.shape}"
        )
    h_axis, w_axis, c_axis = (1, 2, 3) if data_format == "channels_last" else (2, 3, 1)
    for axis, name in ((h_axis, "height"), (w_axis, "width"), (c_axis, "channels")):
        if x.shape[axis] == 0:
            raise ValueError(f"The feature map's {name} is 0 ({data_format} shape={x.shape}): nothing to pool.")
    dynamic = tf.shape(x)
    heights, widths, checks = _extents(x, sizes, dynamic, h_axis, w_axis)
    with tf.control_dependencies(checks):
        x = tf.identity(x)
    batched = sizes is not None
    outputs = []
    for n in levels:
        pooled = _pool_axis(x, *bin_edges(widths, n), w_axis, pooling, batched)
        pooled = _pool_axis(pooled, *bin_edges(heights, n), h_axis, pooling, batched)
        if data_format == "channels_first":
            pooled = tf.transpose(pooled, (0, 2, 3, 1))
        channels = x.shape[c_axis] if x.shape[c_axis] is not None else dynamic[c_axis]
        outputs.append(tf.reshape(pooled, (-1, n * n * channels)))
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


def _extents(x, sizes, dynamic, h_axis, w_axis):
    """Heights and widths to pool (scalars for a dense map, `(B,)` for a padded one) and their checks."""
    height = x.shape[h_axis] if x.shape[h_axis] is not None else dynamic[h_axis]
    width = x.shape[w_axis] if x.shape[w_axis] is not None else dynamic[w_axis]
    if sizes is None:
        checks = []
        if x.shape[h_axis] is None or x.shape[w_axis] is None:
            checks.append(
                tf.debugging.assert_positive(
                    tf.stack([dynamic[h_axis], dynamic[w_axis]]),
                    message="The feature map's height and width must be >= 1, got (height, width)",
                )
            )
        return height, width, checks
    sizes = tf.convert_to_tensor(sizes)
    if not sizes.dtype.is_integer:
        raise ValueError(f"`sizes` must be an integer tensor of (height, width) pairs. Received dtype={sizes.dtype}")
    if sizes.shape.rank != 2 or (sizes.shape[1] is not None and sizes.shape[1] != 2):
        raise ValueError(f"`sizes` must have shape (batch, 2): (height, width) per image. Received: shape={sizes.shape}")
    sizes = tf.cast(sizes, tf.int32)
    extent = tf.stack([dynamic[h_axis], dynamic[w_axis]])
    checks = [
        tf.debugging.assert_equal(
            tf.shape(sizes)[0], dynamic[0], message="`sizes` must give one (height, width) per image of the batch"
        ),
        tf.debugging.assert_positive(sizes, message="Every valid size must be >= 1; `sizes` has a value < 1"),
        tf.debugging.assert_less_equal(
            sizes,
            extent[tf.newaxis],
            message="A valid size exceeds the padded extent (height, width) of the feature map",
        ),
    ]
    return sizes[:, 0], sizes[:, 1], checks


def _pool_axis(x, starts, ends, axis, pooling, batched):
    """Pools `axis` of `x` into the bins `[starts, ends)` (shape `(n,)`, or `(B, n)` when batched)."""
    counts = ends - starts
    span = tf.range(tf.reduce_max(counts), dtype=starts.dtype)
    index = tf.minimum(starts[..., tf.newaxis] + span, ends[..., tf.newaxis] - 1)
    cells = tf.gather(x, index, axis=axis, batch_dims=1 if batched else 0)
    if pooling == "max":
        return tf.reduce_max(cells, axis=axis + 1)
    inside = _broadcast_over(x, span < counts[..., tf.newaxis], axis, batched, trailing=2)
    total = tf.reduce_sum(tf.where(inside, cells, tf.zeros([], x.dtype)), axis=axis + 1)
    return total / _broadcast_over(x, tf.cast(counts, x.dtype), axis, batched, trailing=1)


def _broadcast_over(x, values, axis, batched, trailing):
    """Reshapes per-bin `values` (`(n, ...)` or `(B, n, ...)`) to broadcast against the pooled `x`."""
    lead = axis - 1 if batched else axis
    for _ in range(lead):
        values = tf.expand_dims(values, 1 if batched else 0)
    for _ in range(x.shape.rank - axis - 1):
        values = tf.expand_dims(values, -1)
    return values
