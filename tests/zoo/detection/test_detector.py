"""The detector head, the one-call Detector, its saving and loading, and the shipped preset."""

import json
import os

import numpy as np
import pytest

import zoo
from zoo.detection.detector import Detector
from zoo.detection.head import copy_fc_layers, detection_head
from zoo.detection.loading import load_detector, save_detector

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_head_shapes_and_the_new_fc8_initialisation():
    head = detection_head(3, pooled_features=12800, fc_units=256)
    out = head(np.zeros((7, 12800), np.float32))
    assert tuple(out["scores"].shape) == (7, 4) and tuple(out["deltas"].shape) == (7, 12)
    np.testing.assert_allclose(out["scores"].numpy().sum(axis=1), 1, rtol=1e-5)
    assert abs(float(np.std(head.get_layer("fc8").kernel.numpy())) - 0.01) < 0.002
    assert head.get_layer("bbox_pred").input.shape[-1] == 12800  # regression on the pooled conv5 features


def test_fc6_fc7_come_from_the_backbone_preset():
    classifier = zoo.load("zf5_spp.imagenette")
    head = copy_fc_layers(detection_head(3, fc_units=256), classifier)
    for name in ("fc6", "fc7"):
        for mine, theirs in zip(head.get_layer(name).get_weights(), classifier.get_layer(name).get_weights()):
            np.testing.assert_array_equal(mine, theirs)
    with pytest.raises(ValueError, match="fc6"):
        copy_fc_layers(detection_head(3, fc_units=64), classifier)


def test_detector_checks_its_class_names():
    with pytest.raises(ValueError, match="class names"):
        Detector(zoo.backbone("zf5"), detection_head(2, fc_units=8), ["only one"], scales=(96,))


def test_save_and_load_round_trip_with_a_random_backbone(tmp_path):
    config = {"backbone": "zf5", "class_names": ["a", "b"], "fc_units": 8, "scales": [96],
              "proposals": {"mode": "fast", "max_side": 500}, "nms_iou": 0.3, "max_detections": 100}  # fmt: skip
    detector = Detector(zoo.backbone("zf5"), detection_head(2, fc_units=8), ["a", "b"], (96,), config=config)
    save_detector(detector, tmp_path)
    assert json.loads((tmp_path / "detector.json").read_text())["backbone_weights"] == "backbone.weights.h5"
    again = zoo.load(str(tmp_path), min_score=0.0)
    image = np.random.default_rng(0).integers(0, 255, (100, 150, 3)).astype(np.uint8)
    boxes = [[0, 0, 99, 99], [20, 10, 140, 90]]
    first, second = detector(image, boxes, min_score=0.0), again(image, boxes)
    np.testing.assert_allclose(first["scores"], second["scores"], rtol=1e-5)
    with pytest.raises(ValueError, match="detector preset"):
        load_detector(str(tmp_path / "nowhere"))


def test_a_pinned_backbone_file_decides_the_features_not_the_classifier_preset(tmp_path):
    from zoo.detection.loading import build_detector
    from zoo.weights import sha256_of

    # A classifier file of the preset's architecture (zf5_spp, 10 classes, fc 256) with random weights:
    # the detector that pins it gets its conv layers, not those of zf5_spp.imagenette's current file.
    classifier = zoo.load("zf5_spp", num_classes=10, fc_units=256)
    path = tmp_path / "pinned.weights.h5"
    classifier.save_weights(str(path))
    record = {"path": str(path), "sha256": sha256_of(path), "file_size": os.path.getsize(path)}
    config = {"backbone": "zf5_spp.imagenette", "class_names": ["a", "b"], "fc_units": 8, "scales": [96],
              "proposals": {"mode": "fast", "max_side": 500}, "nms_iou": 0.3, "max_detections": 100,
              "backbone_file": record}  # fmt: skip
    detector = build_detector(config)
    (nested,) = [layer for layer in classifier.layers if layer.name == detector.backbone.name]
    preset_backbone = zoo.backbone("zf5_spp.imagenette")
    for mine, pinned, preset in zip(detector.backbone.weights, nested.weights, preset_backbone.weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(pinned))
        assert not np.array_equal(np.asarray(mine), np.asarray(preset))
    # Saved as a folder, it keeps those conv weights in its own backbone.weights.h5.
    save_detector(detector, tmp_path / "run")
    saved = json.loads((tmp_path / "run" / "detector.json").read_text())
    assert "backbone_file" not in saved and saved["backbone_weights"] == "backbone.weights.h5"
    again = load_detector(str(tmp_path / "run"))
    for mine, theirs in zip(again.backbone.weights, detector.backbone.weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
    with pytest.raises(ValueError, match="sha256"):
        build_detector({**config, "backbone_file": {**record, "sha256": "0" * 64}})


def test_the_shipped_preset_finds_the_apple_in_the_sample_photo():
    from zoo.detection.box_coding import box_iou

    detector = zoo.load("sppnet_zf5.fruits")
    found = detector(os.path.join(REPO, "samples", "detection", "apple_93.jpg"), min_score=0.5)
    assert detector.class_names[found["classes"][0]] == "apple" and found["scores"][0] > 0.8
    truth = np.array([[143, 40, 415, 346]], np.float32)  # samples/README.md: fruits test/apple_93.xml
    assert float(box_iou(found["boxes"][:1], truth)[0, 0]) >= 0.7
