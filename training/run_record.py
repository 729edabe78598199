"""What a run leaves behind besides weights: run.json (command, config, metrics, git commit) and metrics.csv."""

import csv
import dataclasses
import io
import json
import os
import platform
import subprocess
import sys
import time

from training.files import atomic_write_text


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


def command_line():
    """The command as typed: `keras-spp train ...` when run through the console script."""
    argv = list(sys.argv)
    if argv and os.path.basename(argv[0]) in ("keras-spp", "cli.py", "__main__.py"):
        argv[0] = "keras-spp"
    return argv


def summary_line(config, run):
    """The one line a run prints before its first step: what it trains, how, and where it writes."""
    train, val = run.train_split, run.val_split
    val_text = f"{val.num_examples} val images" if val else "no validation"
    return (
        f"{config.model}: {train.num_examples} training images ({train.skipped} skipped), {val_text}, "
        f"{run.num_classes} classes; {config.epochs} epochs x {run.steps_per_epoch} steps of {config.batch_size} "
        f"on {run.replicas} replica(s) x {run.num_workers} worker(s); sizes {sorted(set(run.sizes))}"
        f"{' full image' if config.full_image else ''}; {run.policy}; writing to {run.out}"
    )


def write_run_json(config, run, state, digest):
    """`<out>/run.json`: command, config, data, schedule, strategy, metrics, weights hash, git commit."""
    train, val = run.train_split, run.val_split
    record = {
        "command": command_line(),
        "config": dataclasses.asdict(config),
        "model": config.model,
        "num_classes": run.num_classes,
        "fc_units": config.fc_units,
        "class_names": train.class_names,
        "data": {
            "train": train.name,
            "train_examples": train.num_examples,
            "train_skipped": train.skipped,
            "val": val.name if val else None,
            "val_examples": val.num_examples if val else 0,
            "val_skipped": val.skipped if val else 0,
        },
        "epoch_sizes": run.sizes,
        "steps_per_epoch": run.steps_per_epoch,
        "strategy": {"name": config.strategy, "replicas": run.replicas, "workers": run.num_workers},
        "precision": run.policy,
        "metrics": {
            "best": state["best"],
            "final": state["history"][-1] if state["history"] else None,
            "history": state["history"],
        },
        "weights": {"best": "best.weights.h5", "final_sha256": digest},
        "git": git_commit(),
        "environment": environment(),
        "wall_seconds_this_session": time.time() - run.started,
    }
    path = os.path.join(run.out, "run.json")
    atomic_write_text(path, json.dumps(record, indent=2, default=str) + "\n")
    best = state["best"]["epoch"] if state["best"] else "-"
    print(f"wrote {os.path.join(run.out, 'best.weights.h5')} (epoch {best}) and {path}", flush=True)
