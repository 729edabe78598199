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


def test_float16_storage_halves_the_file_and_loads_float32_variables_of_the_rounded_values(saved, tmp_path):
    model, paths = saved
    record = weights.save_weights_file(model, tmp_path / "half.weights.h5", storage_dtype="float16")
    assert record == {
        "path": str(tmp_path / "half.weights.h5"),
        "sha256": weights.sha256_of(record["path"]),
        "file_size": os.path.getsize(record["path"]),
        "storage_dtype": "float16",
    }
    assert record["file_size"] < 0.55 * os.path.getsize(paths["h5"])
    assert weights.storage_dtype_of(record["path"]) == "float16" and weights.storage_dtype_of(paths["h5"]) == "float32"
    loaded = zoo.load("zf5_spp", **TINY)
    weights.load_weights_file(loaded, record["path"], sha256=record["sha256"], storage_dtype="float16")
    rounded = [a.astype(np.float16).astype(np.float32) for a in snapshot(model)]
    assert {v.dtype for v in loaded.weights} == {"float32"}
    assert all(np.array_equal(a, b) for a, b in zip(rounded, snapshot(loaded)))
    assert not all(np.array_equal(a, b) for a, b in zip(snapshot(model), snapshot(loaded))), "values were rounded"
    np.testing.assert_allclose(np.asarray(loaded(X)), np.asarray(model(X)), atol=2e-3)
    again = weights.save_weights_file(model, tmp_path / "again.weights.h5", storage_dtype="float16")
    assert again["sha256"] == record["sha256"], "the same weights give the same bytes"


def test_a_storage_dtype_other_than_recorded_is_refused_and_loads_nothing(saved, tmp_path):
    model, paths = saved
    half = weights.save_weights_file(model, tmp_path / "half.weights.h5", storage_dtype="float16")["path"]
    target = zoo.load("zf5_spp", **TINY)
    before = snapshot(target)
    with pytest.raises(ValueError, match=r"half.weights.h5 stores its arrays as \['float16'\], expected storage_dtype"):
        weights.load_weights_file(target, half, storage_dtype="float32")
    with pytest.raises(ValueError, match=r"stores its arrays as \['float32'\], expected storage_dtype='float16'"):
        weights.load_weights_file(target, paths["h5"], storage_dtype="float16")
    assert all(np.array_equal(a, b) for a, b in zip(before, snapshot(target)))


def test_float16_storage_refuses_what_it_cannot_write(tmp_path):
    model = zoo.load("zf5_spp", **TINY)
    with pytest.raises(ValueError, match="storage_dtype='bfloat16'"):
        weights.save_weights_file(model, tmp_path / "x.weights.h5", storage_dtype="bfloat16")
    with pytest.raises(ValueError, match="path=.*x.h5"):
        weights.save_weights_file(model, str(tmp_path / "x.h5"), storage_dtype="float16")
    fc8 = model.get_layer("fc8")
    fc8.bias.assign(np.full(fc8.bias.shape, 1e6, np.float32))
    with pytest.raises(ValueError, match=r"'fc8/bias' reaches 1e\+06, beyond float16's 65504"):
        weights.save_weights_file(model, tmp_path / "x.weights.h5", storage_dtype="float16")
    assert not list(tmp_path.iterdir()), "nothing was written"


def test_the_file_is_made_in_a_new_folder_and_replaces_an_old_one_whole_or_not_at_all(saved, tmp_path, monkeypatch):
    model, paths = saved
    path = tmp_path / "new" / "folder" / "tiny.weights.h5"
    first = weights.save_weights_file(model, path, storage_dtype="float16")
    assert weights.sha256_of(path) == first["sha256"]

    def fails_midway(source, target, dtype):  # an error while the float16 copy is being written (disk full, kill)
        target.create_group("half_written")
        raise OSError("No space left on device")

    monkeypatch.setattr(weights, "_copy_group", fails_midway)
    with pytest.raises(OSError, match="No space left"):
        weights.save_weights_file(model, path, storage_dtype="float16")
    assert weights.sha256_of(path) == first["sha256"], "the earlier file stays as it was"
    assert os.listdir(path.parent) == ["tiny.weights.h5"], "no temporary file is left behind"
