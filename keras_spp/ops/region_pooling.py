"""`region_pyramid_pool`: spatial pyramid pooling of many windows of one feature map (SPP-net detection).

Each window `[x0, y0, x1, y1]` (inclusive feature-map cells) gets exactly what `spatial_pyramid_pool`
gives for the crop `x[y0:y1 + 1, x0:x1 + 1]`: the same Appendix A bins, the same output order.

How it computes (vectorized over images and windows, no loop over windows, one graph for every map size
and window count):

* max: a 2-D sparse table of the map (`range_tables.max_tables`) makes every bin of every level the max
  of four gathered rows, whatever its size: 50 bins x 4 rows per window for the paper's pyramid, one
  gather and one reduction for all windows and levels, already in the output order (no concat).
  (Reading levels 3, 2, 1 from blocks of the 6x6 bins instead gathers fewer rows, 144, but measured
  3-4x slower on CPU: reductions over small middle axes cost more than 56 more rows; in XLA the block
  reductions alone took 4x the fused 36-bin gather.) Memory: the tables hold about
  `log2(h) * log2(w)` shrinking copies of the map, `h x w` the longest window (20-25 maps for a whole
  688-scale map, 55 MB at 42x56x256).
* `jit_compile=True` (max and avg): the gather and its reduction run as one XLA kernel
  (`corner_gather`), the max one with its index arithmetic too, so the gathered rows stay in the
  cache: 3-4x faster on CPU (2,000 windows on the 688-scale map: 2-3x a copy of the output instead of
  8-10x, `benchmarks/detection_speed.py`). The numbers are the same; XLA compiles once per bucket of
  window counts and table sizes (seconds), so it pays where sizes repeat (a benchmark, a server, a
  dataset at fixed scales). TFLite export needs the default (TensorFlow's builtin-op kernels).
* avg: an integral image (`range_tables.sum_table`) of the map minus its per-channel mean: every bin a
  signed sum of four gathered rows, divided by its area. float32 error grows with the map: about 1e-5
  of the values on a 75x208 map (tested). A map holding NaN or inf takes an exact path instead (finite
  values, NaN, +inf and -inf counted per bin apart), so a non-finite value reaches only its own bins.

All gathers read one flat matrix, so a padded window (beyond `counts`) points at a zero row and comes out
as zeros at no cost.
"""

import tensorflow as tf

from keras_spp.ops.corner_gather import bucket_size, gather_corner_max, gather_corner_sum, in_buckets
from keras_spp.ops.pyramid_bins import pyramid_bins, validate_data_format, validate_levels, validate_pooling
from keras_spp.ops.range_tables import (
    max_table_corners,
    max_tables,
    sum_table,
    sum_table_corners,
    table_depth,
)

# Sparse-table depth when a map side is unknown in the graph: bins read from the table may be up to
# 2**12 - 1 cells long: a window of up to 4095 cells a side, 65,520 pixels at stride 16.
DEFAULT_TABLE_DEPTH = 11


