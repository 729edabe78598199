"""Atomic training checkpoints: model variables (weights and dropout seeds), optimizer state and progress.

One file, `<out>/checkpoints/ckpt.npz`, written to a temporary name, fsynced and renamed over the old one,
so a run killed at any moment leaves either the previous or the new checkpoint, never a torn one. Plain
NumPy arrays (no pickle); the progress is a JSON document stored as bytes. Only the chief writes; since
training is synchronous every worker holds the same values, and every worker restores from the same file.
"""

import json
import os

import numpy as np

from training.files import atomic_write

CHECKPOINT_NAME = "ckpt.npz"


def checkpoint_path(out_dir):
    return os.path.join(out_dir, "checkpoints", CHECKPOINT_NAME)


def save_checkpoint(path, model_variables, optimizer_variables, state):
    """Writes variables and the JSON-able `state` dict (epoch, step, history, config...) to `path` atomically."""
    arrays = {f"model/{i}": np.asarray(v.numpy()) for i, v in enumerate(model_variables)}
    arrays.update({f"optimizer/{i}": np.asarray(v.numpy()) for i, v in enumerate(optimizer_variables)})
    state = dict(state)
    state["model_variables"] = [v.path for v in model_variables]
    state["optimizer_variables"] = [v.path for v in optimizer_variables]
    arrays["state"] = np.frombuffer(json.dumps(state).encode(), np.uint8)
    atomic_write(path, lambda f: np.savez(f, **arrays))


def read_state(path):
    """The state dict of a checkpoint, without touching any variable."""
    with np.load(path, allow_pickle=False) as data:
        return json.loads(bytes(data["state"]).decode())


def restore_checkpoint(path, model_variables, optimizer_variables):
    """Assigns the checkpoint's values to the variables (checked by count, path and shape); returns its state."""
    with np.load(path, allow_pickle=False) as data:
        state = json.loads(bytes(data["state"]).decode())
        for kind, variables in (("model", model_variables), ("optimizer", optimizer_variables)):
            names = state[f"{kind}_variables"]
            if len(names) != len(variables):
                raise ValueError(
                    f"Checkpoint {path!r} holds {len(names)} {kind} variables, this run has {len(variables)}: "
                    "it was written for another model or optimizer (use another `out` folder, or `fresh`)"
                )
            for i, variable in enumerate(variables):
                value = data[f"{kind}/{i}"]
                if tuple(value.shape) != tuple(variable.shape):
                    raise ValueError(
                        f"checkpoint {path!r}: {kind} variable {names[i]!r} has shape {value.shape}, "
                        f"this run's {variable.path!r} has {tuple(variable.shape)}"
                    )
                variable.assign(value)
    return state
