"""The two kernels behind `spatial_pyramid_pool`, on channels_last maps.

Both pool separably (first the width into `n` column bins, then the height into `n` row bins): max and
sum both factor over the two axes of a rectangle.

* `dense_pyramid`: one size for the whole batch. Along an axis the `n` bins are read with `gather` at
  cell indices clamped into each bin (`min(start + k, end - 1)`): a repeated cell cannot change a max and
  is masked out of a sum: one gather of `n x K` cells and a reduction. Known sizes skip all index
  arithmetic: a level whose bins have one width and one stride is a VALID max/avg pool (13x13 into
  6, 3 and 2 bins all are), any other one constant slice and reduction per bin. Only gather, slice,
  min/max, reduce, select, reshape: TFLite builtins, so a model converts with dynamic height and width.
* `padded_pyramid`: a padded batch with a valid `(height, width)` per image. The cut points of all
  levels split each image into at most `(2L - 1) x (2L - 1)` elementary rectangles (`L` = total bins a
  side over the levels); one `unsorted_segment_max` (or sum) pass over the batch reduces every valid cell
  into its rectangle, padding cells get segment id -1 and are dropped. Every bin is a union of
  elementary rectangles, so the levels are then assembled from that small grid with the dense machinery,
  per image. The feature map is read once, whatever the number of levels.
"""

import numpy as np
import tensorflow as tf

from keras_spp.ops.pyramid_bins import bin_edges


def dense_pyramid(x, levels, pooling, height, width):
    """x `(B, H, W, C)`; height/width Python ints (static) or scalar int32 tensors -> list of `(B, n*n*C)`."""
    outputs = []
    has_nan = []  # the NaN guard of the known-size max pools, built once for all levels
    for n in levels:
        if n == 1:
            pooled = tf.reduce_max(x, axis=(1, 2)) if pooling == "max" else tf.reduce_mean(x, axis=(1, 2))
            outputs.append(pooled)
            continue
        w_starts, w_ends = bin_edges(width, n)
        h_starts, h_ends = bin_edges(height, n)
        if isinstance(height, int) and isinstance(width, int):
            outputs.append(_static_bins(x, pooling, h_starts, h_ends, w_starts, w_ends, has_nan))
            continue
        mode = "max" if pooling == "max" else "sum"
        pooled = reduce_bins(reduce_bins(x, w_starts, w_ends, 2, mode), h_starts, h_ends, 1, mode)
        if pooling == "avg":
            area = tf.cast(h_ends - h_starts, x.dtype)[:, tf.newaxis] * tf.cast(w_ends - w_starts, x.dtype)
            pooled = pooled / area[tf.newaxis, :, :, tf.newaxis]
        outputs.append(_flatten_bins(pooled, n))
    return outputs


def _static_bins(x, pooling, h_starts, h_ends, w_starts, w_ends, has_nan):
    """Known sizes -> `(B, n*n*C)`. When the bins of both axes have one width and one stride (e.g. 13
    cells in 6 bins: width 3, stride 2), the level is exactly one VALID max/avg pool; otherwise one
    constant slice and one reduction per bin. `has_nan`: a list holding the shared NaN guard once built."""
    n = len(h_starts)

    def sliced():
        reduce = tf.reduce_max if pooling == "max" else tf.reduce_mean
        bins = [
            reduce(x[:, h0:h1, w0:w1, :], axis=(1, 2))
            for h0, h1 in zip(h_starts.tolist(), h_ends.tolist(), strict=True)
            for w0, w1 in zip(w_starts.tolist(), w_ends.tolist(), strict=True)
        ]
        return _flatten_bins(tf.stack(bins, axis=1), n)

    h_window, w_window = _uniform_window(h_starts, h_ends), _uniform_window(w_starts, w_ends)
    if not (h_window and w_window):
        return sliced()
    (kh, sh), (kw, sw) = h_window, w_window
    if pooling == "avg":  # a sum: NaN propagates
        return _flatten_bins(tf.nn.avg_pool2d(x[:, : h_ends[-1], : w_ends[-1], :], (kh, kw), (sh, sw), "VALID"), n)
    pooled = _flatten_bins(tf.nn.max_pool2d(x[:, : h_ends[-1], : w_ends[-1], :], (kh, kw), (sh, sw), "VALID"), n)
    # The CPU max pool skips NaN and turns a window of -inf into the dtype's lowest value; a total that is
    # NaN or -inf sends the rare map holding either to the slices, which keep both exactly.
    if not has_nan:
        has_nan.append(_nan_or_negative_infinity(x))
    return tf.cond(has_nan[0], sliced, lambda: pooled)


