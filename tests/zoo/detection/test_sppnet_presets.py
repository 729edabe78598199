"""Every shipped detector preset: its file, metadata and parameter count, and its recorded detections on
the photos of samples/ (the ground truth of apple_93.jpg is tests/zoo/detection/test_detector.py's)."""

import shlex

import numpy as np
import pytest

import zoo
from tests.harness import SAMPLES, check_preset_file
from zoo import presets
from zoo.detection.box_coding import box_iou
from zoo.detection.loading import PRESET_RECORDS
from zoo.registry import resolve


@pytest.fixture(scope="module", params=sorted(PRESET_RECORDS))
def shipped(request):
    return PRESET_RECORDS[request.param], zoo.load(request.param)


def test_file_metadata_and_parameters(shipped):
    record, detector = shipped
    check_preset_file(record.name, record.weights)
    assert all(field in record.metadata for field in presets.METADATA_FIELDS)
    assert record.metadata["categories"] == record.config["class_names"] == detector.class_names
    assert detector.backbone.count_params() + detector.head.count_params() == record.metadata["num_params"]
    assert {v.dtype for v in detector.backbone.weights + detector.head.weights} == {"float32"}


def test_the_pinned_backbone_file_is_the_detectors_backbone(shipped):
    record, detector = shipped
    pinned = {"storage_dtype": "float32", **record.config["backbone_file"]}
    path = check_preset_file(record.config["backbone"], pinned)
    spec, classifier_preset = resolve(record.config["backbone"])  # built as that preset is (classes, fc)
    classifier = zoo.load(spec.name, weights=path, **classifier_preset.config)
    (nested,) = [layer for layer in classifier.layers if layer.name == detector.backbone.name]
    for mine, theirs in zip(detector.backbone.weights, nested.weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))


def test_the_recipe_fine_tunes_on_the_pinned_file(shipped):
    """The recipe's train-detector names the file config.backbone_file pins: rerun, it gets the same features."""
    from training.detector_parts import file_record

    record, _ = shipped
    (command,) = [shlex.split(c) for c in record.metadata["recipe"] if "train-detector" in c]
    path = SAMPLES.parent / command[command.index("--backbone-file") + 1]
    assert command[command.index("--backbone") + 1] == record.config["backbone"]
    assert file_record(path) == {"storage_dtype": "float32", **record.config["backbone_file"]}


def test_recorded_detections_on_the_samples(shipped):
    record, detector = shipped
    assert record.metadata["samples"], "a detector preset records what it finds on samples/detection/"
    for photo, expected in record.metadata["samples"].items():
        found = detector(str(SAMPLES / photo), min_score=0.5)
        assert detector.class_names[found["classes"][0]] == expected["label"], photo
        assert abs(float(found["scores"][0]) - expected["score"]) < 0.01, photo
        recorded = np.array([expected["box"]], np.float32)
        assert float(box_iou(found["boxes"][:1], recorded)[0, 0]) >= 0.98, photo
