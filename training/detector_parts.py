"""What a detector to fine-tune is made of: the frozen backbone and the fc6/fc7 of its classifier, from a zoo
preset, a registered model (random weights) or a `keras-spp train` run (`train-detector --backbone`)."""

import os


def build_parts(config, class_names):
    """A fresh `Detector` whose fc6/fc7 come from the backbone's classifier (a preset's or a training run's)."""
    import zoo
    from zoo.detection.detector import Detector
    from zoo.detection.head import copy_fc_layers, detection_head
    from zoo.loading import backbone_of

    model_name, classifier = backbone_classifier(config.backbone, config.backbone_file)
    backbone = zoo.backbone(model_name)  # a preset's trained backbone, else random weights
    if classifier is not None and ("." not in model_name or config.backbone_file):  # a run's or a file's weights
        backbone.set_weights(backbone_of(classifier).get_weights())
    backbone.trainable = False
    fc_units = 256 if classifier is None else classifier.get_layer("fc6").units
    head = detection_head(len(class_names), backbone.output.shape[-1] * 50, fc_units, config.dropout)
    if classifier is not None:
        copy_fc_layers(head, classifier)
    detector_config = {
        "backbone": model_name,
        "class_names": list(class_names),
        "fc_units": fc_units,
        "scales": list(config.scales),
        "proposals": dict(config.proposals),
        "nms_iou": 0.3,
        "max_detections": 100,
    }
    if config.backbone_file:  # saved runs store the backbone itself; a preset pins the file by this record
        detector_config["backbone_file"] = file_record(config.backbone_file)
    detector = Detector(backbone, head, class_names, config.scales, config.proposals, config=detector_config)
    return detector


def backbone_classifier(backbone, backbone_file=None):
    """`(model name, classifier or None)` of `--backbone`: a preset (its classifier), a registered model name
    (random weights, no classifier), or a `keras-spp train` run (a folder, or a weights file with the run's
    run.json beside it: its model, sha256-checked). With `backbone_file`, the preset `backbone` built as it
    is (its classes and fc) with that file's weights instead of its current ones.

    Raises:
        ValueError: a path that is not a training run (no run.json naming its model), a run of a model
            without SPP, or a `backbone_file` with a `backbone` that is not a preset.
        FileNotFoundError: a path that does not exist.
    """
    import zoo
    from zoo import runs
    from zoo.registry import resolve

    if backbone_file is not None:
        spec, preset = resolve(backbone)
        if preset is None:
            raise ValueError(
                f"`backbone_file` {backbone_file!r} is loaded as a preset is built: expected a preset for "
                f"`backbone` (e.g. zf5_spp.imagenette). Received: backbone={backbone!r}"
            )
        if not os.path.isfile(backbone_file):
            raise FileNotFoundError(f"`backbone_file` {backbone_file!r} does not exist")
        return backbone, zoo.load(spec.name, weights=backbone_file, **preset.config)
    if not os.path.exists(backbone) and ("/" in backbone or os.sep in backbone or backbone.endswith(".h5")):
        raise FileNotFoundError(f"`backbone` {backbone!r} looks like a run folder or weights file but does not exist")
    if os.path.exists(backbone):
        path, record = runs.run_weights(backbone)
        if not (record or {}).get("model"):
            raise ValueError(
                f"`backbone` {backbone!r} is a path but not a `keras-spp train` run: expected a run folder, or "
                f"a weights file with the run's {runs.RUN_RECORD} beside it (it names the model). Received: {path!r}"
            )
        if not zoo.get_metadata(record["model"])["spp"]:
            raise ValueError(
                f"`backbone` {backbone!r} is a run of {record['model']!r}, a model without SPP: its fc6 takes one "
                "fixed-size pool, the detector's the 50-bin pyramid (6x6, 3x3, 2x2, 1x1) of every window. "
                "Expected a run of an SPP model (e.g. zf5_spp)"
            )
        return record["model"], zoo.load(record["model"], weights=backbone)
    if "." in backbone:
        return backbone, zoo.load(backbone)
    return backbone, None


def file_record(path):
    """The pin of a classifier file (`config["backbone_file"]` of a detector preset): `path` (under
    saved_models/ when it lies there, else absolute), `sha256`, `file_size`, `storage_dtype`."""
    from zoo.loading import SAVED_MODELS
    from zoo.weights import sha256_of, storage_dtype_of

    relative = os.path.relpath(os.path.abspath(path), SAVED_MODELS)
    return {
        "path": os.path.abspath(path) if relative.startswith("..") else relative,
        "sha256": sha256_of(path),
        "file_size": os.path.getsize(path),
        "storage_dtype": storage_dtype_of(path),
    }
