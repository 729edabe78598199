"""The zoo's registry: model names -> builders, `name.tag` -> presets (pure data), and the one-call API.

Every model and preset is registered explicitly below (no registration by import side effect of a
module-global name). Names: `zf5`, `convnet5`, `overfeat5`, `overfeat7` are the paper's no-SPP baselines
(fixed 224x224 input); the same names with `_spp` take images of any size. `name.tag` is a preset: the
architecture with trained weights; the first preset of a name is its default (`get_metadata(name)`).
"""

import copy
import dataclasses
import difflib
import functools
import os
import pathlib
import re

import keras
import numpy as np

from keras_spp.ops import conv_output_size, pyramid_bins
from zoo import geometry
from zoo.classifier import classifier
from zoo.convnet5 import convnet5_presets
from zoo.convnet5.convnet5_backbone import FIXED_POOL as CONVNET5_FIXED_POOL
from zoo.convnet5.convnet5_backbone import convnet5_backbone
from zoo.overfeat import overfeat_presets
from zoo.overfeat.overfeat_backbone import FIXED_POOL as OVERFEAT_FIXED_POOL
from zoo.overfeat.overfeat_backbone import overfeat5_backbone, overfeat7_backbone
from zoo.weights import load_weights_file
from zoo.zf5 import zf5_presets
from zoo.zf5.zf5_backbone import FIXED_POOL as ZF5_FIXED_POOL
from zoo.zf5.zf5_backbone import zf5_backbone

PAPER = (
    "K. He, X. Zhang, S. Ren, J. Sun, 'Spatial Pyramid Pooling in Deep Convolutional Networks for Visual "
    "Recognition', ECCV 2014 / TPAMI 2015, arXiv:1406.4729"
)
SAVED_MODELS = pathlib.Path(__file__).resolve().parent.parent / "saved_models"
DEFAULTS = {"levels": (6, 3, 2, 1), "fc_units": 4096, "num_classes": 1000, "dropout": 0.5}
BASELINE_INPUT_SIZE = 224
WEIGHTS_SUFFIXES = (".weights.h5", ".keras")
PRESET_METADATA_FIELDS = ("num_params", "categories", "input_sizes", "metrics", "recipe", "license")

