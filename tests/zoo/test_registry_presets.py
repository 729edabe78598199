"""The preset machinery, on a tiny preset registered by the test itself; and checks of shipped presets."""

import os

import numpy as np
import pytest

import zoo
from tests.harness import run_preset_test
from zoo import presets, registry, weights

SHIPPED = [name for name in zoo.list_models() if "." in name]
TINY = {"fc_units": 16, "num_classes": 3}
CATEGORIES = ["tench", "church", "parachute"]


def preset_for(path, num_params):
    return {
        "config": dict(TINY),
        "weights": {
            "path": str(path),
            "url": None,
            "sha256": weights.sha256_of(path),
            "file_size": os.path.getsize(path),
        },
        "metadata": {
            "num_params": num_params,
            "categories": CATEGORIES,
            "input_sizes": {"train": [[180, 180], [224, 224]], "eval": "full image, shorter side 224"},
            "metrics": {"imagenette": {"center": {"top1": 0.5, "top5": 1.0, "size": 144}}},
            "recipe": ["keras-spp train --model zf5_spp --fc-units 16 --data three_classes"],
            "budget": {"epochs": 0.5, "images_seen": 64, "hours": None, "machine": "a test"},
            "license": "Apache-2.0",
        },
    }


@pytest.fixture(scope="module")
def tiny_preset(tmp_path_factory):
    model = zoo.load("zf5_spp", **TINY)
    path = tmp_path_factory.mktemp("saved_models") / "zf5_spp.tiny-test.weights.h5"
    model.save_weights(str(path))
    name = zoo.register_preset("zf5_spp.tiny-test", preset_for(path, model.count_params()))
    yield name, model, path
    zoo.unregister_preset(name)


def test_load_verifies_loads_and_attaches_metadata(tiny_preset):
    name, model, path = tiny_preset
    x = np.random.default_rng(0).uniform(0, 255, size=(2, 70, 90, 3)).astype("float32")
    loaded = zoo.load(name)
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-6)
    assert loaded.metadata["categories"] == CATEGORIES and loaded.metadata["num_params"] == loaded.count_params()
    presets = [n for n in zoo.list_models() if n.startswith("zf5_spp.")]
    assert name in presets and zoo.get_metadata("zf5_spp")["default_preset"] == presets[0]  # the first one
    for preset in ("tiny-test", name):  # keras.applications style: weights= a preset of the model
        np.testing.assert_allclose(np.asarray(zoo.load("zf5_spp", weights=preset)(x)), np.asarray(model(x)), rtol=1e-6)
    with pytest.raises(ValueError, match=r"weights='imagenet' is neither .* presets: \[.*'zf5_spp.tiny-test'\]"):
        zoo.load("zf5_spp", weights="imagenet")
    trained = zoo.backbone(name)
    np.testing.assert_array_equal(
        np.asarray(trained.weights[0]), np.asarray(model.get_layer("zf5_backbone").weights[0])
    )


def test_metadata_of_a_preset(tiny_preset):
    name, _, path = tiny_preset
    metadata = zoo.get_metadata(name)
    assert metadata["weights"]["sha256"] == weights.sha256_of(path)
    assert metadata["weights"]["file_size"] == os.path.getsize(path)
    assert metadata["config"] == {"levels": [6, 3, 2, 1], "fc_units": 16, "num_classes": 3, "dropout": 0.5}
    assert (metadata["feature_stride"], metadata["receptive_field_offset"]) == (16, 20.0)
    for field in presets.METADATA_FIELDS + ("paper", "min_input_size", "receptive_field_size"):
        assert field in metadata
    metadata["categories"].append("mutated")
    assert zoo.get_metadata(name)["categories"] == CATEGORIES, "metadata is returned as a copy"


def test_a_tampered_preset_file_names_both_hashes(tiny_preset, tmp_path):
    name, _, path = tiny_preset
    tampered = tmp_path / "tampered.weights.h5"
    data = bytearray(path.read_bytes())
    data[-64] ^= 0x01
    tampered.write_bytes(bytes(data))
    preset = registry.get_preset(name).to_dict()
    preset["weights"]["path"] = str(tampered)
    zoo.register_preset("zf5_spp.tampered", preset)
    try:
        with pytest.raises(ValueError, match=f"{weights.sha256_of(tampered)}, expected {preset['weights']['sha256']}"):
            zoo.load("zf5_spp.tampered")
    finally:
        zoo.unregister_preset("zf5_spp.tampered")


