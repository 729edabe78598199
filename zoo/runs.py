"""Weights a `keras-spp train` run wrote: a run folder, or a weights file with the run's run.json beside it.

`train` records in run.json the architecture settings (`model`, `num_classes`, `fc_units`, `config.dropout`),
the class names, the parent preset and the sha256 of each weights file it wrote (`weights.sha256`), so that
`zoo.load(name, weights=run)` rebuilds the same model, checks the file and names its classes.
"""

import json
import os

RUN_RECORD = "run.json"
BEST_WEIGHTS = "best.weights.h5"


def run_weights(weights):
    """`weights` (a run folder or a weights file) -> (weights file, the run.json record beside it or None).

    Raises:
        FileNotFoundError: a run folder without its weights file.
    """
    path = os.fspath(weights)
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    record = read_run_record(folder)
    if os.path.isdir(path):
        name = ((record or {}).get("weights") or {}).get("best") or BEST_WEIGHTS
        path = os.path.join(path, name)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Run folder {weights!r} has no weights file {name!r}")
    return path, record


def read_run_record(folder):
    """The run.json of `folder` as a dict, or None when there is none."""
    path = os.path.join(folder, RUN_RECORD)
    if not os.path.isfile(path):
        return None
    with open(path) as file:
        return json.load(file)


def recorded_sha256(record, path):
    """The sha256 `record` (a run.json) lists for the weights file `path`, or None when it lists none."""
    hashes = ((record or {}).get("weights") or {}).get("sha256") or {}
    return hashes.get(os.path.basename(path)) if isinstance(hashes, dict) else None


def run_config(record, options):
    """The architecture settings a run.json records, limited to a model's `options`."""
    if not record:
        return {}
    config = {"num_classes": record.get("num_classes"), "fc_units": record.get("fc_units")}
    config["dropout"] = record.get("dropout", (record.get("config") or {}).get("dropout"))
    return {k: v for k, v in config.items() if v is not None and k in options}
