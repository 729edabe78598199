"""R-CNN box regression coding on top of `keras.utils.bounding_boxes`, and box helpers for detection.

Keras' `encode_box_to_deltas(..., encoding_format="center_xywh")` is R-CNN's parameterisation exactly
(Girshick et al. 2014, appendix C): with a proposal P and a target G as centre, width, height,
`dx = (Gx - Px) / Pw`, `dy = (Gy - Py) / Ph`, `dw = log(Gw / Pw)`, `dh = log(Gh / Ph)`, in that order;
widths are `x1 - x0` (continuous corners; R-CNN's code adds 1 for inclusive pixels), floored at 1e-7.
Keras' default `encoding_format="center_yxhw"` would give `(dy, dx, dh, dw)` instead. An optional
`variance` divides the deltas when encoding and multiplies them when decoding: Fast R-CNN's target
normalisation with zero means (its stds are `(0.1, 0.1, 0.2, 0.2)`); R-CNN's and SPP-net's ridge
regressors use none. Keras does not bound `exp(dw)`; `decode_boxes` caps `dw`, `dh` at `log(1000 / 16)`
as Fast R-CNN does, so a wild delta cannot overflow to inf.
"""

import math

MAX_LOG_SCALE = math.log(1000.0 / 16.0)
FAST_RCNN_VARIANCE = (0.1, 0.1, 0.2, 0.2)


def encode_boxes(proposals, targets, variance=None):
    """Regression targets `(N, 4)` `(dx, dy, dw, dh)` that move each proposal onto its target box.

    Args:
        proposals: `(N, 4)` xyxy pixel boxes (the windows).
        targets: `(N, 4)` xyxy pixel boxes (each window's ground truth).
        variance: None or 4 floats dividing the deltas (see the module docstring).

    Returns:
        A float32 tensor `(N, 4)`.

    Example:
    >>> import numpy as np
    >>> encode_boxes(np.array([[0, 0, 10, 20]], "float32"), np.array([[5, 0, 15, 40]], "float32")).numpy()
    array([[0.5      , 0.5      , 0.       , 0.6931472]], dtype=float32)
    """
    from keras.utils import bounding_boxes

    return bounding_boxes.encode_box_to_deltas(
        proposals, targets, anchor_format="xyxy", box_format="xyxy", encoding_format="center_xywh", variance=variance
    )


def decode_boxes(proposals, deltas, variance=None, max_log_scale=MAX_LOG_SCALE):
    """Boxes `(..., 4)` xyxy from proposals `(N, 4)` xyxy and deltas `(N, 4)` or `(N, K, 4)` `(dx, dy, dw, dh)`.

    Args:
        proposals: `(N, 4)` xyxy pixel boxes.
        deltas: `(N, 4)`, or `(N, K, 4)` for one set of deltas per class (each applied to its proposal).
        variance: None or 4 floats multiplying the deltas (as given to `encode_boxes`).
        max_log_scale: the cap on `dw` and `dh` (times the variance) before `exp`.

    Returns:
        A float32 tensor shaped like `deltas`; traceable in a `tf.function` with unknown N.

    Example:
    >>> import numpy as np
    >>> decode_boxes(np.array([[0, 0, 10, 20]], "float32"), np.array([[0.5, 0.5, 0, 0.6931472]], "float32")).numpy()
    array([[ 5.,  0., 15., 40.]], dtype=float32)
    """
    import tensorflow as tf
    from keras.utils import bounding_boxes

    proposals = tf.convert_to_tensor(proposals, tf.float32)
    deltas = tf.convert_to_tensor(deltas, tf.float32)
    cap = tf.constant(max_log_scale, tf.float32)
    if variance is not None:  # the cap is on the scaled log-size Keras exponentiates
        cap = cap / tf.constant(list(variance)[2:], tf.float32)
    deltas = tf.concat([deltas[..., :2], tf.minimum(deltas[..., 2:], cap)], axis=-1)
    if deltas.shape.rank == 3:  # (N, K, 4): Keras broadcasts anchors (N, 4) over a leading batch axis only
        deltas_by_class = tf.transpose(deltas, [1, 0, 2])
        boxes = bounding_boxes.decode_deltas_to_boxes(
            proposals,
            deltas_by_class,
            anchor_format="xyxy",
            box_format="xyxy",
            encoded_format="center_xywh",
            variance=variance,
        )
        return tf.transpose(boxes, [1, 0, 2])
    return bounding_boxes.decode_deltas_to_boxes(
        proposals, deltas, anchor_format="xyxy", box_format="xyxy", encoded_format="center_xywh", variance=variance
    )


def clip_boxes(boxes, height, width):
    """Clips xyxy pixel boxes `(..., 4)` to an image of `height` x `width` (ints or scalar tensors).

    Example:
    >>> import numpy as np
    >>> clip_boxes(np.array([[-5, 2, 30, 50]], "float32"), height=40, width=20).numpy()
    array([[ 0.,  2., 20., 40.]], dtype=float32)
    """
    from keras.utils import bounding_boxes

    return bounding_boxes.clip_to_image_size({"boxes": boxes}, height=height, width=width, bounding_box_format="xyxy")[
        "boxes"
    ]


def box_iou(boxes1, boxes2):
    """Pairwise IoU `(N, M)` of xyxy boxes `(N, 4)` and `(M, 4)` (Keras' `compute_iou`).

    Example:
    >>> import numpy as np
    >>> box_iou(np.array([[0, 0, 10, 10]], "float32"), np.array([[0, 0, 10, 20], [20, 20, 30, 30]], "float32")).numpy()
    array([[0.5, 0. ]], dtype=float32)
    """
    from keras.utils import bounding_boxes

    return bounding_boxes.compute_iou(boxes1, boxes2, bounding_box_format="xyxy")


def flip_boxes(boxes, width):
    """Mirrors xyxy pixel boxes `(..., 4)` left-right in an image `width` pixels wide (a horizontal flip).

    Example:
    >>> import numpy as np
    >>> flip_boxes(np.array([[2, 5, 10, 8]], "float32"), width=100)
    array([[90.,  5., 98.,  8.]], dtype=float32)
    """
    import numpy as np

    boxes = np.asarray(boxes, np.float32)
    return np.stack([width - boxes[..., 2], boxes[..., 1], width - boxes[..., 0], boxes[..., 3]], axis=-1)
