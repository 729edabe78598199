"""Post-processing: decode, clip, per-class NMS at 0.3 (tf.image.combined_non_max_suppression), threshold, top-k."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.detection.box_coding import encode_boxes
from zoo.detection.postprocess import postprocess_detections

# Five windows, two foreground classes (score columns: background, cat, dog).
PROPOSALS = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10], [30, 30, 50, 50], [60, 60, 70, 70]], np.float32)
SCORES = np.array(
    [
        [0.1, 0.9, 0.0],  # cat, kept
        [0.2, 0.8, 0.0],  # cat, IoU 90/110 = 0.82 with the first: suppressed
        [0.3, 0.0, 0.7],  # dog on the same place as the first cat: kept (NMS is per class)
        [0.4, 0.35, 0.25],  # cat 0.35 kept; dog 0.25 below min_score
        [0.98, 0.01, 0.01],  # background: nothing above min_score
    ],
    np.float32,
)


def as_tuples(out):
    return [
        (tuple(b), round(float(s), 4), int(c))
        for b, s, c in zip(out["boxes"].numpy().tolist(), out["scores"].numpy(), out["classes"].numpy(), strict=True)
    ]


def test_per_class_nms_threshold_and_order_on_a_hand_made_case():
    out = postprocess_detections(SCORES, None, PROPOSALS, image_size=(100, 100), min_score=0.3)
    assert as_tuples(out) == [((0, 0, 10, 10), 0.9, 0), ((0, 0, 10, 10), 0.7, 1), ((30, 30, 50, 50), 0.35, 0)]
    assert out["boxes"].dtype == tf.float32 and out["classes"].dtype == tf.int32
    top = postprocess_detections(SCORES, None, PROPOSALS, image_size=(100, 100), min_score=0.3, max_detections=2)
    assert as_tuples(top) == as_tuples(out)[:2]
    loose = postprocess_detections(SCORES, None, PROPOSALS, image_size=(100, 100), min_score=0.3, nms_iou=0.9)
    assert len(loose["scores"]) == 4  # IoU 0.82 no longer suppresses


def test_deltas_move_boxes_then_clip():
    targets = np.array([[2, 2, 12, 12], [-20, 5, 40, 200]], np.float32)  # the second leaves the 100x80 image
    deltas = np.zeros((2, 3, 4), np.float32)
    deltas[0, 1] = encode_boxes(PROPOSALS[:1], targets[:1])[0]
    deltas[1, 2] = encode_boxes(PROPOSALS[3:4], targets[1:])[0]
    scores = np.array([[0, 1, 0], [0, 0, 1]], np.float32)
    for layout in (deltas, deltas.reshape(2, 12), deltas[:, 1:], deltas[:, 1:].reshape(2, 8)):
        out = postprocess_detections(scores, layout, PROPOSALS[[0, 3]], image_size=(100, 80))
        np.testing.assert_allclose(out["boxes"], [[2, 2, 12, 12], [0, 5, 40, 100]], atol=1e-4)
        assert out["classes"].numpy().tolist() == [0, 1]


def test_traced_with_unknown_window_count_and_no_windows():
    traced = tf.function(
        postprocess_detections,
        input_signature=[
            tf.TensorSpec([None, 3]),
            tf.TensorSpec([None, 12]),
            tf.TensorSpec([None, 4]),
            tf.TensorSpec([2], tf.int32),
        ],
    )
    deltas = np.zeros((5, 12), np.float32)
    out = traced(SCORES, deltas, PROPOSALS, tf.constant([100, 100]))
    assert out["boxes"].shape == (4, 4)  # min_score 0.05 now keeps cat 0.35 and dog 0.25 at [30, 30, 50, 50]
    empty = traced(
        np.zeros((0, 3), np.float32),
        np.zeros((0, 12), np.float32),
        np.zeros((0, 4), np.float32),
        tf.constant([100, 100]),
    )
    assert empty["boxes"].shape == (0, 4) and empty["scores"].shape == (0,) and empty["classes"].shape == (0,)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"`scores` must be \(R, K\+1\)"):
        postprocess_detections(np.zeros((2, 1), np.float32), None, PROPOSALS[:2], (10, 10))
    with pytest.raises(ValueError, match="deltas.shape=\\(5, 7\\)"):
        postprocess_detections(SCORES, np.zeros((5, 7), np.float32), PROPOSALS, (10, 10))
    with pytest.raises(ValueError, match="nms_iou=0"):
        postprocess_detections(SCORES, None, PROPOSALS, (10, 10), nms_iou=0)
    with pytest.raises(ValueError, match="max_detections=2.5"):
        postprocess_detections(SCORES, None, PROPOSALS, (10, 10), max_detections=2.5)
