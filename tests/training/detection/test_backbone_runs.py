"""train-detector on a `keras-spp train` run: a classifier trained (or fine-tuned) by the user is a backbone."""

import json
import os
import shutil

import numpy as np
import pytest

from tests.training.conftest import TINY, train_in_process
from tests.training.detection.toy import TOY_CLASSES, write_toy_set
from training.cli import main

DETECT = ["--scales", "96", "--epochs", "1", "--no-flip", "--verbose", "0"]


@pytest.fixture(scope="module")
def classifier_run(image_folder, tmp_path_factory):
    """A zf5_spp run trained from scratch (fc 16): its backbone is neither a preset's nor a fresh one."""
    out = tmp_path_factory.mktemp("classifier") / "run"
    flags = ["--data", image_folder, "--sizes", "64", "--batch-size", "8", "--steps-per-epoch", "2", "--epochs", "1"]
    train_in_process([*TINY, *flags, "--out", out])
    return str(out)


def test_the_detector_gets_the_runs_backbone_and_fc_layers(classifier_run, tmp_path):
    import zoo
    from training.detector_parts import build_parts
    from training.train_detector import DetectorTrainConfig
    from zoo.loading import backbone_of

    classifier = zoo.load("zf5_spp", weights=classifier_run)
    config = DetectorTrainConfig(backbone=classifier_run, data="unused", out=str(tmp_path))
    detector = build_parts(config, TOY_CLASSES)
    assert detector.config["backbone"] == "zf5_spp" and detector.config["fc_units"] == 16
    _assert_same(detector.backbone.weights, backbone_of(classifier).weights)
    for name in ("fc6", "fc7"):
        _assert_same(detector.head.get_layer(name).weights, classifier.get_layer(name).weights)
    fresh = zoo.backbone("zf5_spp")
    assert not np.array_equal(fresh.get_layer("conv1").kernel.numpy(), detector.backbone.get_layer("conv1").kernel)


def test_a_run_folder_trains_a_detector_that_loads_with_its_backbone(classifier_run, tmp_path):
    import zoo
    from zoo.loading import backbone_of

    data, out = write_toy_set(str(tmp_path / "data"), counts=(4, 2)), str(tmp_path / "detector")
    weights_file = os.path.join(classifier_run, "best.weights.h5")
    assert main(["train-detector", "--backbone", weights_file, "--data", data, "--out", out, *DETECT]) == 0
    assert os.path.isfile(os.path.join(out, "backbone.weights.h5"))
    detector = zoo.load(out)
    _assert_same(detector.backbone.weights, backbone_of(zoo.load("zf5_spp", weights=classifier_run)).weights)
    assert json.load(open(os.path.join(out, "run.json")))["config"]["backbone"] == weights_file


def test_a_folder_that_is_not_a_run_and_a_run_without_spp_are_refused(classifier_run, tmp_path, capsys):
    data = write_toy_set(str(tmp_path / "data"), counts=(2, 1))
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "best.weights.h5").write_bytes(b"")
    assert (
        main(["train-detector", "--backbone", str(plain), "--data", data, "--out", str(tmp_path / "a"), *DETECT]) == 2
    )
    err = capsys.readouterr().err
    assert "--backbone" in err and "not a `keras-spp train` run" in err and len(err.strip().splitlines()) == 1
    no_spp = tmp_path / "no_spp"
    shutil.copytree(classifier_run, no_spp, ignore=shutil.ignore_patterns("checkpoints", "logs"))
    record = json.loads((no_spp / "run.json").read_text())
    (no_spp / "run.json").write_text(json.dumps({**record, "model": "zf5"}))
    assert (
        main(["train-detector", "--backbone", str(no_spp), "--data", data, "--out", str(tmp_path / "b"), *DETECT]) == 2
    )
    err = capsys.readouterr().err
    assert "'zf5', a model without SPP" in err and "zf5_spp" in err
    missing = str(tmp_path / "typo" / "run")
    assert main(["train-detector", "--backbone", missing, "--data", data, "--out", str(tmp_path / "c"), *DETECT]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "a" / "detector.json") and not os.path.exists(tmp_path / "b" / "detector.json")


