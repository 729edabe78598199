"""Saving and loading detectors: a folder (`detector.json` + head weights) or a preset of saved_models/.

The backbone is frozen while the head is fine-tuned, so a detector on a backbone preset stores the head
only and names the preset; a detector on any other backbone (random weights, a test's) stores the
backbone's weights beside the head (`backbone.weights.h5`). A preset also pins the classifier file its head
was fine-tuned on (config `backbone_file`: path, sha256, file_size), so retraining the classifier preset that
`config["backbone"]` names does not change a shipped detector's features.
"""

import json
import os
import pathlib

from zoo.detection.sppnet_presets import PRESETS
from zoo.presets import Preset

CONFIG_NAME = "detector.json"
WEIGHTS_NAME = "detector.weights.h5"
BACKBONE_WEIGHTS_NAME = "backbone.weights.h5"
CONFIG_KEYS = ("backbone", "class_names", "fc_units", "scales", "proposals", "nms_iou", "max_detections")
# svm: the head scores with per-class SVMs on fc7 (no fc8); backbone_file: a preset's pinned classifier file
OPTIONAL_KEYS = ("box_scale", "svm", "backbone_file")
PRESET_RECORDS = {name: Preset.from_dict(name, entry) for name, entry in PRESETS.items()}  # validated
for _record in PRESET_RECORDS.values():
    _record.check_detector()


def build_detector(config, head_weights=None, backbone_weights=None, sha256=None, storage_dtype=None, **overrides):
    """A `Detector` from a config dict (see `save_detector`), with the head's weights file when given.

    `overrides` replace config entries for this detector: `scales`, `min_score`, `nms_iou`, `max_detections`.
    """
    import zoo
    from zoo.detection.detector import Detector
    from zoo.detection.head import detection_head
    from zoo.weights import load_weights_file

    missing = [key for key in CONFIG_KEYS if key not in config]
    if missing:
        raise ValueError(f"A detector config needs {list(CONFIG_KEYS)}. Missing: {missing}")
    unknown = sorted(set(overrides) - {"scales", "min_score", "nms_iou", "max_detections"})
    if unknown:
        raise ValueError(f"Overrides are scales, min_score, nms_iou, max_detections. Received unknown: {unknown}")
    config = {**config, **{key: value for key, value in overrides.items() if value is not None}}
    backbone = _pinned_backbone(config) if config.get("backbone_file") else zoo.backbone(config["backbone"])
    if backbone_weights is not None:
        backbone.load_weights(backbone_weights)
    pooled = backbone.output.shape[-1] * 50
    head = detection_head(
        len(config["class_names"]),
        pooled,
        config["fc_units"],
        box_scale=config.get("box_scale", 1.0),
        svm=bool(config.get("svm", False)),
    )
    if head_weights is not None:
        load_weights_file(head, head_weights, sha256, storage_dtype)
    return Detector(
        backbone,
        head,
        config["class_names"],
        scales=tuple(config["scales"]),
        proposals=config["proposals"],
        nms_iou=config["nms_iou"],
        min_score=config.get("min_score", 0.05),
        max_detections=config["max_detections"],
        config={key: config[key] for key in CONFIG_KEYS + OPTIONAL_KEYS if key in config},
    )


def _pinned_backbone(config):
    """The backbone of the classifier file `config["backbone_file"]` (a weights record under saved_models/,
    sha256-checked), built as the preset `config["backbone"]` is (its num_classes and fc_units)."""
    import zoo
    from zoo.loading import backbone_of, preset_weights_path
    from zoo.registry import resolve

    record = config["backbone_file"]
    spec, preset = resolve(config["backbone"])
    path = preset_weights_path(f"{config['backbone']} (pinned)", record)
    return backbone_of(zoo.load(spec.name, weights=path, sha256=record["sha256"], **(preset.config if preset else {})))


def save_detector(detector, folder, save_backbone=None):
    """Writes `detector.json` and the head's weights (and the backbone's, when it is not a preset) to `folder`.

    `save_backbone`: None: when the config's backbone is not a preset name or is a pinned file of one.
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = dict(detector.config)
    if save_backbone is None:
        save_backbone = "." not in str(config["backbone"]) or bool(config.get("backbone_file"))
    config.pop("backbone_file", None)  # the folder's own backbone.weights.h5 replaces it
    detector.head.save_weights(str(folder / WEIGHTS_NAME))
    config["backbone_weights"] = None
    if save_backbone:
        detector.backbone.save_weights(str(folder / BACKBONE_WEIGHTS_NAME))
        config["backbone_weights"] = BACKBONE_WEIGHTS_NAME
    (folder / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    return str(folder)


def is_detector(name):
    """Whether `name` is a detector preset or a folder written by `save_detector` / `train-detector`."""
    return name in PRESET_RECORDS or os.path.isfile(os.path.join(str(name), CONFIG_NAME))


def load_detector(name, **overrides):
    """A detector preset (`"sppnet_zf5.fruits"`, sha256-checked) or a detector folder, ready to call.

    Args:
        name: a preset of `zoo.detection.sppnet_presets.PRESETS` or a folder with `detector.json`.
        **overrides: `scales`, `min_score`, `nms_iou`, `max_detections` for this detector.

    Returns:
        A `zoo.detection.detector.Detector`, with `metadata` (a preset's) and `config`.
    """
    from zoo.loading import SAVED_MODELS, preset_weights_path

    if name in PRESET_RECORDS:
        record = PRESET_RECORDS[name]
        path = preset_weights_path(name, record.weights)
        detector = build_detector(
            record.config,
            path,
            sha256=record.weights["sha256"],
            storage_dtype=record.weights["storage_dtype"],
            **overrides,
        )
        detector.metadata = {"name": name, **record.to_dict()["metadata"], "weights": record.weights}
        return detector
    folder = pathlib.Path(str(name))
    if not (folder / CONFIG_NAME).is_file():
        raise ValueError(
            f"Expected a detector preset ({sorted(PRESET_RECORDS)}) or a folder with {CONFIG_NAME} (a "
            f"train-detector run). Received: {name!r}"
        )
    config = json.loads((folder / CONFIG_NAME).read_text())
    backbone_file = config.pop("backbone_weights", None)
    weights = folder / WEIGHTS_NAME
    if not weights.is_file():
        raise FileNotFoundError(f"`{folder}` has {CONFIG_NAME} but no {WEIGHTS_NAME}: the run has not finished")
    detector = build_detector(config, str(weights), str(folder / backbone_file) if backbone_file else None, **overrides)
    detector.metadata = {"name": str(folder), "saved_models": str(SAVED_MODELS)}
    return detector
