"""The zoo's registry: model names -> builders, and `name.tag` -> `Preset` records.

Each family folder (`zoo/zf5`, `zoo/convnet5`, `zoo/overfeat`) exposes `MODELS` (family name -> backbone
builder, the baseline's fixed pool, a title) and `PRESETS` (pure data) in its `__init__.py`; the loop at the
end of this file registers them, explicitly. A new family adds its folder and one entry to `FAMILIES`.
Names: `zf5`, `convnet5`, `overfeat5`, `overfeat7` are the paper's no-SPP baselines (fixed 224x224 input);
the same names with `_spp` take images of any size. `name.tag` is a preset: the architecture with trained
weights; the first preset of a name is its default.
"""

import dataclasses
import re

from keras_spp.validation import did_you_mean
from zoo import convnet5, overfeat, zf5
from zoo.classifier import classifier
from zoo.metadata import DEFAULTS, num_params
from zoo.presets import Preset

FAMILIES = (zf5, convnet5, overfeat)

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
        """The classifier with `config` (overrides of `classifier`'s defaults), random weights."""
        self.check_options(config)
        fixed_pool = None if self.spp else self.fixed_pool
        return classifier(self.backbone(), spp=self.spp, fixed_pool=fixed_pool, name=self.name, **config)

    def check_options(self, config, what=None):
        unknown = sorted(set(config) - set(self.options))
        if unknown:
            raise ValueError(
                f"{what or repr(self.name)} accepts {list(self.options)}. Received unknown option(s): {unknown}"
            )


def register_model(name, backbone, spp, fixed_pool=None, description=""):
    """Registers an architecture: `backbone()` builds its backbone; `spp` or the `fixed_pool` baseline."""
    if not re.fullmatch(r"[a-z0-9_]+", str(name)) or name in _MODELS:
        raise ValueError(f"A model name is lowercase letters, digits and '_', and new. Received: name={name!r}")
    _MODELS[name] = ModelSpec(name, backbone, bool(spp), dict(fixed_pool or {}), description)
    return name


def register_family(family, backbone, fixed_pool, title):
    """Registers `family` (the no-SPP baseline with `fixed_pool`) and `family_spp` over one backbone builder."""
    register_model(family, backbone, False, fixed_pool, f"{title}, the paper's no-SPP baseline (224x224 only)")
    register_model(f"{family}_spp", backbone, True, None, f"{title} with spatial pyramid pooling (any input size)")


def register_preset(name, preset, overwrite=False):
    """Registers a preset `"<model>.<tag>"`: validated, deep-copied pure data (example: saved_models/README.md).

    Args:
        name: `"<registered model>.<tag>"`, e.g. `"zf5_spp.imagenette"`.
        preset: a dict with `config`, `weights` and `metadata` (the schema: `zoo.presets.Preset`).
        overwrite: allow replacing an existing preset of that name.

    Returns:
        `name`.
    """
    return _add_preset(Preset.from_dict(name, preset), overwrite=overwrite, count_params=True)


def _add_preset(record, overwrite=False, count_params=True):
    """Checks `record` against its architecture and stores it. `count_params=False` skips the one check that
    builds a backbone: the shipped presets are registered at import, when no TensorFlow op may run yet (a
    MultiWorkerMirroredStrategy must configure collectives first); tests/zoo check their counts instead."""
    if record.model not in _MODELS:
        raise ValueError(f"A preset name is '<registered model>.<tag>'. Received: {record.name!r}")
    if record.name in _PRESETS and not overwrite:
        raise ValueError(f"Preset {record.name!r} is already registered; pass overwrite=True to replace it")
    spec = _MODELS[record.model]
    spec.check_options(record.config, what=f"Preset {record.name!r}: {record.model!r}")
    record.check_classifier()
    num_classes = record.config.get("num_classes", DEFAULTS["num_classes"])
    if len(record.metadata["categories"]) != num_classes:
        raise ValueError(
            f"Preset {record.name!r}: {len(record.metadata['categories'])} categories for num_classes={num_classes}"
        )
    ids = record.metadata.get("category_ids")
    if ids is not None and len(ids) != num_classes:
        raise ValueError(f"Preset {record.name!r}: {len(ids)} category_ids for num_classes={num_classes}")
    if count_params:
        expected = num_params(spec, record.config)
        if record.metadata["num_params"] != expected:
            raise ValueError(
                f"Preset {record.name!r}: metadata num_params={record.metadata['num_params']!r}, but "
                f"{record.model!r} with config {record.config} has {expected} parameters"
            )
    _PRESETS[record.name] = record
    return record.name


def unregister_preset(name):
    """Removes a preset registered with `register_preset` (e.g. by a test)."""
    _PRESETS.pop(name, None)


def list_models(presets=True):
    """Registered names in registration order, each followed by its presets (`name.tag`) when `presets`."""
    names = []
    for model_name in _MODELS:
        names.append(model_name)
        if presets:
            names.extend(presets_of(model_name))
    return names


def presets_of(model_name):
    """The presets of a registered model, its default first."""
    return [name for name, record in _PRESETS.items() if record.model == model_name]


def get_preset(name):
    """The `Preset` record of `"<model>.<tag>"`; ValueError listing close matches for an unknown name."""
    _, preset = resolve(name)
    if preset is None:
        raise ValueError(f"{name!r} is a model without weights, not a preset. Its presets: {presets_of(name)}")
    return preset


def resolve(name):
    """`name` -> (ModelSpec, Preset or None); ValueError listing close matches for an unknown name."""
    if isinstance(name, str):
        if name in _PRESETS:
            return _MODELS[_PRESETS[name].model], _PRESETS[name]
        if name in _MODELS:
            return _MODELS[name], None
    raise ValueError(f"Unknown model {name!r}. {did_you_mean(name, list_models())}")


for _package in FAMILIES:
    for _family, _entry in _package.MODELS.items():
        register_family(_family, _entry["backbone"], _entry["fixed_pool"], _entry["title"])
    for _name, _preset in _package.PRESETS.items():
        _add_preset(Preset.from_dict(_name, _preset), count_params=False)