@pytest.fixture(scope="module")
def earlier_file(tmp_path_factory):
    """A file of the zf5_spp.imagenette architecture (10 classes, fc 256) with other weights, stored float16:
    as a preset's earlier file that a detector preset pins."""
    import zoo
    from zoo.weights import save_weights_file

    other = zoo.load("zf5_spp", num_classes=10, fc_units=256)
    return save_weights_file(other, tmp_path_factory.mktemp("pinned") / "earlier.weights.h5", "float16")


def test_a_backbone_file_replaces_the_presets_weights_and_is_recorded(earlier_file, tmp_path):
    import zoo
    from training.detector_parts import build_parts
    from training.train_detector import DetectorTrainConfig
    from zoo.loading import backbone_of

    path = str(earlier_file["path"])
    config = DetectorTrainConfig(backbone="zf5_spp.imagenette", backbone_file=path, data="unused", out=str(tmp_path))
    detector = build_parts(config, TOY_CLASSES)
    from_file = zoo.load("zf5_spp", weights=path, num_classes=10, fc_units=256)
    _assert_same(detector.backbone.weights, backbone_of(from_file).weights)
    for name in ("fc6", "fc7"):
        _assert_same(detector.head.get_layer(name).weights, from_file.get_layer(name).weights)
    assert {v.dtype for v in detector.backbone.weights} == {"float32"}, "float16 storage loads to float32"
    preset = zoo.backbone("zf5_spp.imagenette")
    assert not np.array_equal(preset.get_layer("conv1").kernel.numpy(), detector.backbone.get_layer("conv1").kernel)
    assert detector.config["backbone"] == "zf5_spp.imagenette"
    assert detector.config["backbone_file"] == {
        "path": os.path.abspath(path),  # outside saved_models/: absolute
        "sha256": earlier_file["sha256"],
        "file_size": earlier_file["file_size"],
        "storage_dtype": "float16",
    }


def test_a_run_on_a_backbone_file_keeps_that_backbone_and_bad_pairs_are_refused(earlier_file, tmp_path, capsys):
    import zoo
    from zoo.loading import backbone_of

    data, out, path = (
        write_toy_set(str(tmp_path / "data"), counts=(2, 1)),
        str(tmp_path / "d"),
        str(earlier_file["path"]),
    )
    flags = ["--data", data, *DETECT]
    assert (
        main(["train-detector", "--backbone", "zf5_spp.imagenette", "--backbone-file", path, "--out", out, *flags]) == 0
    )
    detector = zoo.load(out)  # the run folder holds the file's backbone, not the preset's current one
    _assert_same(
        detector.backbone.weights, backbone_of(zoo.load("zf5_spp", weights=path, num_classes=10, fc_units=256)).weights
    )
    assert json.load(open(os.path.join(out, "run.json")))["config"]["backbone_file"] == path
    bad = {"zf5_spp": "expected a preset for --backbone", "zf5_spp.imagenette": "does not exist"}
    for backbone, message in bad.items():
        missing = path if "." not in backbone else str(tmp_path / "typo.weights.h5")
        argv = ["train-detector", "--backbone", backbone, "--backbone-file", missing, "--out", str(tmp_path / "x")]
        assert main([*argv, *flags]) == 2
        err = capsys.readouterr().err
        assert message in err and "--backbone-file" in err and len(err.strip().splitlines()) == 1, err
    assert not os.path.exists(tmp_path / "x" / "detector.json")


def _assert_same(weights, others):
    assert len(weights) == len(others)
    for weight, other in zip(weights, others, strict=True):
        np.testing.assert_array_equal(np.asarray(weight), np.asarray(other))
