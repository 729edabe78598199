"""A detector scored on a VOC-format split: VOC07 AP at IoU 0.5 (11-point and all-point), JSON + PR curves."""

import json
import os
import time

import numpy as np

from training.data.voc import read_image
from training.detection_metrics import evaluate_detections, plot_pr_curves
from training.files import atomic_write_text


def evaluate_detector(detector, split, min_score=0.001, verbose=1):
    """`evaluate_detections` report of `detector` (a `zoo.detection.detector.Detector`) on a `VocSplit`.

    Every image gets its proposals and up to `detector.max_detections` boxes scoring >= `min_score` (low, so
    the precision-recall curve reaches far); `difficult` objects are ignored. Adds `seconds_per_image`.
    """
    import keras

    if list(split.class_names) != list(detector.class_names):
        raise ValueError(
            f"The detector's classes {detector.class_names} differ from the split's {split.class_names}: "
            "evaluate on data with the classes it was trained on"
        )
    bar = keras.utils.Progbar(len(split.images), verbose=verbose, unit_name="image")
    found, started = [], time.time()
    for record in split.images:
        found.append(detector(read_image(record), min_score=min_score))
        bar.add(1)
    report = evaluate_detections(found, split.images, detector.class_names)
    report["seconds_per_image"] = (time.time() - started) / max(len(split.images), 1)
    report["num_images"] = len(split.images)
    report["num_boxes"] = split.num_boxes
    report["scales"] = list(detector.scales)
    return report


def write_detection_report(report, out, name):
    """Writes `<out>/<name>.json` (the report without its curves) and `<out>/<name>_pr.png`; returns both paths."""
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, f"{name}.json")
    plain = {key: value for key, value in report.items() if key != "curves"}
    atomic_write_text(path, json.dumps(plain, indent=2, default=_plain) + "\n")
    return path, plot_pr_curves(report, os.path.join(out, f"{name}_pr.png"))


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    return str(value)
