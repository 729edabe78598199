import os

import h5py
import numpy as np
import pytest

import zoo
from zoo import weights

TINY = {"fc_units": 16, "num_classes": 3}
X = np.random.default_rng(0).uniform(0, 255, size=(1, 64, 72, 3)).astype("float32")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A tiny zf5_spp and its weights saved as `.weights.h5` and `.keras`."""
    folder = tmp_path_factory.mktemp("weights")
    model = zoo.load("zf5_spp", **TINY)
    paths = {"h5": str(folder / "tiny.weights.h5"), "keras": str(folder / "tiny.keras")}
    model.save_weights(paths["h5"])
    model.save(paths["keras"])
    return model, paths


def snapshot(model):
    return [np.array(v) for v in model.weights]


def test_structure_mirrors_the_file_keras_writes(saved):
    model, paths = saved
    with h5py.File(paths["h5"], "r") as file:
        found = weights._file_structure(file)
    expected = weights.model_structure(model)
    assert found == {path: shapes for path, (_, shapes) in expected.items()}
    assert {name for name, _ in expected.values()} == {f"conv{i}" for i in range(1, 6)} | {"fc6", "fc7", "fc8"}


@pytest.mark.parametrize("kind", ["h5", "keras"])
def test_round_trip_through_load(saved, kind):
    model, paths = saved
    loaded = zoo.load("zf5_spp", weights=paths[kind], sha256=weights.sha256_of(paths[kind]), **TINY)
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(model(X)), rtol=1e-6)


@pytest.mark.parametrize("kind", ["h5", "keras"])
def test_a_file_of_another_architecture_names_the_layer_and_loads_nothing(saved, kind):
    _, paths = saved
    narrower = zoo.load("zf5_spp", fc_units=8, num_classes=3)
    before = snapshot(narrower)
    with pytest.raises(ValueError, match=r"layer 'fc6' expects weights of shapes \[\(12800, 8\), \(8,\)\]"):
        weights.load_weights_file(narrower, paths[kind])
    other_family = zoo.load("overfeat5_spp", **TINY)
    with pytest.raises(ValueError, match="layer 'conv3'"):
        weights.load_weights_file(other_family, paths[kind])
    assert all(np.array_equal(a, b) for a, b in zip(before, snapshot(narrower)))


def test_a_tampered_file_names_both_hashes_and_loads_nothing(saved, tmp_path):
    model, paths = saved
    expected = weights.sha256_of(paths["h5"])
    tampered = tmp_path / "tampered.weights.h5"
    data = bytearray(open(paths["h5"], "rb").read())
    data[-100] ^= 0xFF
    tampered.write_bytes(bytes(data))
    target = zoo.load("zf5_spp", **TINY)
    before = snapshot(target)
    with pytest.raises(ValueError, match=f"is {weights.sha256_of(tampered)}, expected {expected}"):
        weights.load_weights_file(target, tampered, sha256=expected)
    assert all(np.array_equal(a, b) for a, b in zip(before, snapshot(target)))


def test_other_files_are_refused(tmp_path):
    model = zoo.load("zf5_spp", **TINY)
    pickled = tmp_path / "weights.pkl"
    pickled.write_bytes(b"not loaded")
    with pytest.raises(ValueError, match="weights.pkl"):
        weights.load_weights_file(model, pickled)
    with pytest.raises(FileNotFoundError):
        weights.load_weights_file(model, os.path.join(str(tmp_path), "missing.weights.h5"))
