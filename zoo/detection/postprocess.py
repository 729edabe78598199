"""From the detector head's outputs to detections: decode per-class boxes, clip, per-class NMS, score
threshold, top-k (SPP-net's test procedure: NMS at IoU 0.3, at most 100 boxes an image).

Built on `tf.image.combined_non_max_suppression`, which does per-class greedy NMS, the score threshold and
the top-k across classes in one op. It filters by score before NMS; the result is the same as filtering
after, since greedy NMS only lets a box be suppressed by higher-scoring ones.
"""

from keras_spp.validation import positive_int
from zoo.detection.box_coding import clip_boxes, decode_boxes


def postprocess_detections(
    scores, deltas, proposals, image_size, nms_iou=0.3, min_score=0.05, max_detections=100, variance=None
):
    """Detections of one image from per-window class scores and per-class box deltas.

    Args:
        scores: `(R, K+1)` class probabilities per window, column 0 the background.
        deltas: `(R, 4 * (K+1))`, `(R, K+1, 4)`, `(R, 4 * K)` or `(R, K, 4)` per-class `(dx, dy, dw, dh)`
            (R-CNN coding, `zoo.detection.box_coding`); a background column is ignored. None: no box
            regression, the proposals themselves.
        proposals: `(R, 4)` xyxy windows in the image's pixels. R may be 0 and unknown when traced.
        image_size: `(height, width)` of the image (ints or an int tensor), to clip the boxes.
        nms_iou: IoU above which a box of the same class with a lower score is suppressed.
        min_score: boxes scoring below it are dropped.
        max_detections: at most this many boxes, over all classes.
        variance: as given to `encode_boxes` when the targets were made.

    Returns:
        A dict of tensors, sorted by score (descending): `boxes` float32 `(D, 4)` xyxy pixels,
        `scores` float32 `(D,)`, `classes` int32 `(D,)` 0-based foreground classes (`scores` column
        `classes + 1`), D <= `max_detections`. Traceable: wrap it in a `tf.function` with
        `TensorSpec([None, ...])` inputs for export.

    Example:
    >>> import numpy as np
    >>> scores = np.array([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1]], "float32")       # 2 windows of class 0
    >>> proposals = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], "float32")
    >>> out = postprocess_detections(scores, None, proposals, image_size=(100, 100), min_score=0.3)
    >>> out["boxes"].numpy(), out["scores"].numpy(), out["classes"].numpy()
    (array([[ 0.,  0., 10., 10.]], dtype=float32), array([0.9], dtype=float32), array([0], dtype=int32))
    """
    import tensorflow as tf

    _check_arguments(nms_iou, min_score, max_detections)
    scores = tf.convert_to_tensor(scores, tf.float32)
    proposals = tf.convert_to_tensor(proposals, tf.float32)
    num_classes = scores.shape[-1]
    if scores.shape.rank != 2 or num_classes is None or num_classes < 2:
        raise ValueError(
            f"`scores` must be (R, K+1) with a known K+1 >= 2 (column 0: background). "
            f"Received: scores.shape={scores.shape}"
        )
    num_classes -= 1
    if deltas is None:
        boxes = tf.repeat(proposals[:, None, :], num_classes, axis=1)
    else:
        deltas = tf.convert_to_tensor(deltas, tf.float32)
        size = deltas.shape[-1] * (deltas.shape[-2] if deltas.shape.rank == 3 else 1)
        if size not in (4 * num_classes, 4 * (num_classes + 1)):
            raise ValueError(
                f"`deltas` must hold 4 values per class, with or without the background: "
                f"{4 * num_classes} or {4 * (num_classes + 1)} per window for scores of {num_classes + 1}"
                f" columns. Received: deltas.shape={deltas.shape}"
            )
        deltas = tf.reshape(deltas, [-1, size // 4, 4])[:, -num_classes:]
        boxes = decode_boxes(proposals, deltas, variance=variance)
    height, width = image_size[0], image_size[1]
    boxes = clip_boxes(boxes, tf.cast(height, tf.float32), tf.cast(width, tf.float32))
    # combined NMS reads [y0, x0, y1, x1]; IoU does not care which axis comes first, and clip_boxes=False
    # keeps pixels (its clipping is to [0, 1]).
    nmsed = tf.image.combined_non_max_suppression(
        boxes[None],
        scores[None, :, 1:],
        max_output_size_per_class=max_detections,
        max_total_size=max_detections,
        iou_threshold=nms_iou,
        score_threshold=min_score,
        pad_per_class=False,
        clip_boxes=False,
    )
    count = nmsed.valid_detections[0]
    return {
        "boxes": nmsed.nmsed_boxes[0, :count],
        "scores": nmsed.nmsed_scores[0, :count],
        "classes": tf.cast(nmsed.nmsed_classes[0, :count], tf.int32),
    }


def _check_arguments(nms_iou, min_score, max_detections):
    if not 0 < nms_iou <= 1:
        raise ValueError(f"`nms_iou` must be in (0, 1]. Received: nms_iou={nms_iou}")
    if not 0 <= min_score <= 1:
        raise ValueError(f"`min_score` must be in [0, 1]. Received: min_score={min_score}")
    positive_int(max_detections, "max_detections")
