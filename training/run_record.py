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


def read_metrics_csv(folder):
    """The rows (dicts of strings) of `folder`'s metrics.csv, one an epoch; [] when there is none."""
    path = os.path.join(folder, "metrics.csv")
    if not os.path.isfile(path):
        return []
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


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


def command_line(argv=None):
    """The command as typed (`argv`, default sys.argv): `keras-spp train ...` when run through the console
    script (or as a recorded `command` of run.json or eval_*.json, whatever launched it)."""
    argv = list(sys.argv if argv is None else argv)
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


def record_weights_sha256(out, name, sha256):
    """Updates the sha256 of weights file `name` in `<out>/run.json` when there is one (a file rewritten by
    a later run into the same folder must not be checked against the hash of the one it replaced)."""
    path = os.path.join(out, "run.json")
    if not os.path.isfile(path):
        return
    with open(path) as file:
        record = json.load(file)
    weights = record.setdefault("weights", {})
    weights["sha256"] = {**(weights.get("sha256") or {}), name: sha256}
    atomic_write_text(path, json.dumps(record, indent=2, default=str) + "\n")


def write_run_json(config, run, state, digest, model=None, parent=None, freeze_epochs=0, final_sha256=None):
    """`<out>/run.json`: command, config, data, schedule, strategy, metrics, weights hashes, git commit.

    `weights.sha256` maps each weights file written to the sha256 of its bytes (checked by `zoo.load`):
    best.weights.h5, and final.weights.h5 when `final_sha256` (the last epoch's, `save_final_weights`);
    `weights.final_sha256` hashes the final variables' values (equal on every worker). `fc_units` and
    `dropout` are the model's own (a preset's when the flags left them out); `parent` is the preset or
    file the run started from.
    """
    train, val = run.train_split, run.val_split
    fc_units, dropout = config.fc_units, config.dropout
    if model is not None:
        fc_units, dropout = model.get_layer("fc6").units, float(model.get_layer("drop6").rate)
    best = dict(state["best"] or {})
    best_path = os.path.join(run.out, "best.weights.h5")
    if not best.get("sha256") and os.path.isfile(best_path):  # a run resumed from a checkpoint of before
        from zoo.weights import sha256_of

        best["sha256"] = sha256_of(best_path)
    record = {
        "command": command_line(),
        "config": dataclasses.asdict(config),
        "model": config.model,
        "parent": parent,
        "freeze_backbone_epochs": freeze_epochs,
        "num_classes": run.num_classes,
        "fc_units": fc_units,
        "dropout": dropout,
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
        "weights": {
            "best": "best.weights.h5",
            "final": "final.weights.h5" if final_sha256 else None,
            "sha256": {
                **({"best.weights.h5": best["sha256"]} if best.get("sha256") else {}),
                **({"final.weights.h5": final_sha256} if final_sha256 else {}),
            },
            "final_sha256": digest,
        },
        "git": git_commit(),
        "environment": environment(),
        "wall_seconds_this_session": time.time() - run.started,
    }
    path = os.path.join(run.out, "run.json")
    atomic_write_text(path, json.dumps(record, indent=2, default=str) + "\n")
    best = state["best"]["epoch"] if state["best"] else "-"
    print(f"wrote {os.path.join(run.out, 'best.weights.h5')} (epoch {best}) and {path}", flush=True)
