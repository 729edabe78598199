"""Preset records: a trained configuration of a registered model, its weights file and what it reaches.

The schema lives here, once: `Preset` checks itself on construction, so a malformed entry of a family's
`<family>_presets.py` or of `zoo.register_preset` fails with a message naming the preset and the field.
What needs the architecture (config options, number of categories, parameter count) `zoo.registry` checks.

Metadata every preset has (torchvision's weights metadata, as data):
- `metrics`: `{dataset: {view: {metric: value}}}`, e.g. `{"imagenette": {"center": {"top1": 0.66,
  "top5": 0.95, "size": 144}}}`; a classifier's views are `"center"`, `"full"` and `"10"` (as
  `keras-spp evaluate --views` names them), each with `top1`, `top5` and the `size` it was measured at (crop
  side; the full view's shorter side); a detector's views are its scale settings, each with `map_11point`.
- `recipe`: the commands that made the file and its metrics, in order (a list of strings).
- `budget`: `{"epochs", "images_seen", "hours", "machine"}` (`hours` None when the run did not record it).
- `samples` (optional): what the preset answers on the photos of samples/, checked by the tests.
- `storage_note`: with `weights.storage_dtype` float16, the top-1 change measured against float32 (issue 11
  allows float16 storage when it moves top-1 by less than 0.2 points).
"""

import copy
import dataclasses
import numbers
import re

KEYS = ("config", "weights", "metadata")
WEIGHTS_FIELDS = ("path", "url", "sha256", "file_size", "storage_dtype")
STORAGE_DTYPES = ("float32", "float16")
METADATA_FIELDS = ("num_params", "categories", "input_sizes", "metrics", "recipe", "budget", "license")
BUDGET_FIELDS = ("epochs", "images_seen", "hours", "machine")
CLASSIFIER_VIEWS = ("center", "full", "10")


