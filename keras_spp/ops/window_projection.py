"""`project_boxes`: image windows in pixels -> feature-map windows in cells (SPP-net, paper Appendix A).

The paper maps a window's corners to the conv5 cells whose receptive-field centres are closest, for a
network whose layers pad `floor(p / 2)` for a filter of size `p` (cell `x'` centred on pixel `S * x'`):
left/top `x' = floor(x / S) + 1`, right/bottom `x' = ceil(x / S) - 1`, with 1-based cells. Here cells are
0-based (one less): left/top `floor(x / S)`, right/bottom `ceil(x / S) - 2`; the window shrinks inwards so
that its cells see the box, not the context around it.

The released SPP_net code instead rounds `(x - offset0 + offset) / S` with offsets fitted to its Caffe
ZF-5 (21 and 6.5). We use the paper's rule: it needs only the stride, which every backbone knows
(`zoo.geometry.receptive_field`), and it is the one the paper states.
"""

import numbers

import numpy as np
import tensorflow as tf


def project_boxes(boxes, stride=16, feature_size=None):
    """Projects pixel boxes onto a conv feature map: inclusive `[x0, y0, x1, y1]` cells (paper Appendix A).

    Args:
        boxes: float `(..., 4)` pixel boxes `[x0, y0, x1, y1]`, 0-based (VOC's 1-based boxes minus 1), a
            NumPy array, a list or a tensor. Must be finite.
        stride: int >= 1, the feature stride `S` (the product of the backbone's strides; 16 for ZF-5).
        feature_size: optional `(height, width)` of the feature map (ints or int tensors): cells are
            clamped into it. None: cells are only kept >= 0.

    Returns:
        int32 `(..., 4)` cells `[x0, y0, x1, y1]`, inclusive (a NumPy array for NumPy/list input, else a
        tensor): left/top `floor(x / S)`, right/bottom `ceil(x / S) - 2`. A window that inverts (a box
        narrower than about two strides, or a degenerate box) collapses to its centre cell
        `floor((left + right) / 2)`; then cells are clamped into the map, so a box outside the image
        becomes the nearest border cell.

    Raises:
        ValueError: a box holds NaN or inf (eagerly; in a graph an InvalidArgumentError), a bad `stride`,
            or `boxes` whose last axis is not 4.

    Example (S = 16): box `[35, 40, 200, 130]` -> left `floor(35/16) = 2`, top `floor(40/16) = 2`,
    right `ceil(200/16) - 2 = 11`, bottom `ceil(130/16) - 2 = 7`; box `[100, 100, 110, 110]` inverts
    (`6 > ceil(110/16) - 2 = 5`) and collapses to cell `floor((6 + 5) / 2) = 5`.
    >>> project_boxes([[35, 40, 200, 130], [100, 100, 110, 110]], stride=16)
    array([[ 2,  2, 11,  7],
           [ 5,  5,  5,  5]], dtype=int32)
    >>> project_boxes([[-50, 0, 2000, 300]], stride=16, feature_size=(13, 20))
    array([[ 0,  0, 19, 12]], dtype=int32)
    """
    if isinstance(stride, bool) or not isinstance(stride, numbers.Integral) or stride < 1:
        raise ValueError(f"`stride` must be an integer >= 1 (the feature stride). Received: stride={stride!r}")
    is_tensor = isinstance(boxes, (tf.Tensor, tf.Variable))
    if not is_tensor:
        array = np.asarray(boxes, dtype=np.float64)
        _check_boxes(array)
        return _project_numpy(array, int(stride), feature_size)
    boxes = tf.convert_to_tensor(boxes)
    if boxes.shape.rank is None or boxes.shape.rank < 1 or boxes.shape[-1] not in (None, 4):
        raise ValueError(f"`boxes` must have shape (..., 4): [x0, y0, x1, y1]. Received: shape={boxes.shape}")
    boxes = tf.cast(boxes, tf.float64 if boxes.dtype == tf.float64 else tf.float32)
    if tf.executing_eagerly():
        _check_boxes(boxes.numpy())
    else:
        boxes = tf.debugging.assert_all_finite(boxes, "`boxes` must be finite pixel coordinates (NaN or inf found)")
    return _project_tensor(boxes, int(stride), feature_size)


def _check_boxes(array):
    if array.ndim < 1 or array.shape[-1] != 4:
        raise ValueError(f"`boxes` must have shape (..., 4): [x0, y0, x1, y1]. Received: shape={array.shape}")
    bad = ~np.isfinite(array).all(axis=-1)
    if bad.any():
        rows = np.argwhere(bad)[:3].tolist()
        raise ValueError(
            "`boxes` must be finite pixel coordinates; NaN or inf in box(es) at "
            f"{rows}{' ...' if bad.sum() > 3 else ''}. Received: boxes={array[bad][:3].tolist()}"
        )


def _project_numpy(boxes, stride, feature_size):
    left_top = np.floor(boxes[..., :2] / stride)
    right_bottom = np.ceil(boxes[..., 2:] / stride) - 2
    inverted = left_top > right_bottom
    centre = np.floor((left_top + right_bottom) / 2)
    left_top = np.where(inverted, centre, left_top)
    right_bottom = np.where(inverted, centre, right_bottom)
    cells = np.concatenate([left_top, right_bottom], axis=-1)
    upper = np.inf if feature_size is None else np.array(_last_cells(feature_size) * 2, dtype=np.float64)
    return np.clip(cells, 0, upper).astype(np.int32)


def _project_tensor(boxes, stride, feature_size):
    left_top = tf.floor(boxes[..., :2] / stride)
    right_bottom = tf.math.ceil(boxes[..., 2:] / stride) - 2
    inverted = left_top > right_bottom
    centre = tf.floor((left_top + right_bottom) / 2)
    left_top = tf.where(inverted, centre, left_top)
    right_bottom = tf.where(inverted, centre, right_bottom)
    cells = tf.cast(tf.concat([left_top, right_bottom], axis=-1), tf.int32)
    cells = tf.maximum(cells, 0)
    if feature_size is not None:
        height, width = feature_size
        last = tf.cast(tf.stack([width, height, width, height]), tf.int32) - 1
        cells = tf.minimum(cells, last)
    return cells


def _last_cells(feature_size):
    """`(width - 1, height - 1)` of a static `(height, width)`; ValueError for a size below 1."""
    try:
        height, width = (int(v) for v in feature_size)
    except (TypeError, ValueError):
        raise ValueError(
            f"`feature_size` must be (height, width) ints or None. Received: feature_size={feature_size!r}"
        ) from None
    if height < 1 or width < 1:
        raise ValueError(f"`feature_size` must be >= 1 a side. Received: feature_size={feature_size!r}")
    return [width - 1, height - 1]
