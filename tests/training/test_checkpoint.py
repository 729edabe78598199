"""Checkpoints are atomic and refuse variables they were not written for; mixed precision trains."""

import json
import os

import keras
import numpy as np
import pytest

from tests.training.conftest import TINY, train_in_process
from training import checkpoint as ckpt
from training import strategy


def variables(shapes):
    return [keras.Variable(np.full(shape, i, "float32"), name=f"v{i}") for i, shape in enumerate(shapes)]


def test_a_write_that_dies_leaves_the_previous_checkpoint_intact(tmp_path):
    path = str(tmp_path / "checkpoints" / "ckpt.npz")
    model = variables([(2, 3), (3,)])
    ckpt.save_checkpoint(path, model, [], {"epoch": 1, "step": 0})

    def dies(f):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt  # e.g. a signal in the middle of np.savez

    with pytest.raises(KeyboardInterrupt):
        ckpt.atomic_write(path, dies)
    assert os.listdir(tmp_path / "checkpoints") == ["ckpt.npz"]  # no temporary file left behind
    fresh = variables([(2, 3), (3,)])
    for v in fresh:
        v.assign(np.zeros(v.shape))
    assert ckpt.restore_checkpoint(path, fresh, [])["epoch"] == 1
    np.testing.assert_array_equal(fresh[1].numpy(), np.ones(3))


def test_restore_refuses_other_variables(tmp_path):
    path = str(tmp_path / "ckpt.npz")
    ckpt.save_checkpoint(path, variables([(2, 3)]), [], {"epoch": 0, "step": 5})
    with pytest.raises(ValueError, match="holds 1 model variables, this run has 2"):
        ckpt.restore_checkpoint(path, variables([(2, 3), (3,)]), [])
    with pytest.raises(ValueError, match=r"has shape \(2, 3\)"):
        ckpt.restore_checkpoint(path, variables([(4, 3)]), [])
    assert ckpt.read_state(path)["step"] == 5
    with np.load(path, allow_pickle=False) as data:  # plain arrays: no pickle needed to read it
        assert json.loads(bytes(data["state"]).decode())["model_variables"] == ["v0"]


def test_mixed_precision_policy_choice(monkeypatch):
    monkeypatch.setattr(strategy, "cpu_has_bf16", lambda: True)
    assert strategy.mixed_precision_policy() == "mixed_bfloat16"
    monkeypatch.setattr(strategy, "cpu_has_bf16", lambda: False)
    with pytest.warns(UserWarning, match="training in float32"):
        assert strategy.mixed_precision_policy() == "float32"


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_training_steps(image_folder, tmp_path, monkeypatch, policy):
    """bfloat16 as on an AVX512-BF16 CPU; float16 with loss scaling as on a GPU (forced here on the CPU)."""
    monkeypatch.setattr(strategy, "mixed_precision_policy", lambda: policy)
    state = train_in_process(
        TINY
        + [
            "--data",
            image_folder,
            "--mixed-precision",
            "--sizes",
            "48",
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--steps-per-epoch",
            "2",
            "--out",
            tmp_path / "mp",
        ]
    )
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after the run
    assert np.isfinite(state["history"][0]["loss"]) and np.isfinite(state["history"][0]["val_loss"])
    run = json.loads((tmp_path / "mp" / "run.json").read_text())
    assert run["precision"] == policy