@dataclasses.dataclass(frozen=True)
class Preset:
    """A preset `"<model>.<tag>"`: pure data, deep-copied in and out.

    Args:
        name: `"<model>.<tag>"`, the tag of lowercase letters, digits, `_` and `-`.
        config: overrides of the model's defaults, e.g. `{"num_classes": 10, "fc_units": 256}`.
        weights: `path` (under saved_models/ or absolute) and/or `url`; `sha256` (64 lowercase hex digits);
            `file_size` in bytes; `storage_dtype` of the file's arrays, `"float32"` (default) or `"float16"`
            (loading restores float32 variables and checks the file holds that dtype).
        metadata: `num_params`, `categories`, `input_sizes`, `metrics`, `recipe`, `budget`, `license`, and any
            more (the shapes of `metrics`, `recipe` and `budget`: this module's docstring).

    Example:
    >>> metadata = {**dict.fromkeys(METADATA_FIELDS, "..."), "recipe": ["keras-spp train --model zf5_spp"],
    ...     "metrics": {"imagenette": {"center": {"top1": 0.6, "top5": 0.9, "size": 144}}},
    ...     "budget": {"epochs": 1, "images_seen": 9408, "hours": 0.1, "machine": "2 CPU cores"}}
    >>> preset = Preset.from_dict("zf5_spp.demo", {"config": {}, "weights": {"path": "x.weights.h5",
    ...     "sha256": "0" * 64, "file_size": 1}, "metadata": metadata})
    >>> preset.model, preset.tag, preset.weights["url"], preset.weights["storage_dtype"]
    ('zf5_spp', 'demo', None, 'float32')
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
        weights = {"path": None, "url": None, "storage_dtype": "float32", **self.weights}
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
        if weights["storage_dtype"] not in STORAGE_DTYPES:
            raise ValueError(
                f"Preset {name!r}: `weights.storage_dtype` is one of {STORAGE_DTYPES}. "
                f"Received: {weights['storage_dtype']!r}"
            )
        missing = [field for field in METADATA_FIELDS if field not in self.metadata]
        if missing:
            raise ValueError(f"Preset {name!r}: metadata lacks {missing}; required: {list(METADATA_FIELDS)}")
        if weights["storage_dtype"] != "float32" and not self.metadata.get("storage_note"):
            raise ValueError(
                f"Preset {name!r}: a {weights['storage_dtype']} file needs metadata `storage_note`, the top-1 "
                "change measured against the float32 weights. Received none"
            )
        _check_metrics(name, self.metadata["metrics"])
        _check_recipe(name, self.metadata["recipe"])
        _check_budget(name, self.metadata["budget"])
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

    def check_classifier(self):
        """Raises ValueError unless `metrics` has a classifier's views (`center`, `full`, `10`), each with
        `top1` <= `top5` in [0, 1] and its `size`, and `samples` (if any) names categories."""
        for dataset, views in self.metadata["metrics"].items():
            for view, values in views.items():
                where = f"Preset {self.name!r}: metrics[{dataset!r}][{view!r}]"
                if view not in CLASSIFIER_VIEWS:
                    raise ValueError(f"{where}: a classifier's views are {CLASSIFIER_VIEWS}. Received: {view!r}")
                _check_fraction(where, values, "top1", "top5")
                if values["top1"] > values["top5"]:
                    raise ValueError(f"{where}: top1 {values['top1']} exceeds top5 {values['top5']}")
                if not _is_int(values.get("size")) or values["size"] < 1:
                    raise ValueError(f"{where} needs the `size` it was measured at. Received: {values.get('size')!r}")
        samples = self.metadata.get("samples", {})
        if not isinstance(samples, dict) or any(v not in self.metadata["categories"] for v in samples.values()):
            raise ValueError(
                f"Preset {self.name!r}: `samples` maps photo -> one of its categories. Received: {samples!r}"
            )

    def check_detector(self):
        """Raises ValueError unless every view of `metrics` has a `map_11point` in [0, 1] and `samples` (if
        any) maps photo -> `{"label": a category, "score": 0..1, "box": [x0, y0, x1, y1]}`."""
        for dataset, views in self.metadata["metrics"].items():
            for view, values in views.items():
                _check_fraction(f"Preset {self.name!r}: metrics[{dataset!r}][{view!r}]", values, "map_11point")
        samples = self.metadata.get("samples", {})
        for photo, found in samples.items() if isinstance(samples, dict) else [(None, samples)]:
            where = f"Preset {self.name!r}: samples[{photo!r}]"
            if not isinstance(found, dict) or found.get("label") not in self.metadata["categories"]:
                raise ValueError(f"{where} is {{label: a category, score, box}}. Received: {found!r}")
            _check_fraction(where, found, "score")
            box = found.get("box")
            if not (isinstance(box, list) and len(box) == 4 and all(map(_is_number, box))):
                raise ValueError(f"{where}: `box` is [x0, y0, x1, y1]. Received: {box!r}")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_fraction(where, values, *keys):
    for key in keys:
        if not _is_number(values.get(key)) or not 0 <= values[key] <= 1:
            raise ValueError(f"{where} needs `{key}`, a fraction in [0, 1]. Received: {values.get(key)!r}")


def _check_metrics(name, metrics):
    """`{dataset: {view: {metric: number, a note or {class: number}}}}`, none of them empty."""
    shape = "`metrics` is {dataset: {view: {metric: value}}}"
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError(f"Preset {name!r}: {shape}. Received: {metrics!r}")
    for dataset, views in metrics.items():
        if not isinstance(views, dict) or not views:
            raise ValueError(f"Preset {name!r}: {shape}. Received for {dataset!r}: {views!r}")
        for view, values in views.items():
            if not isinstance(values, dict) or not any(_is_number(v) for v in values.values()):
                raise ValueError(f"Preset {name!r}: {shape}. Received for [{dataset!r}][{view!r}]: {values!r}")
            for key, value in values.items():
                per_class = isinstance(value, dict) and all(_is_number(v) for v in value.values())
                if not (_is_number(value) or isinstance(value, str) or per_class):
                    raise ValueError(
                        f"Preset {name!r}: metrics[{dataset!r}][{view!r}][{key!r}] is a number, a note or "
                        f"{{class: number}}. Received: {value!r}"
                    )


def _check_recipe(name, recipe):
    """A list of commands, at least one of them `keras-spp`'s."""
    if (
        not isinstance(recipe, list)
        or not all(isinstance(c, str) and c.strip() for c in recipe)
        or not any("keras-spp " in c for c in recipe)
    ):
        raise ValueError(
            f"Preset {name!r}: `recipe` is a list of commands, keras-spp's among them. Received: {recipe!r}"
        )


def _check_budget(name, budget):
    """`{"epochs", "images_seen", "hours" (or None: not recorded), "machine"}`, and any notes."""
    if not isinstance(budget, dict) or any(field not in budget for field in BUDGET_FIELDS):
        raise ValueError(f"Preset {name!r}: `budget` has {', '.join(BUDGET_FIELDS)}. Received: {budget!r}")
    epochs, images, hours, machine = (budget[field] for field in BUDGET_FIELDS)
    if not (_is_number(epochs) and epochs > 0 and _is_int(images) and images > 0):
        raise ValueError(f"Preset {name!r}: `budget` epochs and images_seen are positive. Received: {budget!r}")
    if not (hours is None or (_is_number(hours) and hours > 0)) or not (isinstance(machine, str) and machine):
        raise ValueError(f"Preset {name!r}: `budget` hours (or None) > 0, machine a text. Received: {budget!r}")
