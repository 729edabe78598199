"""One-call loading: `load(name)` builds a registered model and fills it with a preset's or a file's weights."""

import logging
import os
import pathlib

import keras

from zoo import runs
from zoo.classifier import head_layers
from zoo.metadata import DEFAULTS, describe
from zoo.registry import presets_of, resolve
from zoo.weights import load_weights_file, verify_sha256

logger = logging.getLogger(__name__)

# The shipped weights: zoo/saved_models/ in an installed wheel (package data), saved_models/ in a checkout.
_HERE = pathlib.Path(__file__).resolve().parent
SAVED_MODELS = next((p for p in (_HERE / "saved_models", _HERE.parent / "saved_models") if p.is_dir()), _HERE)
WEIGHTS_SUFFIXES = (".weights.h5", ".keras")


def get_metadata(name):
    """Metadata of a model or preset, as a new dict.

    For every name: `name`, `architecture`, `spp`, `description`, `config` (the defaults, or the preset's),
    `num_params` (of that config), `input_shape`, `min_input_size`, `feature_stride`,
    `receptive_field_size`, `receptive_field_offset` (feature cell `i` is centred on pixel
    `offset + stride * i`), `backbone_params`, `paper`, `presets` and `default_preset`. A preset adds its
    metadata (`num_params`, `categories`, `input_sizes`, `metrics`, `recipe`, `budget`, `license`, ...;
    schema: `zoo.presets`) and `weights` (`path`, `url`, `sha256`, `file_size`, `storage_dtype`).

    Example:
    >>> get_metadata("zf5_spp")["feature_stride"], get_metadata("zf5_spp.imagenette")["config"]["fc_units"]
    (16, 256)
    """
    spec, preset = resolve(name)
    return describe(spec, presets_of(spec.name), preset)


def load(name, weights=None, sha256=None, **config):
    """Builds a registered model; a preset name (`name.tag`) or `weights=` also loads weights.

    Args:
        name: a registered name (random weights) or `name.tag` (a preset: builds it, verifies the sha256
            of its weights file, loads it, and attaches `model.metadata`). With a `num_classes` other
            than the preset's, every layer but the classifier (`fc8`) comes from the preset and the
            classifier is new (random), as for fine-tuning on other classes; a log line says so.
        weights: None, a path of a `.weights.h5` or `.keras` file for this architecture, a run folder of
            `keras-spp train` (its best weights), or a preset of it (`"tag"` or `"name.tag"`, the same as
            loading `"name.tag"`). Not with a preset `name`. When a run.json is beside the file (a run
            folder), its settings are the defaults of `**config`, the file must have the sha256 it records,
            and `model.metadata` gets the run's class names as `categories`.
        sha256: optional expected sha256 of the `weights` file.
        **config: overrides of the defaults: `fc_units`, `num_classes`, `dropout`, and `levels` (SPP only).

    Returns:
        A `keras.Model`: images `(B, H, W, 3)` float RGB pixels 0..255 -> `(B, num_classes)` probabilities.

    Raises:
        ValueError: an unknown name (close matches listed), an unknown option, a sha256 mismatch (both
            hashes named), a file for another architecture (the layer named).

    Example:
    >>> model = load("zf5_spp", fc_units=16, num_classes=3)
    >>> model.count_params()
    3931603
    """
    from zoo.detection.loading import is_detector, load_detector

    if isinstance(name, str) and is_detector(name):  # SPP-net detectors: presets and train-detector runs
        return load_detector(name, **config)
    spec, preset = resolve(name)
    if preset is not None and weights is not None:
        raise ValueError(f"{name!r} is a preset with its own weights; pass a model name with weights={weights!r}")
    if isinstance(weights, str) and not weights.endswith(WEIGHTS_SUFFIXES) and not os.path.isdir(weights):
        preset, weights = _preset_of(spec, weights), None
    if weights is None and sha256 is not None:
        raise ValueError("`sha256` checks the `weights` file; pass `weights=` too")
    if preset is not None:
        return _load_preset(spec, preset, config)
    if weights is None:
        return spec.build(config)
    path, record = runs.run_weights(weights)
    config = {**runs.run_config(record, spec.options), **config}
    model = spec.build(config)
    recorded = runs.recorded_sha256(record, path)
    if recorded is not None:
        verify_sha256(path, recorded, source=f"the run.json beside it ({runs.RUN_RECORD})")
    load_weights_file(model, path, sha256)
    if record is not None:
        metadata = get_metadata(spec.name)
        metadata["config"].update(config)
        metadata.update(
            name=f"{spec.name} ({os.path.dirname(os.path.abspath(path))})",
            categories=record.get("class_names"),
            parent=record.get("parent"),
            weights={"path": os.path.abspath(path), "sha256": recorded or sha256},
        )
        model.metadata = metadata
    return model