def region_pyramid_pool(
    x, windows, levels=(6, 3, 2, 1), pooling="max", counts=None, data_format=None, jit_compile=False
):
    """Pools every window of a feature map with a spatial pyramid, as SPP-net's detector does.

    Args:
        x: float feature map `(B, H, W, C)` (`(B, C, H, W)` for channels_first); H and W may be unknown.
        windows: int `(B, R, 4)`: `[x0, y0, x1, y1]` inclusive feature-map cells of each window (e.g. from
            `project_boxes`). Coordinates are clamped into the map, and `x1 < x0` (`y1 < y0`) is read as
            `x1 = x0` (`y1 = y0`), so every window holds at least one cell. R may be 0 or unknown.
        levels: bins per side of each pyramid level, e.g. `(6, 3, 2, 1)`.
        pooling: `"max"` (the paper) or `"avg"`.
        counts: optional int `(B,)`: image `b` uses its first `counts[b]` windows; the rest are padding
            and their outputs are zeros. None: every window is used.
        data_format: `"channels_last"`, `"channels_first"` or None (Keras' image data format).
        jit_compile: True: gather and combine each bin's four table rows in one XLA-compiled kernel
            (`corner_gather`): 3-4x faster on CPU, the same numbers; XLA compiles once per bucket of
            window counts and table sizes (seconds each). Keep False in a model exported to TFLite.

    Returns:
        `(B, R, C * sum(n * n for n in levels))` in the input dtype; each row is what
        `spatial_pyramid_pool` gives for the window's crop: levels in order, bins row-major, channels
        fastest. Padded windows (beyond `counts`) give zeros. max is exact; avg sums an integral image
        in float32 (see the module docstring for its precision).

    Example:
    >>> x = tf.reshape(tf.range(20, dtype=tf.float32), (1, 4, 5, 1))
    >>> windows = tf.constant([[[1, 0, 2, 3], [4, 3, 4, 3]]])   # a 2x4 window and a 1x1 window
    >>> region_pyramid_pool(x, windows, levels=(2, 1)).numpy()
    array([[[ 6.,  7., 16., 17., 17.],
            [19., 19., 19., 19., 19.]]], dtype=float32)
    """
    levels = validate_levels(levels)
    pooling = validate_pooling(pooling)
    data_format = validate_data_format(data_format)
    x = tf.convert_to_tensor(x)
    if x.shape.rank != 4:
        raise ValueError(
            "Region pyramid pooling expects a rank-4 feature map (B, H, W, C) or (B, C, H, W). "
            f"Received: shape={x.shape}"
        )
    if not x.dtype.is_floating:
        raise ValueError(f"The feature map must be a float tensor. Received: dtype={x.dtype.name}")
    if data_format == "channels_first":
        x = tf.transpose(x, (0, 2, 3, 1))
    for axis, name in ((1, "height"), (2, "width"), (3, "channels")):
        if x.shape[axis] == 0:
            raise ValueError(f"The feature map's {name} is 0 (channels_last shape={x.shape}): nothing to pool.")
    windows, valid = _checked_windows(x, windows, counts)
    shape = tf.shape(x)
    height, width = shape[1], shape[2]
    # (no `[..., i]` or `[..., tf.newaxis]` indexing anywhere: TFLite's strided slice lacks those masks)
    x0, y0, x1, y1 = (tf.squeeze(c, axis=2) for c in tf.split(windows, 4, axis=2))  # TFLite: unpack fails at R=0
    x0 = tf.clip_by_value(x0, 0, width - 1)
    y0 = tf.clip_by_value(y0, 0, height - 1)
    x1 = tf.maximum(tf.clip_by_value(x1, 0, width - 1), x0)
    y1 = tf.maximum(tf.clip_by_value(y1, 0, height - 1), y0)
    box = (y0, y1 - y0 + 1, x0, x1 - x0 + 1)
    if pooling == "max":
        pooled = _max_pyramid(x, box, valid, levels, jit_compile)
    else:
        pooled = _avg_pyramid(x, box, valid, levels, jit_compile)
    units = -1 if x.shape[3] is None else x.shape[3] * pyramid_bins(levels)
    return tf.reshape(pooled, (tf.shape(windows)[0], tf.shape(windows)[1], units))  # a static last axis


def window_bins(start, length, n):
    """Bin edges inside windows: `start + floor(i * length / n)` and `start + ceil((i + 1) * length / n)`.

    start, length: int32 `(B, R)`; returns `(starts, ends)` int32 `(B, R, n)`, ends exclusive.
    """
    i = tf.range(n, dtype=tf.int32)
    start, length = tf.expand_dims(start, -1), tf.expand_dims(length, -1)
    return start + (i * length) // n, start + ((i + 1) * length + n - 1) // n


