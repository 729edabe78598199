"""Box coding through Keras' bounding-box utilities: R-CNN's parameterisation, round trips, helpers."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.detection.box_coding import (
    FAST_RCNN_VARIANCE,
    box_iou,
    clip_boxes,
    decode_boxes,
    encode_boxes,
    flip_boxes,
)


def random_boxes(rng, count, size=500):
    corners = rng.uniform(0, size, size=(count, 2, 2)).astype(np.float32)
    return np.concatenate([corners.min(axis=1), corners.max(axis=1) + 16], axis=1)  # xyxy, at least 16 wide
    # (so no width ratio passes 1000 / 16, where decode_boxes caps dw and dh)


def rcnn_deltas(p, g):
    """R-CNN appendix C, written out in NumPy (continuous widths)."""
    pw, ph, gw, gh = p[:, 2] - p[:, 0], p[:, 3] - p[:, 1], g[:, 2] - g[:, 0], g[:, 3] - g[:, 1]
    px, py, gx, gy = p[:, 0] + pw / 2, p[:, 1] + ph / 2, g[:, 0] + gw / 2, g[:, 1] + gh / 2
    return np.stack([(gx - px) / pw, (gy - py) / ph, np.log(gw / pw), np.log(gh / ph)], axis=1)


@pytest.mark.parametrize("variance", [None, FAST_RCNN_VARIANCE])
def test_encode_is_rcnn_and_decode_inverts_it(variance):
    rng = np.random.default_rng(0)
    proposals, targets = random_boxes(rng, 37), random_boxes(rng, 37)
    deltas = np.asarray(encode_boxes(proposals, targets, variance))
    np.testing.assert_allclose(
        deltas * np.asarray(variance or 1.0), rcnn_deltas(proposals, targets), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(decode_boxes(proposals, deltas, variance), targets, rtol=1e-4, atol=1e-3)


def test_per_class_decode_and_graph_with_unknown_count():
    rng = np.random.default_rng(1)
    proposals = random_boxes(rng, 5)
    per_class = rng.normal(0, 0.3, size=(5, 3, 4)).astype(np.float32)
    boxes = decode_boxes(proposals, per_class)
    assert boxes.shape == (5, 3, 4)
    for k in range(3):
        np.testing.assert_allclose(boxes[:, k], decode_boxes(proposals, per_class[:, k]), rtol=1e-6)
    traced = tf.function(decode_boxes, input_signature=[tf.TensorSpec([None, 4]), tf.TensorSpec([None, None, 4])])
    np.testing.assert_allclose(traced(proposals, per_class), boxes, rtol=1e-6)
    assert traced(np.zeros((0, 4), np.float32), np.zeros((0, 3, 4), np.float32)).shape == (0, 3, 4)


def test_wild_deltas_stay_finite_and_helpers():
    boxes = np.asarray(decode_boxes(np.array([[0, 0, 10, 10]], np.float32), np.array([[0, 0, 100, 100]], np.float32)))
    assert np.isfinite(boxes).all() and boxes[0, 2] == pytest.approx(5 + 10 * 1000 / 16 / 2)  # dw capped
    scaled = decode_boxes(
        np.array([[0, 0, 10, 10]], np.float32), np.array([[0, 0, 1e4, 1e4]], np.float32), FAST_RCNN_VARIANCE
    )
    np.testing.assert_allclose(scaled, boxes, rtol=1e-5)  # the cap applies to the log-size after the variance
    np.testing.assert_array_equal(clip_boxes(np.array([[-3, 4, 80, 90]], np.float32), 50, 60), [[0, 4, 60, 50]])
    rng = np.random.default_rng(2)
    a = random_boxes(rng, 4)
    np.testing.assert_allclose(flip_boxes(flip_boxes(a, 640), 640), a, rtol=1e-6)
    assert (flip_boxes(a, 640)[:, 2] > flip_boxes(a, 640)[:, 0]).all()
    np.testing.assert_allclose(np.diag(box_iou(a, a)), 1, rtol=1e-6)
    np.testing.assert_allclose(box_iou(a, flip_boxes(a, 640)), np.asarray(box_iou(flip_boxes(a, 640), a)).T, rtol=1e-6)
