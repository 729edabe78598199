"""Range tables: any rectangle's max or sum of a feature map in four gathers, whatever its size.

* `max_tables`: a 2-D sparse table. Table `(kh, kw)` holds, at cell `(y, x)`, the max over rows
  `[y, y + 2**kh)` and columns `[x, x + 2**kw)`. A rectangle of `Lh x Lw` cells is the union of the four
  (overlapping) `2**kh x 2**kw` blocks at its corners, `kh = floor(log2 Lh)`, `kw = floor(log2 Lw)`, and
  max does not mind the overlap. Table `k + 1` is the max of table `k` and table `k` shifted by `2**k`.
  The tables shrink (`H - 2**kh + 1` rows, `W - 2**kw + 1` columns) and those longer than any window
  read are cut to one cell, so deep static depths cost little on small maps.
* `sum_table`: the integral image `S[y, x] = sum of cells [0, y) x [0, x)`; a rectangle's sum is
  `S[y1, x1] - S[y0, x1] - S[y1, x0] + S[y0, x0]`.

All tables of a batch are flattened into one `(rows, C)` matrix whose last row is zeros, so one `gather`
reads any set of rectangles, and a padded (unused) rectangle reads zeros by pointing at that row. Only
slice, maximum, transpose, cumsum, pad, concat, reshape and integer arithmetic: TFLite builtins, dynamic
sizes.
"""

import tensorflow as tf


def table_depth(length, cap):
    """How many doublings an axis needs: `floor(log2(min(length, cap)))` for static ints; None if unknown."""
    if not isinstance(length, int):
        return None
    longest = max(1, min(length, cap))
    return longest.bit_length() - 1


def max_tables(x, depth_h, depth_w, cap_h, cap_w, total_rows=None):
    """Sparse tables of `x` `(B, H, W, C)` for `kh <= depth_h`, `kw <= depth_w`, flattened.

    Every doubling runs along the leading axis, where a slice is a view and not a copy: the map is
    transposed to `(H, B, W, C)` for the row doublings (`kh = 0 .. depth_h`), their stack to
    `(W, B, rows, C)` for the column doublings, each of which then serves all row tables at once:
    `depth_h + depth_w` doublings build all `(depth_h + 1) * (depth_w + 1)` tables.

    Args:
        x: `(B, H, W, C)` channels_last map.
        depth_h, depth_w: Python ints, the largest `kh`, `kw` built (static, so one graph serves every size).
        cap_h, cap_w: int32 scalars, the longest rectangle side that will be read: tables with
            `2**k > cap` are cut to one row/column (their values are never read), so a deep static
            depth costs almost nothing on small maps.
        total_rows: optional function of the int32 rows needed (the tables and a zero row), giving as
            many or more (e.g. rounded up, so that XLA sees fewer shapes).

    Returns:
        `(flat, layout)`: `flat` `(N, C)`, the tables of all images, then zero rows (at least one, so the
        last row is zeros). Table `(kh, kw)` of image `b` holds cell `(y, x)` at row
        `col_offsets[kw] + x * col_stride + b * image_stride + row_offsets[kh] + y`; `layout` is the dict
        of those int32 tensors (`row_offsets` `(depth_h + 1,)`, `col_offsets` `(depth_w + 1,)`, scalars
        `col_stride` and `image_stride`).
    """
    shape = tf.shape(x)
    rows = _table_lengths(shape[1], depth_h, cap_h)
    cols = _table_lengths(shape[2], depth_w, cap_w)
    row_tables = [tf.transpose(x, (1, 0, 2, 3))]  # (H, B, W, C)
    for kh in range(1, depth_h + 1):
        row_tables.append(_doubled(row_tables[-1], 2 ** (kh - 1), rows[kh - 1], rows[kh]))
    table = tf.concat(row_tables, axis=0) if depth_h else row_tables[0]  # (sum(rows), B, W, C)
    table = tf.transpose(table, (2, 1, 0, 3))  # (W, B, sum(rows), C)
    pieces = [table]
    for kw in range(1, depth_w + 1):
        table = _doubled(table, 2 ** (kw - 1), cols[kw - 1], cols[kw])
        pieces.append(table)
    rows, cols = tf.stack(rows), tf.stack(cols)
    stacked_rows = tf.reduce_sum(rows)
    col_stride = shape[0] * stacked_rows
    tables = col_stride * tf.reduce_sum(cols)
    zeros = 1 if total_rows is None else total_rows(tables + 1) - tables
    layout = {
        "row_offsets": tf.cumsum(rows, exclusive=True),
        "col_offsets": tf.cumsum(col_stride * cols, exclusive=True),
        "col_stride": col_stride,
        "image_stride": stacked_rows,
    }
    flat = [tf.reshape(piece, (-1, shape[3])) for piece in pieces]
    flat.append(tf.zeros(tf.stack([zeros, shape[3]]), x.dtype))
    return tf.concat(flat, axis=0), layout


