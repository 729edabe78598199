"""Fault tolerance: a run SIGKILLed from outside mid-run resumes at the epoch and step of its last
checkpoint and ends where an uninterrupted run of the same seed ends."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.training.conftest import REPO, TINY, cli_subprocess, load_checkpoint_arrays, mirrored_argv, train_in_process

RUN = TINY + [
    "--sizes",
    "64,48",
    "--epochs",
    "3",
    "--batch-size",
    "4",
    "--steps-per-epoch",
    "4",
    "--checkpoint-steps",
    "2",
    "--seed",
    "7",
]


def kill_at_first_checkpoint(argv, out, timeout=300):
    """Starts `keras-spp train ARGV` and SIGKILLs it as soon as its first checkpoint file exists.

    Only a file is watched: no assumption on how fast the machine is. The first checkpoint (step 2) leaves
    10 steps, 3 validations and 3 plots to go, so the kill lands while the run is still training.
    """
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    process = subprocess.Popen(
        [sys.executable, "-m", "training.cli", "train", *map(str, argv)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    checkpoint = out / "checkpoints" / "ckpt.npz"
    deadline = time.monotonic() + timeout
    try:
        while not checkpoint.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, stderr


@pytest.mark.slow
def test_sigkill_mid_run_then_resume_matches_uninterrupted_run(image_folder, tmp_path):
    reference = tmp_path / "reference"
    expected = train_in_process(RUN + ["--data", image_folder, "--out", reference])

    out = tmp_path / "killed"
    returncode, stderr = kill_at_first_checkpoint(RUN + ["--data", image_folder, "--out", out], out)
    assert returncode == -signal.SIGKILL, stderr[-2000:]
    assert not (out / "run.json").exists()
    _, state = load_checkpoint_arrays(out)
    assert (state["epoch"], state["step"]) < (3, 0)  # killed before the end

    resumed = cli_subprocess(["train"] + RUN + ["--data", image_folder, "--out", out, "--resume", "--verbose", "2"])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming {out} at epoch {state['epoch'] + 1}, step {state['step']}" in resumed.stdout
    arrays, state = load_checkpoint_arrays(out)
    reference_arrays, reference_state = load_checkpoint_arrays(reference)
    assert (state["epoch"], state["step"]) == (reference_state["epoch"], reference_state["step"]) == (3, 0)
    assert len(arrays) == len(reference_arrays)
    for got, want in zip(arrays, reference_arrays, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # Every epoch, the one the kill interrupted included, has the metrics of the uninterrupted run (same
    # batches, same steps).
    assert len(state["history"]) == len(expected["history"]) == 3
    for got, want in zip(state["history"], expected["history"], strict=True):
        assert got["input_shapes"] == want["input_shapes"]
        np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-4)
        np.testing.assert_allclose(got["val_top1"], want["val_top1"])
    assert (out / "run.json").exists() and (out / "best.weights.h5").exists()


def test_a_finished_run_resumes_as_a_no_op_and_other_settings_are_refused(mirrored_run, image_folder, capsys):
    out, state = mirrored_run
    from training import cli

    argv = ["train"] + mirrored_argv(image_folder, out)
    assert cli.main(argv) == 0
    arrays, after = load_checkpoint_arrays(out)
    assert after["history"] == state["history"]
    assert cli.main([a if a != "64,48" else "64" for a in argv]) == 2
    assert "other settings" in capsys.readouterr().err


@pytest.fixture(scope="module")
def one_epoch_run(image_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("one_epoch") / "run"
    argv = TINY + [
        "--data",
        image_folder,
        "--sizes",
        "48",
        "--epochs",
        "1",
        "--batch-size",
        "4",
        "--steps-per-epoch",
        "2",
        "--out",
        str(out),
    ]
    train_in_process(argv)
    return argv, out


@pytest.mark.parametrize(
    "changed, named",
    [
        (["--jitter", "0.5"], "--jitter: checkpoint 0.1, now 0.5"),
        (["--momentum", "0.5", "--weight-decay", "0.001"], "--momentum: checkpoint 0.9, now 0.5"),
        (["--momentum", "0", "--weight-decay", "0"], "--weight-decay: checkpoint 0.0005, now 0.0"),
        (["--label-smoothing", "0.1"], "--label-smoothing: checkpoint 0.0, now 0.1"),
        (["--min-area", "0.5"], "--min-area: checkpoint None, now 0.5"),
    ],
)
def test_resume_refuses_changed_settings_naming_the_flag(one_epoch_run, capsys, changed, named):
    """Issue 10 item 2: a checkpoint resumes only under the settings it was written with."""
    from training import cli

    argv, out = one_epoch_run
    before = (out / "checkpoints" / "ckpt.npz").read_bytes()
    assert cli.main(["train"] + argv + changed) == 2
    assert named in capsys.readouterr().err
    assert (out / "checkpoints" / "ckpt.npz").read_bytes() == before


def test_resume_refuses_other_training_images(one_epoch_run, tmp_path, capsys):
    """Issue 10 item 2: other images of the same classes change the data fingerprint."""
    from tests.training.conftest import write_image_folder
    from training import cli

    argv, out = one_epoch_run
    other = write_image_folder(tmp_path / "other", seed=5)
    argv = [a if a != argv[argv.index("--data") + 1] else other for a in argv]
    assert cli.main(["train"] + argv) == 2
    assert "--data/--train-split (its files): checkpoint" in capsys.readouterr().err


def test_resume_and_fresh_together_are_refused_before_anything_is_deleted(one_epoch_run, capsys):
    """Issue 10 item 1: `--resume --fresh` used to delete the checkpoint, then refuse to run."""
    from training import cli

    argv, out = one_epoch_run
    before = (out / "checkpoints" / "ckpt.npz").read_bytes()
    assert cli.main(["train"] + argv + ["--resume", "--fresh"]) == 2
    assert "contradict" in capsys.readouterr().err
    assert (out / "checkpoints" / "ckpt.npz").read_bytes() == before
