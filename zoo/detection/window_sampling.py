"""Training windows for fine-tuning the detector's fc layers (SPP-net §4.1, after R-CNN): each proposal
labelled by its IoU with the ground truth, regression targets for the foreground, and mini-batches of
128 windows, 25% foreground.

Pure NumPy around Keras' IoU and box coding, seeded, so the same windows come back for the same seed.
Horizontal flips: mirror the proposals and the ground truth with `zoo.detection.box_coding.flip_boxes`
(the image's width) and label them as usual. R-CNN also adds the ground-truth boxes to the proposals as
foreground windows: concatenate them before labelling. VOC-style training leaves `difficult` objects out
of `gt_boxes`. An image without ground truth gives no background either (IoU 0 is below 0.1).
"""

import numpy as np

from keras_spp.validation import positive_int
from zoo.detection.box_coding import box_iou, encode_boxes

IGNORE = -1


def label_windows(proposals, gt_boxes, gt_labels, fg_iou=0.5, bg_iou=(0.1, 0.5), variance=None):
    """Labels windows by their best IoU with a ground-truth box, with regression targets for the foreground.

    Args:
        proposals: `(R, 4)` xyxy pixel windows.
        gt_boxes: `(G, 4)` xyxy pixel ground-truth boxes (G may be 0).
        gt_labels: `(G,)` 0-based classes of `gt_boxes`.
        fg_iou: a window with IoU >= `fg_iou` is foreground, of the class of its best ground-truth box.
        bg_iou: `(low, high)`: IoU in `[low, high)` is background; anything else is ignored.
        variance: as for `zoo.detection.box_coding.encode_boxes`.

    Returns:
        `(labels, targets, best_iou)`: int32 `(R,)` with class + 1 for the foreground, 0 for the background
        and -1 (`IGNORE`) for the rest; float32 `(R, 4)` `(dx, dy, dw, dh)` from each window to its best
        ground-truth box (zero but for the foreground); float32 `(R,)` best IoU.

    Example:
    >>> import numpy as np
    >>> windows = np.array([[0, 0, 10, 10], [0, 0, 10, 16], [0, 0, 10, 40], [50, 50, 60, 60]], "float32")
    >>> labels, targets, iou = label_windows(windows, np.array([[0, 0, 10, 12]], "float32"), np.array([2]))
    >>> labels, iou.round(2)
    (array([ 3,  3,  0, -1], dtype=int32), array([0.83, 0.75, 0.3 , 0.  ], dtype=float32))
    """
    low, high = bg_iou
    if not 0 <= low <= high <= fg_iou <= 1:
        raise ValueError(
            f"IoU thresholds must satisfy 0 <= bg_iou[0] <= bg_iou[1] <= fg_iou <= 1. Received: "
            f"fg_iou={fg_iou}, bg_iou={bg_iou}"
        )
    proposals = np.asarray(proposals, np.float32).reshape(-1, 4)
    gt_boxes = np.asarray(gt_boxes, np.float32).reshape(-1, 4)
    gt_labels = np.asarray(gt_labels, np.int32).reshape(-1)
    if len(gt_labels) != len(gt_boxes):
        raise ValueError(
            f"`gt_labels` must have one label per box. Received: {len(gt_boxes)} boxes and "
            f"gt_labels.shape={gt_labels.shape}"
        )
    count = len(proposals)
    labels = np.full(count, IGNORE, np.int32)
    targets = np.zeros((count, 4), np.float32)
    if count == 0 or len(gt_boxes) == 0:
        return labels, targets, np.zeros(count, np.float32)
    iou = np.asarray(box_iou(proposals, gt_boxes))
    best = iou.argmax(axis=1)
    best_iou = iou[np.arange(count), best]
    foreground = best_iou >= fg_iou
    labels[(best_iou >= low) & (best_iou < high)] = 0
    labels[foreground] = gt_labels[best[foreground]] + 1
    if foreground.any():
        targets[foreground] = np.asarray(encode_boxes(proposals[foreground], gt_boxes[best[foreground]], variance))
    return labels, targets, best_iou.astype(np.float32)


def sample_windows(labels, batch_size=128, fg_fraction=0.25, seed=None):
    """Indices of one mini-batch of windows: up to `round(batch_size * fg_fraction)` foreground, the rest
    background, each drawn without replacement; fewer when there are not enough windows.

    Args:
        labels: `(N,)` labels from `label_windows` (of one image or many concatenated); -1 never drawn.
        batch_size: windows in the mini-batch.
        fg_fraction: the share of foreground windows (when there are that many).
        seed: an int, a `np.random.Generator`, or None.

    Returns:
        int64 `(<= batch_size,)` indices into `labels`, foreground first.

    Example:
    >>> labels = [1, 0, 0, -1, 2, 0, 0, 0]
    >>> sorted(sample_windows(labels, batch_size=4, fg_fraction=0.5, seed=0)[:2].tolist())
    [0, 4]
    """
    positive_int(batch_size, "batch_size")
    if not 0 <= fg_fraction <= 1:
        raise ValueError(f"`fg_fraction` must be in [0, 1]. Received: fg_fraction={fg_fraction}")
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels).reshape(-1)
    foreground = np.flatnonzero(labels > 0)
    background = np.flatnonzero(labels == 0)
    num_fg = min(round(batch_size * fg_fraction), len(foreground))
    num_bg = min(batch_size - num_fg, len(background))
    return np.concatenate(
        [rng.choice(foreground, num_fg, replace=False), rng.choice(background, num_bg, replace=False)]
    ).astype(np.int64)
