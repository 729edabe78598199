"""`keras-spp export`: versioned SavedModels and TFLite files (with their report) from a zoo name.

Most tests swap `zoo` for a stand-in serving the tiny classifiers of tests/keras_spp/export_models.py, so
they check the command itself quickly; one test goes through the real zoo with a tiny configuration.
"""

import json
import os
import sys
import types

import numpy as np
import pytest
import tensorflow as tf

from tests.harness import run_export_test
from tests.keras_spp.export_models import CLASS_NAMES, smooth_image, tiny_classifiers
from training import cli


@pytest.fixture
def fake_zoo(monkeypatch):
    model, padded = tiny_classifiers()
    calls = []

    def load(name, **kwargs):
        calls.append((name, kwargs))
        return model

    fake = types.SimpleNamespace(
        load=load,
        padded_model=lambda m: padded,
        get_metadata=lambda name: {"categories": CLASS_NAMES},
    )
    monkeypatch.setitem(sys.modules, "zoo", fake)
    return types.SimpleNamespace(model=model, calls=calls)


def _export(capsys, *argv):
    assert cli.main(["export", *map(str, argv)]) == 0
    return json.loads(capsys.readouterr().out)


def test_saved_model_next_version_then_explicit_version(fake_zoo, tmp_path, capsys):
    base = tmp_path / "tiny"
    first = _export(capsys, "tiny.cats", "--out", base, "--image-size", 40, "--top-k", 2, "--num-classes", 3)
    assert first["path"] == str(base / "1") and first["signatures"] == ["serving_default", "serve_bytes"]
    assert fake_zoo.calls == [("tiny.cats", {"num_classes": 3})]
    assert _export(capsys, "tiny.cats", "--out", base / "5", "--image-size", 40)["path"] == str(base / "5")
    assert _export(capsys, "tiny.cats", "--out", base, "--image-size", 40)["path"] == str(base / "6")
    assert sorted(os.listdir(base)) == ["1", "5", "6"]
    assert cli.main(["export", "tiny.cats", "--out", str(base / "5"), "--image-size", "40"]) == 2
    assert "version 5 already exists" in capsys.readouterr().err
    loaded = tf.saved_model.load(str(base / "1"))
    image = tf.io.encode_png(smooth_image(np.random.default_rng(0), 50, 70))
    out = loaded.signatures["serve_bytes"](image_bytes=tf.stack([image]))
    assert out["top_k_names"].numpy()[0, 0].decode() in CLASS_NAMES


def test_tflite_int8_with_calibration_and_labelled_eval_folders(fake_zoo, tmp_path, capsys):
    rng = np.random.default_rng(1)
    for folder in ("calibration", "eval/cat", "eval/dog"):
        os.makedirs(tmp_path / folder)
        for i in range(3):
            png = tf.io.encode_png(smooth_image(rng, 40 + 7 * i, 60 - 5 * i))
            tf.io.write_file(str(tmp_path / folder / f"{i}.png"), png)
    out = tmp_path / "tiny.int8.tflite"
    report = _export(
        capsys, "tiny.cats", "--format", "tflite", "--quantize", "int8", "--out", out,
        "--calibration-dir", tmp_path / "calibration", "--eval-dir", tmp_path / "eval", "--image-size", 40,
    )  # fmt: skip
    assert report["path"] == str(out) and report["size_bytes"] == os.path.getsize(out)
    assert report["quantize"] == "int8" and 0 < report["size_vs_float"] < 1
    assert report["images"] == 6 and 0 <= report["top1_agreement"] <= 1
    assert report["accuracy_delta"] == report["tflite_accuracy"] - report["keras_accuracy"]


def test_bad_flag_combinations_are_refused(fake_zoo, tmp_path, capsys):
    assert (
        cli.main(["export", "tiny", "--format", "tflite", "--quantize", "int8", "--out", str(tmp_path / "m.tflite")])
        == 2
    )
    assert "needs --calibration-dir" in capsys.readouterr().err
    assert cli.main(["export", "tiny", "--quantize", "float16", "--out", str(tmp_path)]) == 2
    assert "tflite only" in capsys.readouterr().err
    assert fake_zoo.calls == []


def test_real_zoo_tiny_config_exports_the_keras_numbers(tmp_path, capsys):
    zoo = pytest.importorskip("zoo")

    # The command loads the same weights file the test model holds: no reliance on a random seed, which
    # other layers built earlier in the process (or not) would shift.
    model = zoo.load("zf5_spp", num_classes=3, fc_units=16)
    model.save_weights(str(tmp_path / "tiny.weights.h5"))
    argv = ["--weights", tmp_path / "tiny.weights.h5", "--num-classes", 3, "--fc-units", 16]
    report = _export(capsys, "zf5_spp", "--out", tmp_path / "zf5_spp", *argv)
    assert report["path"] == str(tmp_path / "zf5_spp" / "1")
    assert report["min_side"] == zoo.get_metadata("zf5_spp")["min_input_size"]
    run_export_test(report["path"], model, sizes=((70, 90),))


def test_a_float16_weights_file_for_a_preset(tmp_path, capsys):
    zoo = pytest.importorskip("zoo")
    from zoo import weights

    run = tmp_path / "run"
    run.mkdir()
    model = zoo.load("zf5_spp", num_classes=3, fc_units=16)
    model.save_weights(str(run / "best.weights.h5"))
    out = tmp_path / "tiny.weights.h5"
    argv = ["zf5_spp", "--weights", run / "best.weights.h5", "--num-classes", 3, "--fc-units", 16]
    report = _export(capsys, *argv, "--format", "weights", "--storage-dtype", "float16", "--out", out)
    assert report == {
        "format": "weights",
        "path": str(out),
        "sha256": weights.sha256_of(out),
        "file_size": os.path.getsize(out),
        "storage_dtype": "float16",
    }
    loaded = zoo.load("zf5_spp", weights=str(out), sha256=report["sha256"], num_classes=3, fc_units=16)
    for mine, theirs in zip(loaded.weights, model.weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs).astype(np.float16).astype(np.float32))
    for bad, message in [
        (["--format", "tflite", "--storage-dtype", "float16"], "--storage-dtype float16 applies to --format weights"),
        (["--format", "weights", "--out", tmp_path / "x.h5"], "x.h5: a weights file's name ends in .weights.h5"),
    ]:
        assert cli.main(["export", *map(str, argv + bad)]) == 2
        assert message in capsys.readouterr().err


def test_the_storage_dtypes_offered_are_the_zoos():
    from training.commands import export
    from zoo import presets

    assert export.STORAGE_DTYPES == presets.STORAGE_DTYPES
