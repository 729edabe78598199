"""VOC07 AP against a hand-worked example: two classes, a missed object, a duplicate, a difficult object."""

import math

import numpy as np
import pytest

from training.detection_metrics import average_precision, evaluate_detections, plot_pr_curves


def truth(boxes, labels, difficult):
    return {"boxes": np.array(boxes, np.float32), "labels": np.array(labels), "difficult": np.array(difficult)}


def found(boxes, scores, classes):
    return {
        "boxes": np.array(boxes, np.float32).reshape(-1, 4),
        "scores": np.array(scores),
        "classes": np.array(classes),
    }


# Image 1: cat A [0,0,10,10], dog B [20,20,40,40].
# Image 2: cat C [0,0,10,10], cat D [50,50,60,60] difficult, dog E [20,20,30,30] (no detection finds it).
GROUND_TRUTH = [
    truth([[0, 0, 10, 10], [20, 20, 40, 40]], [0, 1], [False, False]),
    truth([[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 30]], [0, 0, 1], [False, True, False]),
]
DETECTIONS = [
    # cat 0.9 on A: TP. cat 0.8 [1,0,10,10]: IoU 90/100 with A, already matched: duplicate, FP.
    # dog 0.95 on B: TP.
    found([[1, 0, 10, 10], [0, 0, 10, 10], [20, 20, 40, 40]], [0.8, 0.9, 0.95], [0, 0, 1]),
    # cat 0.7 on D (difficult): ignored. cat 0.6 [30,30,40,40]: overlaps nothing: FP. cat 0.5 on C: TP.
    # dog 0.3 [0,0,10,10]: IoU 0 with E: FP.
    found([[50, 50, 60, 60], [30, 30, 40, 40], [0, 0, 10, 10], [0, 0, 10, 10]], [0.7, 0.6, 0.5, 0.3], [0, 0, 0, 1]),
]


def test_hand_worked_example():
    report = evaluate_detections(DETECTIONS, GROUND_TRUTH, ["cat", "dog"])
    cat, dog = report["classes"]["cat"], report["classes"]["dog"]
    # cat: 2 positives (D is difficult). In score order, the difficult match dropped: TP, FP, FP, TP.
    #   recall 1/2, 1/2, 1/2, 2/2; precision 1/1, 1/2, 1/3, 2/4.
    #   11-point: thresholds 0..0.5 (6 of them) reach precision 1; 0.6..1.0 (5) only the last point, 0.5.
    #   AP11 = (6 * 1 + 5 * 0.5) / 11 = 8.5 / 11 = 0.772727...
    #   all-point: precision made non-increasing: 1 up to recall 0.5, then 0.5 up to 1: 0.5 * 1 + 0.5 * 0.5 = 0.75
    assert (cat["num_positives"], cat["num_detections"], cat["true_positives"], cat["false_positives"]) == (2, 4, 2, 2)
    np.testing.assert_allclose(report["curves"]["cat"]["recall"], [0.5, 0.5, 0.5, 1.0])
    np.testing.assert_allclose(report["curves"]["cat"]["precision"], [1, 1 / 2, 1 / 3, 1 / 2])
    np.testing.assert_allclose(report["curves"]["cat"]["scores"], [0.9, 0.8, 0.6, 0.5])
    assert cat["ap_11point"] == pytest.approx(8.5 / 11) and cat["ap_all_point"] == pytest.approx(0.75)
    # dog: 2 positives, E missed. TP (0.95), FP (0.3): recall 1/2, 1/2; precision 1, 1/2.
    #   11-point: thresholds 0..0.5 reach precision 1, 0.6..1.0 no point: AP11 = 6 / 11 = 0.545454...
    #   all-point: 0.5 * 1 + 0.5 * 0 = 0.5
    assert (dog["num_positives"], dog["true_positives"], dog["false_positives"]) == (2, 1, 1)
    assert dog["ap_11point"] == pytest.approx(6 / 11) and dog["ap_all_point"] == pytest.approx(0.5)
    # means: (8.5/11 + 6/11) / 2 = 14.5 / 22 = 0.659090...; (0.75 + 0.5) / 2 = 0.625
    assert report["map_11point"] == pytest.approx(14.5 / 22) and report["map_all_point"] == pytest.approx(0.625)


def test_iou_threshold_class_without_positives_and_empty_images():
    exact = evaluate_detections([found([[0, 0, 10, 20]], [0.9], [0])], [truth([[0, 0, 10, 10]], [0], [False])], ["c"])
    assert exact["map_11point"] == 1.0  # IoU exactly 0.5 matches (>=, as the devkit)
    gt = [truth([[0, 0, 10, 10]], [0], [False]), truth(np.zeros((0, 4)), [], [])]
    dets = [found([[0, 0, 10, 21]], [0.9], [0]), found([], [], [])]  # IoU 100 / 210: a match at 0.4, not 0.5
    report = evaluate_detections(dets, gt, ["cat", "emu"])
    assert report["classes"]["cat"]["ap_11point"] == 0 and math.isnan(report["classes"]["emu"]["ap_11point"])
    assert report["map_11point"] == 0  # emu, with no positives, is left out of the mean
    assert evaluate_detections(dets, gt, ["cat", "emu"], iou_threshold=0.4)["map_all_point"] == 1.0
    with pytest.raises(ValueError, match="one item per image"):
        evaluate_detections(dets[:1], gt, ["cat"])


def test_average_precision_edges():
    assert average_precision([], [], eleven_point=True) == 0 and average_precision([], [], eleven_point=False) == 0
    assert average_precision([1.0], [1.0], eleven_point=True) == 1 and average_precision([1.0], [1.0], False) == 1


def test_pr_curve_png(tmp_path):
    path = plot_pr_curves(evaluate_detections(DETECTIONS, GROUND_TRUTH, ["cat", "dog"]), tmp_path / "pr.png")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
