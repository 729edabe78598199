"""MultiWorkerMirroredStrategy with 2 real worker processes on 127.0.0.1 (Keras `fit` cannot do this:
keras-team/keras#20585; the custom loop can)."""

import json
import re
import socket
import subprocess
import sys

import pytest

from tests.training.conftest import REPO, TINY


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_train_and_end_with_identical_weights(image_folder, tmp_path):
    import os

    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    out = tmp_path / "run"
    argv = TINY + [
        "--data",
        image_folder,
        "--strategy",
        "multi_worker",
        "--sizes",
        "64,48",
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--steps-per-epoch",
        "3",
        "--out",
        str(out),
        "--verbose",
        "2",
    ]
    processes = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = dict(
            os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", TF_CONFIG=json.dumps(config)
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "training.cli", "train", *argv],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=240)[0])
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for index, (process, output) in enumerate(zip(processes, outputs)):
        assert process.returncode == 0, f"worker {index}:\n{output[-3000:]}"
    digests = [re.search(rf"worker {i}: final weights sha256 ([0-9a-f]+)", o).group(1) for i, o in enumerate(outputs)]
    assert digests[0] == digests[1]
    run = json.loads((out / "run.json").read_text())
    assert run["strategy"] == {"name": "multi_worker", "replicas": 2, "workers": 2}
    assert run["weights"]["final_sha256"] == digests[0]
    assert [h["input_shapes"] for h in run["metrics"]["history"]] == [[[64, 64]], [[48, 48]]]
    assert "wrote" in outputs[0] and "wrote" not in outputs[1]  # only the chief writes
