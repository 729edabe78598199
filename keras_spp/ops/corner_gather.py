"""Gathering range-table corners and combining them per bin, and running that as one XLA kernel.

`region_pyramid_pool` reads every bin as four rows of a flat table (`range_tables`) and combines them (a
max, or the signed sum of an integral image). On TensorFlow's kernels that is a gather that writes four
rows a bin and a reduction that reads them back: four times the output through memory, and with the
index arithmetic (dozens of small ops) most of the time. `jit_compile=True` runs the indices, the gather
and the max as one XLA kernel (`in_buckets`), so the four rows never leave the cache: on the 2-core CPU,
2,000 windows at 50 bins take 17-23 ms in the kernel against ~100 ms for the gather and reduction alone.
XLA compiles once per input shape, so the window count and the table rows are rounded up (`bucket_size`:
8 sizes an octave, at most 12.5% padding) and padded windows read the table's zero row and are cut off
(a cut along the first axis, no copy). Each new bucket compiles once (2-5 s on the loaded 2-core machine);
calls with sizes already seen reuse the kernel.
"""

import tensorflow as tf

from keras_spp.ops.range_tables import floor_log2


def bucket_size(n):
    """An int32 `n >= 0` rounded up to a multiple of `2**(floor(log2 n) - 3)`: 8 sizes an octave."""
    step = tf.gather(tf.constant([2 ** max(0, k - 3) for k in range(31)], tf.int32), floor_log2(tf.maximum(n, 1), 30))
    return (n + step - 1) // step * step


def gather_corner_max(flat, indices):
    """`(B, R, bins, C)`: the max over axis 2 of `flat[indices]`, indices `(B, R, corners, bins)`."""
    # reducing over the corner axis reads contiguous bins x channels blocks (3x faster on CPU than
    # reducing a (B, R, bins, corners, C) gather over its fourth axis)
    return tf.reduce_max(tf.gather(flat, indices), axis=2)


def in_buckets(kernel, flat, layout, box, valid, *static):
    """`kernel(flat, layout, box, image, valid, *static)` on all windows of all images as one row, padded.

    box: `(y0, h, x0, w)` int32 `(B, R)`; valid: bool `(B, R)` or None. The kernel sees them as `(1, P)`,
    `P = bucket_size(B * R)`, with `image` `(1, P, 1, 1)` each window's image and padded windows invalid
    (1x1 at the origin), and returns `(1, P, bins, C)`. Returns `(B, R, bins * C)`.
    """
    shape = tf.shape(box[0])
    windows = shape[0] * shape[1]
    padding = [[0, 0], [0, bucket_size(windows) - windows]]
    y0, h, x0, w = (tf.pad(tf.reshape(c, (1, windows)), padding, constant_values=v) for c, v in zip(box, (0, 1, 0, 1)))
    image = tf.repeat(tf.range(shape[0]), shape[1])
    image = tf.reshape(tf.pad(tf.reshape(image, (1, windows)), padding), (1, -1, 1, 1))
    valid = tf.ones((1, windows), tf.bool) if valid is None else tf.reshape(valid, (1, windows))
    pooled = kernel(flat, layout, (y0, h, x0, w), image, tf.pad(valid, padding), *static)
    units = tf.shape(pooled)[2] * tf.shape(pooled)[3]
    pooled = tf.reshape(pooled, (-1, units))[:windows]  # a cut along the first axis: no copy
    return tf.reshape(pooled, (shape[0], shape[1], units))


def gather_corner_sum(flat, indices, jit_compile=False):
    """`(B, R, bins, C)`: `(c0 - c1) - (c2 - c3)` of the four corners `flat[indices]` (an integral image)."""
    if not jit_compile:
        return _signed_sum_of_corners(flat, indices)
    return _in_buckets(_sum_kernel, flat, indices)


def _in_buckets(kernel, flat, indices):
    """`kernel` on the windows of all images as one `(windows, corners, bins)` batch, padded to a bucket."""
    shape = tf.shape(indices)
    windows = shape[0] * shape[1]
    indices = tf.reshape(indices, (windows, shape[2], shape[3]))
    padding = tf.fill(tf.stack([bucket_size(windows) - windows, shape[2], shape[3]]), tf.shape(flat)[0] - 1)
    pooled = kernel(flat, tf.concat([indices, padding], axis=0))[:windows]  # (windows, bins, C)
    return tf.reshape(pooled, tf.concat([shape[:2], tf.shape(pooled)[1:]], axis=0))


def _signed_sum_of_corners(flat, indices):
    corners = tf.gather(flat, indices)
    if corners.shape.rank == 5:  # (B, R, 4, bins, C)
        return (corners[:, :, 0] - corners[:, :, 1]) - (corners[:, :, 2] - corners[:, :, 3])
    return (corners[:, 0] - corners[:, 1]) - (corners[:, 2] - corners[:, 3])  # (windows, 4, bins, C)


_sum_kernel = tf.function(_signed_sum_of_corners, jit_compile=True)
