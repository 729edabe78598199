"""Pascal VOC detection metrics: average precision at IoU 0.5 per class and mean, 11-point (VOC2007) and
all-point (VOC2010 and later), precision-recall curves, and a PR-curve PNG.

Matching follows the VOC devkit (`VOCevaldet.m`): per class, detections of all images sorted by score
(descending; ties keep their input order); each takes the ground-truth box of its class in its image with
the highest IoU; IoU >= threshold on a not yet matched box is a true positive, on an already matched box a
false positive (a duplicate), on a `difficult` box neither (the detection is dropped from the curve);
lower IoU is a false positive. Difficult boxes do not count as positives. IoU is Keras'
`compute_iou` on continuous pixel corners (the devkit adds 1 to widths and heights, as for inclusive
integer pixels; the difference only shows on boxes a few pixels wide), in float32. A class without
positives has AP NaN and is left out of the means.
"""

import numpy as np


def _field(item, name):
    return item[name] if isinstance(item, dict) else getattr(item, name)


def average_precision(recall, precision, eleven_point):
    """AP of a precision-recall curve (points in score order): VOC2007's 11-point or the all-point area.

    11-point: mean over recall thresholds 0, 0.1, ..., 1 of the highest precision at recall >= threshold
    (0 when none). All-point: area under the curve after making precision non-increasing in recall.

    Example:
    >>> round(average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3], eleven_point=True), 4)
    0.8485
    >>> round(average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3], eleven_point=False), 4)
    0.8333
    """
    recall = np.asarray(recall, np.float64)
    precision = np.asarray(precision, np.float64)
    if eleven_point:
        points = [precision[recall >= t].max() if (recall >= t).any() else 0.0 for t in np.linspace(0, 1, 11)]
        return float(np.mean(points))
    recall = np.concatenate([[0.0], recall, [1.0]])
    precision = np.concatenate([[0.0], precision, [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


def _match_image(boxes, gt_boxes, gt_difficult, iou_threshold):
    """Per detection (already in score order) of one image and class: 1 TP, 0 FP, -1 ignored (difficult)."""
    from keras.utils import bounding_boxes

    outcome = np.zeros(len(boxes), np.int8)
    if len(boxes) == 0 or len(gt_boxes) == 0:
        return outcome
    iou = np.asarray(bounding_boxes.compute_iou(boxes.astype(np.float32), gt_boxes.astype(np.float32), "xyxy"))
    matched = np.zeros(len(gt_boxes), bool)
    for i, row in enumerate(iou):
        best = int(np.argmax(row))
        if row[best] < iou_threshold:
            continue
        if gt_difficult[best]:
            outcome[i] = -1
        elif not matched[best]:
            outcome[i], matched[best] = 1, True
    return outcome


def evaluate_detections(detections, ground_truths, class_names, iou_threshold=0.5):
    """VOC average precision per class and mean, with the precision-recall curves.

    Args:
        detections: one item per image, a dict (or object) with `boxes` `(M, 4)` xyxy pixels, `scores`
            `(M,)` and `classes` `(M,)` (0-based class indices, no background).
        ground_truths: one item per image in the same order, with `boxes` `(N, 4)` xyxy, `labels` `(N,)` and
            `difficult` `(N,)` (a `training.data.voc.VocImage` is one).
        class_names: the names, index = class.
        iou_threshold: the IoU at which a detection may match a ground-truth box.

    Returns:
        A dict: `map_11point`, `map_all_point`, `iou_threshold`, `classes` (name -> `ap_11point`,
        `ap_all_point`, `num_positives`, `num_detections`, `true_positives`, `false_positives`) and
        `curves` (name -> `recall`, `precision`, `scores` float arrays in score order; drop it for JSON).

    Example:
    >>> import numpy as np
    >>> truth = [{"boxes": np.array([[0, 0, 10, 10]]), "labels": np.array([0]), "difficult": np.array([False])}]
    >>> found = [{"boxes": np.array([[0, 0, 10, 9]]), "scores": np.array([0.9]), "classes": np.array([0])}]
    >>> evaluate_detections(found, truth, ["cat"])["map_11point"]
    1.0
    """
    if len(detections) != len(ground_truths):
        raise ValueError(
            f"`detections` and `ground_truths` must have one item per image. Received: "
            f"{len(detections)} and {len(ground_truths)} items"
        )
    classes, curves = {}, {}
    for k, name in enumerate(class_names):
        outcomes, scores, positives = [], [], 0
        for det, truth in zip(detections, ground_truths, strict=True):
            labels = np.asarray(_field(truth, "labels")).reshape(-1)
            gt_boxes = np.asarray(_field(truth, "boxes"), np.float32).reshape(-1, 4)[labels == k]
            gt_difficult = np.asarray(_field(truth, "difficult"), bool).reshape(-1)[labels == k]
            positives += int((~gt_difficult).sum())
            mine = np.asarray(_field(det, "classes")).reshape(-1) == k
            det_scores = np.asarray(_field(det, "scores"), np.float64).reshape(-1)[mine]
            order = np.argsort(-det_scores, kind="stable")
            det_boxes = np.asarray(_field(det, "boxes"), np.float32).reshape(-1, 4)[mine][order]
            outcomes.append(_match_image(det_boxes, gt_boxes, gt_difficult, iou_threshold))
            scores.append(det_scores[order])
        outcome, score = np.concatenate(outcomes), np.concatenate(scores)
        order = np.argsort(-score, kind="stable")
        outcome, score = outcome[order], score[order]
        kept = outcome >= 0
        outcome, score = outcome[kept], score[kept]
        tp = np.cumsum(outcome == 1)
        fp = np.cumsum(outcome == 0)
        recall = tp / positives if positives else np.full(len(tp), np.nan)
        precision = tp / np.maximum(tp + fp, 1)
        curves[name] = {"recall": recall, "precision": precision, "scores": score}
        classes[name] = {
            "ap_11point": average_precision(recall, precision, True) if positives else float("nan"),
            "ap_all_point": average_precision(recall, precision, False) if positives else float("nan"),
            "num_positives": positives,
            "num_detections": len(score),
            "true_positives": int(tp[-1]) if len(tp) else 0,
            "false_positives": int(fp[-1]) if len(fp) else 0,
        }

    def mean(key):
        values = [c[key] for c in classes.values() if c["num_positives"]]
        return float(np.mean(values)) if values else float("nan")

    return {
        "map_11point": mean("ap_11point"),
        "map_all_point": mean("ap_all_point"),
        "iou_threshold": float(iou_threshold),
        "classes": classes,
        "curves": curves,
    }


def plot_pr_curves(report, path, title=None):
    """Writes the precision-recall curve of every class in an `evaluate_detections` report as a PNG.

    Args:
        report: what `evaluate_detections` returned.
        path: the PNG file to write.
        title: the figure's title; default the mean APs.

    Returns:
        `path`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(6, 5))
    for name, curve in report["curves"].items():
        ap = report["classes"][name]["ap_11point"]
        recall = np.concatenate([[0.0], curve["recall"]])
        precision = np.concatenate([[1.0], curve["precision"]])
        axis.plot(recall, precision, drawstyle="steps-post", label=f"{name} (AP11 {ap:.3f})")
    axis.set(
        xlabel="recall",
        ylabel="precision",
        xlim=(0, 1.01),
        ylim=(0, 1.01),
        title=title
        or (
            f"mAP@{report['iou_threshold']:g}: {report['map_11point']:.3f} (11-point), "
            f"{report['map_all_point']:.3f} (all-point)"
        ),
    )
    axis.grid(alpha=0.3)
    if report["curves"]:
        axis.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