_MODELS = {}
_PRESETS = {}


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A registered architecture: its backbone builder, SPP or the fixed-pool baseline, a description."""

    name: str
    backbone: object
    spp: bool
    fixed_pool: dict
    description: str

    @property
    def options(self):
        """The config keys `load` accepts for this architecture."""
        return ("levels", "fc_units", "num_classes", "dropout") if self.spp else ("fc_units", "num_classes", "dropout")

    def build(self, config):
        unknown = sorted(set(config) - set(self.options))
        if unknown:
            raise ValueError(f"{self.name!r} accepts {list(self.options)}. Received unknown option(s): {unknown}")
        config = {**{k: DEFAULTS[k] for k in self.options}, **config}
        if self.spp:
            return classifier(self.backbone(), spp=True, name=self.name, **config)
        return classifier(self.backbone(), spp=False, fixed_pool=self.fixed_pool, name=self.name, **config)


def register_model(name, backbone, spp, fixed_pool=None, description=""):
    """Registers an architecture: `backbone()` builds its backbone; `spp` or the `fixed_pool` baseline."""
    if not re.fullmatch(r"[a-z0-9_]+", name) or name in _MODELS:
        raise ValueError(f"A model name is lowercase letters, digits and '_', and new. Received: name={name!r}")
    _MODELS[name] = ModelSpec(name, backbone, bool(spp), dict(fixed_pool or {}), description)
    return name


def register_preset(name, preset, overwrite=False):
    """Registers a preset `"<model>.<tag>"`: validated, deep-copied pure data (example: saved_models/README.md).

    Args:
        name: `"<registered model>.<tag>"`, e.g. `"zf5_spp.imagenette"`.
        preset: dict with `config` (overrides of the model's defaults), `weights` (`path`, under
            saved_models/ or absolute, and/or `url`; `sha256`; `file_size` in bytes) and `metadata`
            (`num_params`, `categories`, `input_sizes`, `metrics`, `recipe`, `license`; optional `paper`).
        overwrite: allow replacing an existing preset of that name.

    Returns:
        `name`.
    """
    model_name, _, tag = str(name).partition(".")
    if model_name not in _MODELS or not re.fullmatch(r"[a-z0-9_\-]+", tag):
        raise ValueError(f"A preset name is '<registered model>.<tag>' with a tag of [a-z0-9_-]. Received: {name!r}")
    _register_shipped_presets()  # shipped first: they are their models' defaults
    if name in _PRESETS and not overwrite:
        raise ValueError(f"Preset {name!r} is already registered; pass overwrite=True to replace it")
    if not isinstance(preset, dict) or set(preset) != {"config", "weights", "metadata"}:
        keys = sorted(preset) if isinstance(preset, dict) else preset
        raise ValueError(f"A preset is a dict with keys config, weights, metadata. Received for {name!r}: {keys!r}")
    spec, config, weights, metadata = _MODELS[model_name], preset["config"], preset["weights"], preset["metadata"]
    unknown = sorted(set(config) - set(spec.options))
    if unknown:
        raise ValueError(f"Preset {name!r}: {model_name!r} accepts {list(spec.options)}. Received: {unknown}")
    unknown = sorted(set(weights) - {"path", "url", "sha256", "file_size"})
    if unknown:
        raise ValueError(f"Preset {name!r}: `weights` has path, url, sha256 and file_size. Received unknown: {unknown}")
    if not (weights.get("path") or weights.get("url")):
        raise ValueError(f"Preset {name!r}: `weights` needs a `path` or a `url`. Received: {weights!r}")
    if not re.fullmatch(r"[0-9a-f]{64}", str(weights.get("sha256", ""))):
        raise ValueError(
            f"Preset {name!r}: `weights.sha256` must be 64 lowercase hex digits. Received: {weights.get('sha256')!r}"
        )
    if not isinstance(weights.get("file_size"), int) or weights["file_size"] < 1:
        raise ValueError(
            f"Preset {name!r}: `weights.file_size` must be the size in bytes. Received: {weights.get('file_size')!r}"
        )
    missing = [field for field in PRESET_METADATA_FIELDS if field not in metadata]
    if missing:
        raise ValueError(f"Preset {name!r}: metadata lacks {missing}; required: {list(PRESET_METADATA_FIELDS)}")
    num_classes = config.get("num_classes", DEFAULTS["num_classes"])
    if len(metadata["categories"]) != num_classes:
        raise ValueError(
            f"Preset {name!r}: {len(metadata['categories'])} categories for num_classes={num_classes}"
        )
    expected = _num_params(spec, config)
    if metadata["num_params"] != expected:
        raise ValueError(
            f"Preset {name!r}: metadata num_params={metadata['num_params']!r}, but {model_name!r} with config "
            f"{config} has {expected} parameters"
        )
    _PRESETS[name] = copy.deepcopy(preset)
    return name


def unregister_preset(name):
    """Removes a preset registered with `register_preset` (e.g. by a test)."""
    _PRESETS.pop(_resolve(name)[1] or "", None)


def list_models(presets=True):
    """Registered names in registration order, each followed by its presets (`name.tag`) when `presets`."""
    _register_shipped_presets()
    names = []
    for model_name in _MODELS:
        names.append(model_name)
        if presets:
            names.extend(p for p in _PRESETS if p.partition(".")[0] == model_name)
    return names


def get_metadata(name):
    """Metadata of a model or preset, as a new dict.

    For every name: `name`, `architecture`, `spp`, `description`, `config` (the defaults, or the preset's),
    `num_params` (of that config), `input_shape`, `min_input_size`, `feature_stride`,
    `receptive_field_size`, `receptive_field_offset` (feature cell `i` is centred on pixel
    `offset + stride * i`), `backbone_params`, `paper`, `presets` and `default_preset`. A preset adds its metadata (`num_params`, `categories`, `input_sizes`,
    `metrics`, `recipe`, `license`, ...) and `weights` (`path`, `url`, `sha256`, `file_size`).
    """
    spec, preset_name = _resolve(name)
    presets = [p for p in _PRESETS if p.partition(".")[0] == spec.name]
    side = None if spec.spp else BASELINE_INPUT_SIZE
    metadata = {
        "name": name,
        "architecture": spec.name,
        "spp": spec.spp,
        "description": spec.description,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in DEFAULTS.items() if k in spec.options},
        "input_shape": [side, side, 3],
        "num_params": _num_params(spec, {}),
        **_backbone_facts(spec.name)[0],
        "paper": PAPER,
        "presets": presets,
        "default_preset": presets[0] if presets else None,
    }
    if preset_name:
        preset = copy.deepcopy(_PRESETS[preset_name])
        metadata["config"].update(preset["config"])
        metadata.update(preset["metadata"])
        metadata["weights"] = {"path": None, "url": None, **preset["weights"]}
    return metadata


def load(name, weights=None, sha256=None, **config):
    """Builds a registered model; a preset name (`name.tag`) or `weights=` also loads weights.

    Args:
        name: a registered name (random weights) or `name.tag` (a preset: builds it, verifies the sha256
            of its weights file, loads it, and attaches `model.metadata`).
        weights: None, a path of a `.weights.h5` or `.keras` file for this architecture, or a preset of it
            (`"tag"` or `"name.tag"`, the same as loading `"name.tag"`). Not with a preset `name`.
        sha256: optional expected sha256 of `weights`.
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
    spec, preset_name = _resolve(name)
    if preset_name is not None and weights is not None:
        raise ValueError(f"{name!r} is a preset with its own weights; pass a model name with weights={weights!r}")
    if isinstance(weights, str) and not weights.endswith(WEIGHTS_SUFFIXES):
        preset_name, weights = _preset_of(spec, weights), None
    preset = _PRESETS.get(preset_name)
    if weights is None and sha256 is not None:
        raise ValueError("`sha256` checks the `weights` file; pass `weights=` too")
    model = spec.build({**(preset["config"] if preset else {}), **config})
    if preset is not None:
        load_weights_file(model, _preset_weights_path(preset_name, preset["weights"]), preset["weights"]["sha256"])
        model.metadata = get_metadata(preset_name)
        model.metadata["config"].update(config)
    elif weights is not None:
        load_weights_file(model, weights, sha256)
    return model


def backbone(name):
    """The backbone of a model as a functional Model, images `(B, H, W, 3)` -> conv features.

    `name` is a family (`"zf5"`), any registered model (`"zf5_spp"`: random weights) or a preset
    (`"zf5_spp.imagenette"`: the trained backbone, sharing nothing with other models).
    """
    spec, preset_name = _resolve(name)
    if preset_name is None:
        return spec.backbone()
    model = load(preset_name)
    (nested,) = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return nested


def decode_predictions(probabilities, top=5, categories=None):
    """The `top` classes of each row of `probabilities`, best first, as `(index, category, score)`.

    Args:
        probabilities: `(B, C)` array or tensor.
        top: int >= 1 (at most C are returned).
        categories: a list of C names, a preset name whose metadata holds them, or None (names are the
            indices as strings).

    Example:
    >>> decode_predictions(np.array([[0.1, 0.7, 0.2]]), top=2, categories=["cat", "dog", "fish"])
    [[(1, 'dog', 0.7), (2, 'fish', 0.2)]]
    """
    scores = np.asarray(keras.ops.convert_to_numpy(probabilities))
    if scores.ndim != 2:
        raise ValueError(f"`probabilities` must be (batch, classes). Received: shape={scores.shape}")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"`top` must be an integer >= 1. Received: top={top!r}")
    if isinstance(categories, str):
        categories = get_metadata(categories).get("categories")
    if categories is None:
        categories = [str(i) for i in range(scores.shape[1])]
    if len(categories) != scores.shape[1]:
        raise ValueError(f"{len(categories)} categories for {scores.shape[1]} classes of `probabilities`")
    order = np.argsort(-scores, axis=1, kind="stable")[:, :top]
    return [[(int(i), categories[i], float(row[i])) for i in indices] for row, indices in zip(scores, order)]