def _load_preset(spec, preset, config):
    """The preset's model; with another `num_classes`, the preset's weights but a new classifier."""
    path = preset_weights_path(preset.name, preset.weights)
    preset_classes = preset.config.get("num_classes", DEFAULTS["num_classes"])
    num_classes = config.get("num_classes", preset_classes)
    model = spec.build({**preset.config, **config})
    metadata = get_metadata(preset.name)
    metadata["config"].update(config)
    if num_classes == preset_classes:
        load_weights_file(model, path, preset.weights["sha256"], preset.weights["storage_dtype"])
    else:
        trained = spec.build({**preset.config, **config, "num_classes": preset_classes})
        load_weights_file(trained, path, preset.weights["sha256"], preset.weights["storage_dtype"])
        classifier_name = head_layers(1, 1)[-1][0]
        for layer in model.layers:
            if layer.weights and layer.name != classifier_name:
                layer.set_weights(trained.get_layer(layer.name).get_weights())
        del trained
        logger.warning(
            "%s: every layer but the classifier %r comes from the preset; %r is new (random) for "
            "num_classes=%d instead of the preset's %d: train it before use",
            preset.name,
            classifier_name,
            classifier_name,
            num_classes,
            preset_classes,
        )
        metadata.update(
            categories=None, parent=preset.name, new_layers=[classifier_name], num_params=model.count_params()
        )
    model.metadata = metadata
    return model


def backbone(name):
    """The backbone of a model as a functional Model, images `(B, H, W, 3)` -> conv features.

    `name` is a family (`"zf5"`), any registered model (`"zf5_spp"`: random weights) or a preset
    (`"zf5_spp.imagenette"`: the trained backbone, sharing nothing with other models).
    """
    spec, preset = resolve(name)
    if preset is None:
        return spec.backbone()
    return backbone_of(load(preset.name))


def backbone_of(model):
    """The backbone (the one nested `keras.Model`) of a classifier built by `load`."""
    (nested,) = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return nested


def preset_weights_path(name, weights):
    """The local file of a preset's `weights` record: its `path` (under saved_models/ or absolute) if it
    exists, else downloaded from its `url` (hash-checked, cached by Keras)."""
    path = weights.get("path")
    if path:
        path = pathlib.Path(path) if os.path.isabs(path) else SAVED_MODELS / path
        if path.is_file():
            return str(path)
    if weights.get("url"):
        suffix = ".keras" if weights["url"].endswith(".keras") else ".weights.h5"
        return keras.utils.get_file(
            f"{name}{suffix}", weights["url"], file_hash=weights["sha256"], cache_subdir="keras_spp"
        )
    raise FileNotFoundError(f"Preset {name!r}: no weights file at {path} and no `url` to fetch it from")


def _preset_of(spec, weights):
    """`weights="tag"` or `"model.tag"` -> the Preset, or ValueError listing the model's presets."""
    candidate = weights if "." in weights else f"{spec.name}.{weights}"
    if candidate in presets_of(spec.name):
        return resolve(candidate)[1]
    raise ValueError(
        f"weights={weights!r} is neither a {' or '.join(WEIGHTS_SUFFIXES)} file nor a preset of {spec.name!r} "
        f"(its presets: {presets_of(spec.name) or 'none yet'})"
    )
