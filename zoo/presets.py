"""Preset records: a trained configuration of a registered model, its weights file and what it reaches.

The schema lives here, once: `Preset` checks itself on construction, so a malformed entry of a family's
`<family>_presets.py` or of `zoo.register_preset` fails with a message naming the preset and the field.
What needs the architecture (config options, number of categories, parameter count) `zoo.registry` checks.
"""

import copy
import dataclasses
import re

KEYS = ("config", "weights", "metadata")
WEIGHTS_FIELDS = ("path", "url", "sha256", "file_size")
METADATA_FIELDS = ("num_params", "categories", "input_sizes", "metrics", "recipe", "license")


@dataclasses.dataclass(frozen=True)
class Preset:
    """A preset `"<model>.<tag>"`: pure data, deep-copied in and out.

    Args:
        name: `"<model>.<tag>"`, the tag of lowercase letters, digits, `_` and `-`.
        config: overrides of the model's defaults, e.g. `{"num_classes": 10, "fc_units": 256}`.
        weights: `path` (under saved_models/ or absolute) and/or `url`; `sha256` (64 lowercase hex digits);
            `file_size` in bytes.
        metadata: `num_params`, `categories`, `input_sizes`, `metrics`, `recipe`, `license`, and any more.

    Example:
    >>> preset = Preset.from_dict("zf5_spp.demo", {"config": {}, "weights": {"path": "x.weights.h5",
    ...     "sha256": "0" * 64, "file_size": 1}, "metadata": dict.fromkeys(METADATA_FIELDS, "...")})
    >>> preset.model, preset.tag, preset.weights["url"]
    ('zf5_spp', 'demo', None)
    """

    name: str
    config: dict
    weights: dict
    metadata: dict

    def __post_init__(self):
        name = self.name
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_\-]+", name):
            raise ValueError(
                f"A preset name is '<registered model>.<tag>' with a tag of [a-z0-9_-]. Received: {name!r}"
            )
        for key in KEYS:
            if not isinstance(getattr(self, key), dict):
                raise ValueError(f"Preset {name!r}: `{key}` must be a dict. Received: {getattr(self, key)!r}")
        weights = {"path": None, "url": None, **self.weights}
        unknown = sorted(set(weights) - set(WEIGHTS_FIELDS))
        if unknown:
            raise ValueError(f"Preset {name!r}: `weights` has {', '.join(WEIGHTS_FIELDS)}. Received unknown: {unknown}")
        if not (weights["path"] or weights["url"]):
            raise ValueError(f"Preset {name!r}: `weights` needs a `path` or a `url`. Received: {self.weights!r}")
        if not re.fullmatch(r"[0-9a-f]{64}", str(weights.get("sha256", ""))):
            raise ValueError(
                f"Preset {name!r}: `weights.sha256` must be 64 lowercase hex digits. "
                f"Received: {weights.get('sha256')!r}"
            )
        size = weights.get("file_size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"Preset {name!r}: `weights.file_size` must be the size in bytes. Received: {size!r}")
        missing = [field for field in METADATA_FIELDS if field not in self.metadata]
        if missing:
            raise ValueError(f"Preset {name!r}: metadata lacks {missing}; required: {list(METADATA_FIELDS)}")
        object.__setattr__(self, "config", copy.deepcopy(self.config))
        object.__setattr__(self, "weights", copy.deepcopy(weights))
        object.__setattr__(self, "metadata", copy.deepcopy(self.metadata))

    @classmethod
    def from_dict(cls, name, preset):
        """A `Preset` from `{"config": ..., "weights": ..., "metadata": ...}` (a presets file's entry)."""
        if not isinstance(preset, dict) or set(preset) != set(KEYS):
            keys = sorted(preset) if isinstance(preset, dict) else preset
            raise ValueError(f"A preset is a dict with keys {', '.join(KEYS)}. Received for {name!r}: {keys!r}")
        return cls(name, preset["config"], preset["weights"], preset["metadata"])

    @property
    def model(self):
        """The registered model's name (before the dot)."""
        return self.name.partition(".")[0]

    @property
    def tag(self):
        return self.name.partition(".")[2]

    def to_dict(self):
        """A deep copy as `{"config", "weights", "metadata"}`, the form `zoo.register_preset` takes."""
        return copy.deepcopy({key: getattr(self, key) for key in KEYS})