def _preset_of(spec, weights):
    """`weights="tag"` or `"model.tag"` -> the preset name, or ValueError listing the model's presets."""
    candidate = weights if "." in weights else f"{spec.name}.{weights}"
    if candidate in _PRESETS and candidate.partition(".")[0] == spec.name:
        return candidate
    presets = [p for p in _PRESETS if p.partition(".")[0] == spec.name]
    raise ValueError(
        f"weights={weights!r} is neither a {' or '.join(WEIGHTS_SUFFIXES)} file nor a preset of {spec.name!r} "
        f"(its presets: {presets or 'none yet'})"
    )


def _resolve(name):
    """`name` -> (ModelSpec, preset name or None); ValueError listing close matches for an unknown name."""
    _register_shipped_presets()
    if isinstance(name, str):
        if name in _PRESETS:
            return _MODELS[name.partition(".")[0]], name
        if name in _MODELS:
            return _MODELS[name], None
    known = list_models()
    close = difflib.get_close_matches(str(name), known, n=5, cutoff=0.5)
    hint = f"Did you mean {', '.join(repr(c) for c in close)}?" if close else f"Known names: {', '.join(known)}."
    raise ValueError(f"Unknown model {name!r}. {hint}")


@functools.lru_cache(maxsize=None)
def _backbone_facts(model_name):
    """(metadata facts, output channels, feature side at 224x224) of a model's backbone, built once."""
    backbone_model = _MODELS[model_name].backbone()
    facts = geometry.receptive_field(backbone_model)
    facts["min_input_size"] = geometry.min_input_size(backbone_model)
    facts["backbone_params"] = backbone_model.count_params()
    side = int(geometry.feature_size(backbone_model, (BASELINE_INPUT_SIZE, BASELINE_INPUT_SIZE))[0])
    return facts, backbone_model.output.shape[-1], side


