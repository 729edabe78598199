"""What a detector to fine-tune is made of: the frozen backbone and the fc6/fc7 of its classifier, from a zoo
preset, a registered model (random weights) or a `keras-spp train` run (`train-detector --backbone`)."""

import os


def build_parts(config, class_names):
    """A fresh `Detector` whose fc6/fc7 come from the backbone's classifier (a preset's or a training run's)."""
    import zoo
    from zoo.detection.detector import Detector
    from zoo.detection.head import copy_fc_layers, detection_head
    from zoo.loading import backbone_of

    model_name, classifier = backbone_classifier(config.backbone)
    backbone = zoo.backbone(model_name)  # a preset's trained backbone, else random weights
    if classifier is not None and "." not in model_name:  # a run: its classifier's weights
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
    detector = Detector(backbone, head, class_names, config.scales, config.proposals, config=detector_config)
    return detector


def backbone_classifier(backbone):
    """`(model name, classifier or None)` of `--backbone`: a preset (its classifier), a registered model name
    (random weights, no classifier), or a `keras-spp train` run (a folder, or a weights file with the run's
    run.json beside it: its model, sha256-checked).

    Raises:
        ValueError: a path that is not a training run (no run.json naming its model), or a run of a model
            without SPP.
        FileNotFoundError: a path that does not exist.
    """
    import zoo
    from zoo import runs

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
