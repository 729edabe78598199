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


def _assert_same(weights, others):
    assert len(weights) == len(others)
    for weight, other in zip(weights, others, strict=True):
        np.testing.assert_array_equal(np.asarray(weight), np.asarray(other))
