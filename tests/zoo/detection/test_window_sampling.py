"""Training windows: IoU labels (fg >= 0.5, bg [0.1, 0.5), ignore), regression targets, 128 windows 25% fg."""

import numpy as np
import pytest

from zoo.detection.box_coding import decode_boxes, flip_boxes
from zoo.detection.window_sampling import IGNORE, label_windows, sample_windows

GT = np.array([[0, 0, 10, 10], [100, 100, 120, 140]], np.float32)
GT_LABELS = np.array([0, 2])
# IoU with the best ground truth, worked out: 1.0 (gt 0), 0.5 exactly (gt 0, 50/100), 600/800 = 0.75 (gt 1),
# 0.4 (gt 0: 40/100), 0.1 exactly (gt 0: 10/100), 0.05 (gt 0: 5/100), 0 (none).
WINDOWS = np.array(
    [
        [0, 0, 10, 10],
        [0, 0, 5, 10],
        [100, 100, 120, 130],
        [0, 0, 4, 10],
        [0, 0, 1, 10],
        [0, 0, 10, 0.5],
        [300, 300, 310, 310],
    ],
    np.float32,
)


def test_labels_targets_on_a_hand_made_case():
    labels, targets, iou = label_windows(WINDOWS, GT, GT_LABELS)
    np.testing.assert_allclose(iou, [1, 0.5, 0.75, 0.4, 0.1, 0.05, 0], rtol=1e-5)
    assert labels.tolist() == [1, 1, 3, 0, 0, IGNORE, IGNORE]
    assert labels.dtype == np.int32 and targets.dtype == np.float32
    np.testing.assert_allclose(targets[0], 0, atol=1e-6)
    assert (targets[3:] == 0).all()
    np.testing.assert_allclose(decode_boxes(WINDOWS[[1, 2]], targets[[1, 2]]), GT[[0, 1]], atol=1e-4)


def test_flipped_image_gives_the_same_labels_and_mirrored_dx():
    labels, targets, _ = label_windows(WINDOWS, GT, GT_LABELS)
    flipped_labels, flipped_targets, _ = label_windows(flip_boxes(WINDOWS, 400), flip_boxes(GT, 400), GT_LABELS)
    assert flipped_labels.tolist() == labels.tolist()
    np.testing.assert_allclose(flipped_targets * [-1, 1, 1, 1], targets, atol=1e-6)


def test_no_ground_truth_or_no_windows():
    labels, targets, iou = label_windows(WINDOWS, np.zeros((0, 4)), [])
    assert (labels == IGNORE).all() and targets.shape == (7, 4) and (iou == 0).all()
    labels, targets, iou = label_windows(np.zeros((0, 4)), GT, GT_LABELS)
    assert labels.shape == (0,) and targets.shape == (0, 4)
    with pytest.raises(ValueError, match="one label per box"):
        label_windows(WINDOWS, GT, [1])
    with pytest.raises(ValueError, match="fg_iou=0.3"):
        label_windows(WINDOWS, GT, GT_LABELS, fg_iou=0.3)


def test_mini_batch_fractions_seeding_and_shortage():
    rng = np.random.default_rng(0)
    labels = rng.choice([IGNORE, 0, 1, 2, 3], size=2000, p=[0.3, 0.5, 0.1, 0.05, 0.05])
    batch = sample_windows(labels, seed=7)
    assert len(batch) == 128 and len(set(batch.tolist())) == 128
    assert (labels[batch[:32]] > 0).all() and (labels[batch[32:]] == 0).all()
    assert batch.tolist() == sample_windows(labels, seed=7).tolist()
    assert batch.tolist() != sample_windows(labels, seed=8).tolist()
    few = np.array([1, 0, 0, 0, 0, IGNORE, 2])  # 2 fg, 4 bg: all of them, fewer than asked
    batch = sample_windows(few, batch_size=8, fg_fraction=0.25, seed=0)
    assert sorted(batch.tolist()) == [0, 1, 2, 3, 4, 6]
    drawn = few[sample_windows(few, batch_size=4, fg_fraction=0.25, seed=0)]
    assert drawn[0] > 0 and (drawn[1:] == 0).all() and len(drawn) == 4
    with pytest.raises(ValueError, match="fg_fraction=1.5"):
        sample_windows(few, fg_fraction=1.5)
