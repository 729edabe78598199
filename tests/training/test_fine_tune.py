"""Fine-tuning a preset on other classes from the command line, and loading the run's weights back."""

import json
import shutil

import numpy as np
import pytest

import zoo
from tests.training.conftest import CLASSES, cli_subprocess, train_in_process

FINE_TUNE = ["--weights", "zf5_spp.imagenette", "--sizes", "64,48", "--batch-size", "8", "--steps-per-epoch", "3"]
FINE_TUNE += ["--optimizer", "adamw", "--lr", "3e-4", "--weight-decay", "0", "--verbose", "2", "--jitter", "0"]


@pytest.fixture(scope="module")
def fine_tuned(image_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("fine_tune") / "run"
    state = train_in_process(FINE_TUNE + ["--data", image_folder, "--epochs", "3", "--out", out])
    return out, state


def test_a_preset_fine_tunes_on_new_classes_and_lowers_its_loss(fine_tuned):
    out, state = fine_tuned
    losses = [record["loss"] for record in state["history"]]
    assert losses[-1] < losses[0], losses
    run = json.loads((out / "run.json").read_text())
    assert run["model"] == "zf5_spp" and run["parent"] == "zf5_spp.imagenette"
    assert run["fc_units"] == 256 and run["num_classes"] == 3 and run["freeze_backbone_epochs"] == 1
    assert set(run["weights"]["sha256"]) == {"best.weights.h5", "final.weights.h5"}


def test_the_frozen_epoch_keeps_the_backbone(image_folder, tmp_path):
    preset = zoo.load("zf5_spp.imagenette")
    backbone = [w.numpy() for w in preset.get_layer("zf5_backbone").weights]
    out = tmp_path / "frozen"
    train_in_process(FINE_TUNE + ["--data", image_folder, "--epochs", "1", "--out", out])
    model = zoo.load("zf5_spp", weights=str(out))
    after = [w.numpy() for w in model.get_layer("zf5_backbone").weights]
    assert all(np.array_equal(a, b) for a, b in zip(backbone, after, strict=True))


def test_the_runs_weights_load_back_with_their_class_names(fine_tuned):
    out, _ = fine_tuned
    for weights in (str(out), str(out / "best.weights.h5")):
        model = zoo.load("zf5_spp", weights=weights)
        assert model.output_shape == (None, 3)
        assert model.metadata["categories"] == list(CLASSES)
        assert model.metadata["parent"] == "zf5_spp.imagenette"
        decoded = zoo.decode_predictions(np.array([[0.1, 0.7, 0.2]]), top=1, categories=model.metadata["categories"])
        assert decoded == [[(1, "green", 0.7)]]


def test_a_run_file_with_flipped_bytes_is_refused_naming_both_hashes(fine_tuned, image_folder, tmp_path):
    out, _ = fine_tuned
    copy = tmp_path / "copy"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("checkpoints", "logs"))
    path = copy / "best.weights.h5"
    data = bytearray(path.read_bytes())
    for offset in (len(data) // 2, len(data) // 2 + 1000, len(data) - 5000):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    recorded = json.loads((copy / "run.json").read_text())["weights"]["sha256"]["best.weights.h5"]
    with pytest.raises(ValueError, match=f"expected {recorded} by the run.json beside it") as error:
        zoo.load("zf5_spp", weights=str(path))
    assert zoo.weights.sha256_of(path) in str(error.value)
    # Away from its run.json, the file is checked only against a hash the caller passes.
    alone = tmp_path / "alone.weights.h5"
    shutil.copy(path, alone)
    with pytest.raises(ValueError, match=f"expected {recorded}"):
        zoo.load("zf5_spp", weights=str(alone), sha256=recorded, num_classes=3, fc_units=256)
    result = cli_subprocess(
        ["train", "--model", "zf5_spp", "--weights", str(alone), "--weights-sha256", recorded, "--fc-units", "256"]
        + ["--data", image_folder, "--epochs", "1", "--out", str(tmp_path / "refused")]
    )
    assert result.returncode == 2, result.stderr
    assert f"expected {recorded}" in result.stderr and "Traceback" not in result.stderr