def _max_pyramid(x, box, valid, levels, jit_compile):
    """Max pooling: every bin of every level the max of four sparse-table rows, in one gather."""
    y0, h, x0, w = box
    depth_h, depth_w = _depth(x.shape[1]), _depth(x.shape[2])
    cap_h, cap_w = tf.maximum(tf.reduce_max(h), 1), tf.maximum(tf.reduce_max(w), 1)  # the longest bins: level 1
    check = tf.debugging.assert_less(
        tf.stack([cap_h, cap_w]),
        tf.constant([2 ** (depth_h + 1), 2 ** (depth_w + 1)]),
        message=f"A window is longer than the sparse table covers (DEFAULT_TABLE_DEPTH={DEFAULT_TABLE_DEPTH})",
    )
    with tf.control_dependencies([check]):
        flat, layout = max_tables(x, depth_h, depth_w, cap_h, cap_w, bucket_size if jit_compile else None)

    def unfused():
        image = tf.reshape(tf.range(tf.shape(y0)[0]), (-1, 1, 1, 1))
        pooled = _max_bins(flat, layout, box, image, valid, levels, depth_h, depth_w)
        return tf.reshape(pooled, (tf.shape(pooled)[0], tf.shape(pooled)[1], -1))

    if not jit_compile:
        return unfused()
    # indices, gather and max in one XLA kernel, on all windows padded to a bucket. XLA's CPU max may drop
    # a NaN (its fast min/max), so a map holding NaN takes TensorFlow's kernels.
    return tf.cond(
        tf.reduce_any(tf.math.is_nan(x)),
        unfused,
        lambda: in_buckets(_max_kernel, flat, layout, box, valid, levels, depth_h, depth_w),
    )


def _max_bins(flat, layout, box, image, valid, levels, depth_h, depth_w):
    """`(B, R, bins, C)`: each bin the max of the four table rows at its corners; `image` `(B or 1, R or 1, 1, 1)`."""
    y0, h, x0, w = box
    indices = []
    for n in levels:
        ys, ye = window_bins(y0, h, n)
        xs, xe = window_bins(x0, w, n)
        ys, ye, xs, xe = tf.expand_dims(ys, 3), tf.expand_dims(ye, 3), tf.expand_dims(xs, 2), tf.expand_dims(xe, 2)
        corners = max_table_corners(ys, ye, xs, xe, layout, depth_h, depth_w, image)
        indices.append(_corners_first(corners, n))
    return gather_corner_max(flat, _padding_to_zero_row(tf.concat(indices, 3), valid, flat))


_max_kernel = tf.function(_max_bins, jit_compile=True)


def _avg_pyramid(x, box, valid, levels, jit_compile):
    """Average pooling: every bin a signed sum of four integral-image rows, divided by its area."""
    y0, h, x0, w = box
    dtype = x.dtype
    compute = tf.float32 if dtype in (tf.float16, tf.bfloat16) else dtype
    x = tf.cast(x, compute)
    shape = tf.shape(x)
    image = tf.reshape(tf.range(shape[0]), (-1, 1, 1, 1))
    indices, areas = [], []
    for n in levels:
        ys, ye = window_bins(y0, h, n)
        xs, xe = window_bins(x0, w, n)
        ys, ye, xs, xe = tf.expand_dims(ys, 3), tf.expand_dims(ye, 3), tf.expand_dims(xs, 2), tf.expand_dims(xe, 2)
        corners = sum_table_corners(ys, ye, xs, xe, shape[1], shape[2], image)
        indices.append(_corners_first(corners, n))
        areas.append(tf.reshape((ye - ys) * (xe - xs), (tf.shape(y0)[0], tf.shape(y0)[1], n * n)))
    indices = tf.concat(indices, axis=3)
    area = tf.expand_dims(tf.cast(tf.concat(areas, axis=2), compute), 3)

    def bin_sums(values):
        flat = sum_table(values, bucket_size if jit_compile else None)
        return gather_corner_sum(flat, _padding_to_zero_row(indices, valid, flat), jit_compile)  # (B, R, bins, C)

    def finite():
        # The integral image of the map minus its per-channel mean: float32 partial sums then stay near
        # zero instead of growing with the map's area, so a small bin keeps its precision.
        mean = tf.reduce_mean(x, axis=(1, 2), keepdims=True)  # (B, 1, 1, C)
        pooled = bin_sums(x - mean) / area + mean  # (B, R, bins, C) + (B, 1, 1, C)
        return pooled if valid is None else tf.where(tf.reshape(valid, (shape[0], -1, 1, 1)), pooled, 0)

    def exact():  # NaN, +inf and -inf counted apart, so each reaches only the bins holding it
        is_finite = tf.math.is_finite(x)
        parts = [tf.where(is_finite, x, 0), tf.math.is_nan(x), tf.equal(x, float("inf")), tf.equal(x, float("-inf"))]
        sums = bin_sums(tf.concat([tf.cast(p, compute) for p in parts], axis=3))
        total, nans, pos, neg = tf.split(sums, 4, axis=3)
        mean = total / area
        mean = tf.where(pos > 0, tf.constant(float("inf"), compute), mean)
        mean = tf.where(neg > 0, tf.constant(float("-inf"), compute), mean)
        return tf.where((nans > 0) | ((pos > 0) & (neg > 0)), tf.constant(float("nan"), compute), mean)

    pooled = tf.cond(tf.math.is_finite(tf.reduce_sum(x)), finite, exact)
    pooled = tf.cast(pooled, dtype)
    return tf.reshape(pooled, (tf.shape(pooled)[0], tf.shape(pooled)[1], -1))