def _nan_or_negative_infinity(x):
    """Scalar bool, one reduction: True when the sum of `x` is NaN or -inf, i.e. whenever a cell is NaN
    or -inf (also when +inf meets -inf, or a finite sum overflows to -inf: the exact path then runs for
    nothing and gives the same numbers)."""
    return tf.logical_not(tf.reduce_sum(x) > tf.constant(-np.inf, x.dtype))


def _uniform_window(starts, ends):
    """`(window, stride)` if the bins `[starts, ends)` all have one width and evenly spaced starts."""
    widths, steps = ends - starts, np.diff(starts)
    if len(starts) < 2 or (widths != widths[0]).any() or (steps != steps[0]).any() or steps[0] < 1:
        return None
    return int(widths[0]), int(steps[0])


def padded_pyramid(x, levels, pooling, heights, widths):
    """x `(B, H, W, C)` padded; heights/widths `(B,)` int32 valid extents -> list of `(B, n*n*C)`."""
    h_cuts, w_cuts = _cut_points(heights, levels), _cut_points(widths, levels)
    grid = h_cuts.shape[-1] - 1  # elementary intervals a side, empty ones included
    cells = _elementary_reduce(x, pooling, heights, widths, h_cuts, w_cuts, grid)
    outputs = []
    mode = "max" if pooling == "max" else "sum"
    for n in levels:
        w_starts, w_ends = bin_edges(widths, n)
        h_starts, h_ends = bin_edges(heights, n)
        if n == 1:
            pooled = tf.reduce_max(cells, axis=(1, 2)) if mode == "max" else tf.reduce_sum(cells, axis=(1, 2))
            pooled = pooled[:, tf.newaxis, tf.newaxis, :]
        else:
            pooled = reduce_bins(cells, *_elementary_range(w_cuts, w_starts, w_ends), 2, mode, batched=True)
            pooled = reduce_bins(pooled, *_elementary_range(h_cuts, h_starts, h_ends), 1, mode, batched=True)
        if pooling == "avg":
            bin_heights, bin_widths = tf.cast(h_ends - h_starts, x.dtype), tf.cast(w_ends - w_starts, x.dtype)
            area = bin_heights[:, :, tf.newaxis] * bin_widths[:, tf.newaxis]
            pooled = pooled / area[..., tf.newaxis]
        outputs.append(_flatten_bins(pooled, n))
    return outputs


def reduce_bins(x, starts, ends, axis, mode, batched=False):
    """Max or sum of `x` over the bins `[starts, ends)` along `axis` (1 or 2 of a rank-4 tensor).

    `starts`/`ends`: int tensors `(n,)`, or `(B, n)` per image with `batched`.
    The bins replace the axis: `(B, H, W, C)` -> `(B, H, n, C)` for axis 2.
    """
    zero = tf.zeros([], x.dtype)
    counts = ends - starts
    span = tf.range(tf.maximum(tf.reduce_max(counts), 0), dtype=counts.dtype)  # no bins (a batch of 0): empty
    index = tf.minimum(starts[..., tf.newaxis] + span, ends[..., tf.newaxis] - 1)
    cells = tf.gather(x, index, axis=axis, batch_dims=1 if batched else 0)  # bins, then span, at `axis`
    if mode == "max":
        return tf.reduce_max(cells, axis=axis + 1)
    inside = span < counts[..., tf.newaxis]  # (n, K) or (B, n, K)
    if batched:
        inside = inside[:, tf.newaxis, :, :, tf.newaxis] if axis == 2 else inside[..., tf.newaxis, tf.newaxis]
    else:
        inside = inside[tf.newaxis, tf.newaxis, :, :, tf.newaxis] if axis == 2 else inside[tf.newaxis, ..., None, None]
    return tf.reduce_sum(tf.where(inside, cells, zero), axis=axis + 1)