def test_decode_predictions():
    probabilities = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    assert zoo.decode_predictions(probabilities, top=2, categories=CATEGORIES) == [
        [(1, "church", 0.7), (2, "parachute", 0.2)],
        [(0, "tench", 0.5), (2, "parachute", 0.3)],
    ]
    assert zoo.decode_predictions(probabilities[:1], top=1) == [[(1, "1", 0.7)]]
    with pytest.raises(ValueError, match="2 categories for 3 classes"):
        zoo.decode_predictions(probabilities, categories=CATEGORIES[:2])


def test_decode_predictions_with_a_preset_name(tiny_preset):
    name, _, _ = tiny_preset
    assert zoo.decode_predictions(np.array([[0.0, 0.0, 1.0]]), top=1, categories=name) == [[(2, "parachute", 1.0)]]


def test_unknown_names_list_close_matches():
    with pytest.raises(ValueError, match="Unknown model 'zf5-spp'. Did you mean 'zf5_spp'"):
        zoo.load("zf5-spp")
    with pytest.raises(ValueError, match="Unknown model 'vgg16'. Known names: zf5, zf5_spp"):
        zoo.get_metadata("vgg16")


def test_bad_options_are_named():
    with pytest.raises(ValueError, match=r"unknown option\(s\): \['levels'\]"):
        zoo.load("zf5", levels=(4, 2))
    with pytest.raises(ValueError, match="fc_units=0"):
        zoo.load("zf5_spp", fc_units=0)
    with pytest.raises(ValueError, match="weights="):
        zoo.load("zf5_spp", sha256="0" * 64)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p["weights"].update(sha256="abc"), "64 lowercase hex"),
        (lambda p: p["metadata"].pop("recipe"), r"lacks \['recipe'\]"),
        (lambda p: p["metadata"]["metrics"].update(imagenette={"centre": {"top1": 0.5}}), "views are .*'centre'"),
        (lambda p: p["metadata"]["metrics"]["imagenette"]["center"].pop("size"), "needs the `size`"),
        (lambda p: p["metadata"]["metrics"]["imagenette"]["center"].update(top5=0.4), "top1 0.5 exceeds top5 0.4"),
        (lambda p: p["metadata"].update(samples={"tench.jpg": "trout"}), "samples.*'trout'"),
        (lambda p: p["metadata"].update(categories=["one"]), "1 categories for num_classes=3"),
        (lambda p: p["config"].update(width=2), "width"),
        (lambda p: p["metadata"].update(num_params=1), "num_params=1, but 'zf5_spp' with config"),
        (lambda p: p.pop("metadata"), "config, weights, metadata"),
    ],
)
def test_register_preset_validates(tiny_preset, change, message):
    name, _, path = tiny_preset
    preset = registry.get_preset(name).to_dict()
    change(preset)
    with pytest.raises(ValueError, match=message):
        zoo.register_preset("zf5_spp.bad", preset)
    with pytest.raises(ValueError, match="already registered"):
        zoo.register_preset(name, registry.get_preset(name).to_dict())
    with pytest.raises(ValueError, match="'resnet.x'"):
        zoo.register_preset("resnet.x", registry.get_preset(name).to_dict())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_presets(name):
    run_preset_test(name)


def test_a_float16_stored_preset_loads_to_float32_and_is_still_hash_checked(tiny_preset, tmp_path):
    name, model, _ = tiny_preset
    record = weights.save_weights_file(model, tmp_path / "half.weights.h5", storage_dtype="float16")
    preset = preset_for(record["path"], model.count_params())
    preset["weights"]["storage_dtype"] = "float16"
    preset["metadata"]["storage_note"] = "a test's"
    zoo.register_preset("zf5_spp.half-test", preset)
    try:
        loaded = zoo.load("zf5_spp.half-test")
        assert {v.dtype for v in loaded.weights} == {"float32"}
        assert loaded.metadata["weights"]["storage_dtype"] == "float16"
        x = np.random.default_rng(1).uniform(0, 255, size=(2, 70, 90, 3)).astype("float32")
        np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=2e-3)
        zoo.register_preset("zf5_spp.half-test", {**preset, "weights": {**preset["weights"], "sha256": "0" * 64}}, True)
        with pytest.raises(ValueError, match=f"is {record['sha256']}, expected 0000"):
            zoo.load("zf5_spp.half-test")
        with pytest.raises(ValueError, match="storage_dtype.*'int8'"):
            zoo.register_preset(
                "zf5_spp.int8-test", {**preset, "weights": {**preset["weights"], "storage_dtype": "int8"}}
            )
    finally:
        zoo.unregister_preset("zf5_spp.half-test")