def _depth(length):
    """Static table depth for a map side: exact when the side is known, DEFAULT_TABLE_DEPTH otherwise."""
    return DEFAULT_TABLE_DEPTH if length is None else table_depth(length, length)


def _corners_first(corners, n):
    """`(B, R, n, n, 4)` corner indices -> `(B, R, 4, n*n)`."""
    shape = tf.shape(corners)
    return tf.transpose(tf.reshape(corners, (shape[0], shape[1], n * n, 4)), (0, 1, 3, 2))


def _padding_to_zero_row(indices, valid, flat):
    """Indices `(B, R, 4, bins)` with padded windows sent to `flat`'s last (zero) row."""
    if valid is None:
        return indices
    return tf.where(tf.reshape(valid, (tf.shape(valid)[0], tf.shape(valid)[1], 1, 1)), indices, tf.shape(flat)[0] - 1)


def _checked_windows(x, windows, counts):
    """`windows` as int32 `(B, R, 4)` (graph-checked against the batch) and the `(B, R)` mask of `counts`."""
    if isinstance(windows, tf.RaggedTensor):
        raise ValueError(
            "`windows` must be a dense (B, R, 4) tensor; pad a ragged batch and pass `counts`. "
            f"Received: a RaggedTensor of shape {windows.shape}"
        )
    windows = tf.convert_to_tensor(windows)
    if not windows.dtype.is_integer:
        raise ValueError(
            "`windows` must be an integer tensor of feature-map cells [x0, y0, x1, y1] (see `ops.project_boxes`). "
            f"Received: dtype={windows.dtype.name}"
        )
    if windows.shape.rank != 3 or (windows.shape[2] is not None and windows.shape[2] != 4):
        raise ValueError(f"`windows` must have shape (batch, windows, 4). Received: shape={windows.shape}")
    windows = tf.cast(windows, tf.int32)
    checks = [
        tf.debugging.assert_equal(
            tf.shape(windows)[0], tf.shape(x)[0], message="`windows` must have one row of windows per image"
        )
    ]
    valid = None
    if counts is not None:
        counts = tf.convert_to_tensor(counts)
        if not counts.dtype.is_integer or counts.shape.rank != 1:
            raise ValueError(
                "`counts` must be an integer tensor (batch,). "
                f"Received: dtype={counts.dtype.name}, shape={counts.shape}"
            )
        counts = tf.cast(counts, tf.int32)
        checks.append(
            tf.debugging.assert_equal(tf.shape(counts)[0], tf.shape(x)[0], message="`counts` needs one value per image")
        )
        valid = tf.expand_dims(tf.range(tf.shape(windows)[1]), 0) < tf.expand_dims(counts, 1)
    with tf.control_dependencies(checks):
        return tf.identity(windows), valid