def _num_params(spec, config):
    """Parameters of `spec` built with `config` (defaults filled in), by arithmetic: nothing big is built."""
    facts, channels, side = _backbone_facts(spec.name)
    config = {**DEFAULTS, **config}
    if spec.spp:
        cells = pyramid_bins(config["levels"])
    else:
        pool = spec.fixed_pool
        cells = int(conv_output_size(side, pool["pool_size"], pool["strides"], pool.get("padding", "valid"))) ** 2
    fc, classes = config["fc_units"], config["num_classes"]
    return facts["backbone_params"] + (channels * cells + 1) * fc + (fc + 1) * fc + (fc + 1) * classes


def _preset_weights_path(name, weights):
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


def _register_family(family, backbone_builder, fixed_pool, title):
    baseline = f"{title}, the paper's no-SPP baseline (224x224 only)"
    register_model(family, backbone_builder, spp=False, fixed_pool=fixed_pool, description=baseline)
    spp = f"{title} with spatial pyramid pooling (any input size)"
    register_model(f"{family}_spp", backbone_builder, spp=True, description=spp)


_register_family("zf5", zf5_backbone, ZF5_FIXED_POOL, "ZF-5")
_register_family("convnet5", convnet5_backbone, CONVNET5_FIXED_POOL, "Convnet*-5")
_register_family("overfeat5", overfeat5_backbone, OVERFEAT_FIXED_POOL, "Overfeat-5")
_register_family("overfeat7", overfeat7_backbone, OVERFEAT_FIXED_POOL, "Overfeat-7")
_SHIPPED = {"registered": False}


def _register_shipped_presets():
    """Registers the presets files' entries on first use, not at import: validating an entry builds a
    backbone (its parameter count), and any TensorFlow op at import starts the runtime too early for a
    MultiWorkerMirroredStrategy, which must configure collectives first."""
    if _SHIPPED["registered"]:
        return
    _SHIPPED["registered"] = True
    for presets in (zf5_presets.PRESETS, convnet5_presets.PRESETS, overfeat_presets.PRESETS):
        for name, preset in presets.items():
            register_preset(name, preset)
