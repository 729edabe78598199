"""What a run leaves behind besides weights: run.json (command, config, metrics, git commit) and metrics.csv."""

import csv
import io
import os
import platform
import subprocess
import sys

from training.checkpoint import atomic_write_text


def git_commit(path=None):
    """{"commit": sha or None, "dirty": bool or None} of the git checkout holding `path` (default this package)."""
    folder = os.path.dirname(os.path.abspath(path or __file__))

    def git(*args):
        result = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=10)
        return result.stdout.strip() if result.returncode == 0 else None

    try:
        commit = git("rev-parse", "HEAD")
        status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def environment():
    """Versions that decide whether a run can be reproduced."""
    import keras
    import numpy as np
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "devices": [d.name for d in tf.config.list_logical_devices()],
    }


def write_metrics_csv(path, history):
    """One row an epoch, the columns of every scalar metric (like keras.callbacks.CSVLogger), atomically."""
    columns = []
    for record in history:
        columns += [k for k, v in record.items() if isinstance(v, (int, float)) and k not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for record in history:
        writer.writerow(record)
    atomic_write_text(path, out.getvalue())


def read_metrics_csv(path):
    """The epoch records of a metrics.csv as dicts of floats."""
    with open(path, newline="") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def command_line():
    """The command as typed: `keras-spp train ...` when run through the console script."""
    argv = list(sys.argv)
    if argv and os.path.basename(argv[0]) in ("keras-spp", "cli.py", "__main__.py"):
        argv[0] = "keras-spp"
    return argv