def max_table_corners(starts_y, ends_y, starts_x, ends_x, layout, depth_h, depth_w, image_index):
    """Flat row indices of the four corner blocks of each rectangle `[y0, y1) x [x0, x1)`.

    `starts_y`/`ends_y` broadcast against `starts_x`/`ends_x` (e.g. `(B, R, n, 1)` and `(B, R, 1, n)`);
    `image_index` broadcasts too (`(B, 1, 1, 1)`). Returns int32 of the broadcast shape + `(4,)`.
    """
    kh = floor_log2(ends_y - starts_y, depth_h)
    kw = floor_log2(ends_x - starts_x, depth_w)
    stack_row = tf.gather(layout["row_offsets"], kh) + image_index * layout["image_stride"]
    top, bottom = stack_row + starts_y, stack_row + ends_y - _power_of_two(kh, depth_h)
    left, right = starts_x, ends_x - _power_of_two(kw, depth_w)
    base = tf.gather(layout["col_offsets"], kw)
    corners = [base + x * layout["col_stride"] + y for y in (top, bottom) for x in (left, right)]
    return tf.stack(corners, axis=-1)


def sum_table(x, total_rows=None):
    """Integral images of `x` `(B, H, W, C)`, flattened: `(B * (H + 1) * (W + 1) + 1, C)`, zero last row.

    total_rows: optional function of the int32 rows needed, giving as many or more (zero rows added).
    """
    integral = tf.cumsum(tf.cumsum(x, axis=1), axis=2)
    integral = tf.pad(integral, [[0, 0], [1, 0], [1, 0], [0, 0]])
    shape = tf.shape(integral)
    return _flatten_with_zero_row(tf.reshape(integral, (shape[0], -1, shape[3])), x.dtype, total_rows)


def sum_table_corners(starts_y, ends_y, starts_x, ends_x, height, width, image_index):
    """Flat row indices of `S[y1, x1], S[y0, x1], S[y1, x0], S[y0, x0]` (signs + - - +), shape + `(4,)`."""
    stride = width + 1
    base = image_index * (height + 1) * stride
    pairs = ((ends_y, ends_x), (starts_y, ends_x), (ends_y, starts_x), (starts_y, starts_x))
    corners = [base + y * stride + x for y, x in pairs]
    return tf.stack(corners, axis=-1)


def _table_lengths(length, depth, cap):
    """Rows (or columns) of each table: `length - 2**k + 1` while `2**k <= cap`, else 1 (never read)."""
    lengths = []
    for k in range(depth + 1):
        needed = tf.logical_and(2**k <= cap, 2**k <= length)
        lengths.append(tf.where(needed, length - 2**k + 1, 1))
    return lengths


def _doubled(table, shift, length, new_length):
    """Table `k + 1` from table `k` along axis 0: max of its first `new_length` cells and of those `shift` on."""
    begin = tf.minimum(shift, length - new_length)  # == shift for a table that is read; in range otherwise
    return tf.maximum(table[:new_length], table[begin : begin + new_length])


def floor_log2(lengths, depth):
    """`floor(log2(lengths))` for int32 lengths >= 1, capped at `depth`: a count of powers of two <= length."""
    if depth == 0:
        return tf.zeros_like(lengths)
    powers = tf.constant([2**k for k in range(1, depth + 1)], tf.int32)
    return tf.reduce_sum(tf.cast(tf.expand_dims(lengths, -1) >= powers, tf.int32), axis=-1)


def _power_of_two(k, depth):
    """`2**k` for int32 `k` in `[0, depth]` (a lookup: TFLite has no integer shift)."""
    return tf.gather(tf.constant([2**j for j in range(depth + 1)], tf.int32), k)


def _flatten_with_zero_row(tables, dtype, total_rows=None):
    """`(B, N, C)` -> `(B * N + 1, C)`: the images one after another, then a row of zeros (or more rows)."""
    channels = tf.shape(tables)[2]
    flat = tf.reshape(tables, (-1, channels))
    zeros = 1 if total_rows is None else total_rows(tf.shape(flat)[0] + 1) - tf.shape(flat)[0]
    return tf.concat([flat, tf.zeros(tf.stack([zeros, channels]), dtype)], axis=0)