def _flatten_bins(pooled, n):
    """`(B, n, n, C)` (or `(B, n*n, C)`) -> `(B, n*n*C)`: bins row-major, channels fastest."""
    channels = pooled.shape[-1] if pooled.shape[-1] is not None else tf.shape(pooled)[-1]
    return tf.reshape(pooled, (-1, n * n * channels))


def _cut_points(lengths, levels):
    """All bin starts and ends of all levels, `(B, 2 * sum(levels))`, unsorted (only ranks are used)."""
    parts = []
    for n in levels:
        parts.extend(bin_edges(lengths, n))
    return tf.concat(parts, axis=-1)


def _elementary_index(cells, cuts, lengths):
    """Elementary interval of each cell `(A,)` per image: #cuts <= cell, minus 1; -1 outside the image."""
    rank = tf.reduce_sum(tf.cast(cuts[:, tf.newaxis, :] <= cells[tf.newaxis, :, tf.newaxis], tf.int32), axis=-1) - 1
    return tf.where(cells[tf.newaxis, :] < lengths[:, tf.newaxis], rank, -1)


def _elementary_range(cuts, starts, ends):
    """Bins `[starts, ends)` `(B, n)` in elementary-interval coordinates `[first, last + 1)`.

    The first interval of a bin is the last one starting at or before its start (that one begins exactly
    at the start and is non-empty); the last is the one just before the first cut equal to its end.
    Empty intervals in between hold the reduction's identity and change nothing.
    """
    first = tf.reduce_sum(tf.cast(cuts[:, tf.newaxis, :] <= starts[..., tf.newaxis], tf.int32), axis=-1) - 1
    last = tf.reduce_sum(tf.cast(cuts[:, tf.newaxis, :] < ends[..., tf.newaxis], tf.int32), axis=-1) - 1
    return first, last + 1


def _elementary_reduce(x, pooling, heights, widths, h_cuts, w_cuts, grid):
    """One segment pass: `(B, H, W, C)` -> `(B, grid, grid, C)` max (or sum) per elementary rectangle."""
    shape = tf.shape(x)
    rows = _elementary_index(tf.range(shape[1]), h_cuts, heights)  # (B, H)
    cols = _elementary_index(tf.range(shape[2]), w_cuts, widths)  # (B, W)
    image = tf.range(shape[0])[:, tf.newaxis, tf.newaxis]
    ids = (image * grid + rows[:, :, tf.newaxis]) * grid + cols[:, tf.newaxis, :]
    ids = tf.where((rows[:, :, tf.newaxis] >= 0) & (cols[:, tf.newaxis, :] >= 0), ids, -1)  # padding: dropped
    segments = shape[0] * grid * grid
    if pooling == "avg":
        cells = tf.math.unsorted_segment_sum(x, ids, segments)  # NaN and inf propagate through the sum
    else:
        cells = tf.math.unsorted_segment_max(x, ids, segments)
        # unsorted_segment_max skips NaN and gives the dtype's lowest value for a rectangle of -inf cells.
        # The guard is one reduction; the rare map holding NaN or -inf gets one more segment pass.
        cells = tf.cond(_nan_or_negative_infinity(x), lambda: _exact_extremes(x, ids, segments, cells), lambda: cells)
    return tf.reshape(cells, (shape[0], grid, grid, shape[3]))


def _exact_extremes(x, ids, segments, cells):
    """Segment maxima `cells` with NaN restored in each rectangle holding one, and -inf in each rectangle
    whose cells are all -inf (an empty rectangle too: -inf is the identity of max). One segment pass over
    a code per cell: 2 for NaN, 1 for any other value above -inf, 0 for -inf."""
    code = tf.where(tf.math.is_nan(x), tf.constant(2, tf.int8), tf.cast(x > tf.constant(-np.inf, x.dtype), tf.int8))
    code = tf.math.unsorted_segment_max(code, ids, segments)
    cells = tf.where(code <= 0, tf.constant(-np.inf, x.dtype), cells)  # an empty segment gets int8 min
    return tf.where(code == 2, tf.constant(np.nan, x.dtype), cells)
