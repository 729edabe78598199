"""The preset schema (`zoo.presets.Preset`): metrics `{dataset: {view: {metric: value}}}`, the recipe as
commands, the training budget, the weights' storage dtype; and the storage budget of saved_models/."""

import copy

import pytest

from zoo.loading import SAVED_MODELS
from zoo.presets import Preset

ENTRY = {
    "config": {},
    "weights": {"path": "x.weights.h5", "sha256": "0" * 64, "file_size": 1},
    "metadata": {
        "num_params": 1,
        "categories": ["apple", "pear"],
        "input_sizes": {},
        "metrics": {"fruits": {"center": {"top1": 0.5, "top5": 1.0, "size": 144}}},
        "recipe": ["keras-spp train --model zf5_spp --data fruits", "cp a b"],
        "budget": {"epochs": 2, "images_seen": 128, "hours": 0.1, "machine": "2 CPU cores"},
        "license": "Apache-2.0",
    },
}


def changed(change):
    entry = copy.deepcopy(ENTRY)
    change(entry)
    return entry


def test_a_valid_entry_defaults_to_float32_storage():
    preset = Preset.from_dict("zf5_spp.x", ENTRY)
    preset.check_classifier()
    assert preset.weights["storage_dtype"] == "float32"

    def half(entry):
        entry["weights"]["storage_dtype"] = "float16"
        entry["metadata"]["storage_note"] = "top-1 0.0 points from the float32 file's"

    assert Preset.from_dict("zf5_spp.x", changed(half)).weights["storage_dtype"] == "float16"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda e: e["weights"].update(storage_dtype="float8"), r"storage_dtype.*'float8'"),
        (lambda e: e["weights"].update(storage_dtype="float16"), "float16 file needs metadata `storage_note`"),
        (lambda e: e["metadata"].update(metrics={"top1": 0.5}), r"\{dataset: \{view: .* for 'top1': 0.5"),
        (lambda e: e["metadata"].update(metrics={}), r"\{dataset: \{view: .*Received: \{\}"),
        (lambda e: e["metadata"]["metrics"]["fruits"].update(full={"split": "val"}), r"\['fruits'\]\['full'\]"),
        (lambda e: e["metadata"]["metrics"]["fruits"]["center"].update(top1=[0.5]), r"\['top1'\] is a number"),
        (lambda e: e["metadata"].update(recipe="keras-spp train"), "a list of commands.*'keras-spp train'"),
        (lambda e: e["metadata"].update(recipe=["cp a b"]), r"keras-spp's among them. Received: \['cp a b'\]"),
        (lambda e: e["metadata"]["budget"].pop("machine"), "epochs, images_seen, hours, machine"),
        (lambda e: e["metadata"]["budget"].update(images_seen=1.5), "images_seen are positive"),
        (lambda e: e["metadata"]["budget"].update(hours=0), "hours .* > 0"),
    ],
)
def test_malformed_entries_name_the_field_and_value(change, message):
    with pytest.raises(ValueError, match=f"Preset 'zf5_spp.x': .*{message}"):
        Preset.from_dict("zf5_spp.x", changed(change))


def test_a_budget_without_recorded_hours_is_allowed():
    Preset.from_dict("zf5_spp.x", changed(lambda e: e["metadata"]["budget"].update(hours=None)))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: m["metrics"]["fruits"].update(ten={"top1": 0.5, "top5": 0.6, "size": 1}), "views are .*'ten'"),
        (lambda m: m["metrics"]["fruits"]["center"].update(top5=1.5), r"`top5`, a fraction in \[0, 1\]. .*1.5"),
        (lambda m: m["metrics"]["fruits"]["center"].update(size=0), "needs the `size`.*Received: 0"),
        (lambda m: m.update(samples={"tench.jpg": "tench"}), "samples.*'tench'"),
    ],
)
def test_classifier_metrics_have_its_views(change, message):
    preset = Preset.from_dict("zf5_spp.x", changed(lambda e: change(e["metadata"])))
    with pytest.raises(ValueError, match=message):
        preset.check_classifier()


def test_detector_metrics_and_samples():
    def detector(entry):
        entry["metadata"]["metrics"] = {
            "fruits": {"one_scale": {"map_11point": 0.6, "map_all_point": 0.61, "ap_11point": {"apple": 0.7}}}
        }
        entry["metadata"]["samples"] = {"a.jpg": {"label": "apple", "score": 0.9, "box": [1, 2, 30, 40]}}

    Preset.from_dict("zf5_spp.x", changed(detector)).check_detector()
    for change, message in [
        (lambda m: m["metrics"]["fruits"]["one_scale"].pop("map_11point"), "needs `map_11point`"),
        (lambda m: m["samples"]["a.jpg"].update(label="plum"), r"samples\['a.jpg'\] is \{label.*'plum'"),
        (lambda m: m["samples"]["a.jpg"].update(box=[1, 2]), r"`box` is \[x0, y0, x1, y1\]. Received: \[1, 2\]"),
    ]:
        preset = Preset.from_dict("zf5_spp.x", changed(lambda e, change=change: (detector(e), change(e["metadata"]))))
        with pytest.raises(ValueError, match=message):
            preset.check_detector()


def test_saved_models_stays_within_the_storage_budget():
    sizes = {p.relative_to(SAVED_MODELS): p.stat().st_size for p in SAVED_MODELS.rglob("*") if p.is_file()}
    assert sizes, f"no shipped files under {SAVED_MODELS}"
    assert max(sizes.values()) <= 40 * 2**20, sizes
    assert sum(sizes.values()) <= 100 * 2**20, sizes
