"""Training on a generated folder: real MirroredStrategy over 2 logical CPUs, multi-size, full-image."""

import json
import os

import numpy as np
import tensorflow as tf

from tests.training.conftest import TINY, train_in_process


def test_mirrored_multi_size_run_learns_and_writes_artefacts(mirrored_run):
    assert len(tf.config.list_logical_devices("CPU")) >= 2
    out, state = mirrored_run
    history = state["history"]
    # The sizes really alternate: the shapes of the batches the loop fed the model.
    assert [h["input_shapes"] for h in history] == [[[64, 64]], [[48, 48]], [[64, 64]], [[48, 48]]]
    assert history[-1]["loss"] < history[0]["loss"]
    run = json.loads((out / "run.json").read_text())
    assert run["strategy"] == {"name": "mirrored", "replicas": 2, "workers": 1}
    assert run["class_names"] == ["blue", "green", "red"] and run["num_classes"] == 3
    assert run["epoch_sizes"] == [64, 48, 64, 48]
    assert run["metrics"]["best"]["epoch"] in (1, 2, 3, 4) and "val_top1" in run["metrics"]["final"]
    assert run["command"] and run["config"]["sizes"] == [64, 48] and "commit" in run["git"]
    for name in ("best.weights.h5", "metrics.csv", "curves.png", "checkpoints/ckpt.npz"):
        assert (out / name).stat().st_size > 0, name
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(out / "logs"))
    assert len((out / "metrics.csv").read_text().splitlines()) == 5

    import zoo

    model = zoo.load("zf5_spp", num_classes=3, fc_units=16, weights=str(out / "best.weights.h5"))
    assert model(np.zeros((1, 70, 90, 3), "float32")).shape == (1, 3)


def test_the_last_epoch_is_kept_beside_the_best(mirrored_run):
    import zoo
    from tests.training.conftest import load_checkpoint_arrays
    from training.steps import weights_sha256
    from zoo.weights import sha256_of

    out, _ = mirrored_run
    run = json.loads((out / "run.json").read_text())
    assert run["weights"]["final"] == "final.weights.h5"
    assert run["weights"]["sha256"]["final.weights.h5"] == sha256_of(out / "final.weights.h5")
    final = zoo.load("zf5_spp", weights=str(out / "final.weights.h5"))  # settings and hash from run.json
    assert weights_sha256(final) == run["weights"]["final_sha256"], "the variables training ended with"
    arrays, state = load_checkpoint_arrays(out)
    saved = dict(zip(state["model_variables"], arrays, strict=True))  # the last epoch's checkpoint
    for weight in final.weights:
        np.testing.assert_array_equal(np.asarray(weight), saved[weight.path], err_msg=weight.path)


def test_size_range_draws_one_size_per_epoch(image_folder, tmp_path):
    state = train_in_process(
        TINY
        + [
            "--data",
            image_folder,
            "--size-range",
            "48,64",
            "--epochs",
            "3",
            "--batch-size",
            "4",
            "--steps-per-epoch",
            "2",
            "--out",
            tmp_path / "r",
            "--seed",
            "3",
        ]
    )
    from training.data import epoch_sizes

    expected = epoch_sizes(3, size_range=(48, 64), seed=3)
    assert [h["input_shapes"] for h in state["history"]] == [[[s, s]] for s in expected]
    assert all(48 <= s <= 64 for s in expected)


def test_full_image_training_feeds_padded_batches_of_mixed_sizes(image_folder, tmp_path):
    state = train_in_process(
        TINY
        + [
            "--data",
            image_folder,
            "--full-image",
            "--sizes",
            "64,48",
            "--epochs",
            "2",
            "--batch-size",
            "4",
            "--steps-per-epoch",
            "3",
            "--strategy",
            "mirrored",
            "--out",
            tmp_path / "f",
        ]
    )
    first, second = (h["input_shapes"] for h in state["history"])
    # Shorter side 64 (then 48) with the aspect kept, padded to the batch's largest image.
    assert all(min(shape) >= 64 for shape in first) and len(set(map(tuple, first))) > 1
    assert all(min(shape) >= 48 for shape in second) and max(max(s) for s in second) <= 2 * 48
    assert np.isfinite(state["history"][-1]["val_loss"])
