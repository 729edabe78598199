"""Promises of `keras-spp train` on faults and bad data (issue 10, items 12 and 14): a refused run leaves no
empty run folder, a killed checkpoint write leaves a temporary file that the next run removes (never a live
writer's), and a corrupt image under `--no-check-images` fails with a one-line error naming the file."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.training.conftest import REPO, TINY, train_in_process, write_image_folder
from training import cli
from training.files import remove_stale_temp_files

RUN = ["--sizes", "48", "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "2"]


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    return write_image_folder(tmp_path_factory.mktemp("small"), per_class=(2, 1), sizes=(40, 60), seed=5)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "{tmp}/nowhere"], "nowhere"),
        (["--resume"], "--resume: no checkpoint"),
        (["--model", "zf5_sp"], "zf5_spp"),
        (["--strategy", "mirrored", "--batch-size", "3"], "--batch-size 3 must be a multiple of the 2 replicas"),
    ],
)
def test_a_refused_run_leaves_no_empty_out_folder(capsys, small_folder, tmp_path, argv, message):
    """Item 12: a failed `train` (usage error, bad data) left an empty --out folder behind."""
    out = tmp_path / "runs" / "new"
    argv = [a.replace("{tmp}", str(tmp_path)) for a in ["--data", small_folder, *argv]]
    assert cli.main(["train", *TINY, *RUN, "--out", str(out), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_refused_run_keeps_an_out_folder_it_did_not_create(capsys, tmp_path):
    """Item 12: only a folder this run created is removed; the user's own (even empty) folder stays."""
    out = tmp_path / "mine"
    out.mkdir()
    assert cli.main(["train", *TINY, *RUN, "--data", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert out.is_dir()


def _killed_writer(path):
    """Starts an `atomic_write` of `path` that stalls mid-write, SIGKILLs it; returns the temp file it left."""
    code = "import sys, time\nfrom training.files import atomic_write\natomic_write(sys.argv[1], lambda f: (f.write(b'x'), time.sleep(600)))"  # noqa: E501
    folder = os.path.dirname(path)
    process = subprocess.Popen([sys.executable, "-c", code, path], cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO))
    deadline = time.monotonic() + 60
    while not [n for n in os.listdir(folder) if n.startswith(".tmp-")] and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    (left,) = [n for n in os.listdir(folder) if n.startswith(".tmp-")]
    assert left == f".tmp-{socket.gethostname()}-{process.pid}-{os.path.basename(path)}"
    return os.path.join(folder, left)


def test_a_killed_checkpoint_write_is_cleaned_by_the_next_run(small_folder, tmp_path):
    """Item 12: a killed checkpoint write left `checkpoints/.tmp-...-ckpt.npz` and nothing removed it; the next
    run removes it, while a live writer's file, another host's and an old host-less one are left alone."""
    out = tmp_path / "run"
    checkpoints = out / "checkpoints"
    checkpoints.mkdir(parents=True)
    stale = _killed_writer(str(checkpoints / "ckpt.npz"))
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        kept = [
            checkpoints / f".tmp-{socket.gethostname()}-{live.pid}-ckpt.npz",
            checkpoints / f".tmp-other-host-{live.pid + 1}-ckpt.npz",
            checkpoints / ".tmp-1234567-ckpt.npz",
        ]
        for path in kept:
            path.write_bytes(b"partial")
        assert remove_stale_temp_files(str(out)) == []  # the run folder itself has none
        train_in_process(TINY + RUN + ["--data", small_folder, "--out", out])
    finally:
        live.kill()
        live.wait()
    assert not os.path.exists(stale) and all(path.exists() for path in kept)
    assert (checkpoints / "ckpt.npz").is_file()


def test_a_corrupt_image_under_no_check_images_fails_naming_the_file(capsys, small_folder, tmp_path):
    """Item 14: `--no-check-images` with a corrupt file crashed with a traceback that did not name the file.

    Decision: fail, naming the file, rather than skip it inside tf.data: a skip would silently change the
    examples of an epoch, so a resumed run would no longer see the same batches and workers could disagree on
    their number of steps; the default (checking every file up front) already skips and counts such files.
    """
    root = tmp_path / "data"
    shutil.copytree(small_folder, root)
    corrupt = root / "train" / "green" / "broken.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not a JPEG at all")
    argv = ["--data", root, "--no-check-images", "--batch-size", "7", "--sizes", "48", "--epochs", "1"]
    assert cli.main(["train", *TINY, *map(str, argv), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"keras-spp train: error: image file '{corrupt}' does not decode to an image" in err
    assert "drop --no-check-images" in err
