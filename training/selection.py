"""Which val images a training run used to pick its checkpoint, and the scores of the others.

`keras-spp train --val-examples N` scores every k-th image of the val split after each epoch (`subsample`)
and keeps the best epoch as best.weights.h5: from then on those images are not unseen. `keras-spp evaluate`
of that run on that same split therefore also reports top-1/top-5 on the images the run never chose by
(`unselected`): the number that carries no selection bias.
"""

import os
import warnings

import numpy as np


def selection_stride(saved, weights_file, data, split):
    """k when the run whose run.json is `saved` picked `weights_file` on every k-th example of `split`, else None.

    Args:
        saved: the run's run.json as a dict (`{}` for a bare weights file: None).
        weights_file: the evaluated file; only the run's best one was picked (final.weights.h5 was not).
        data: the evaluated `--data` (a folder or tfds name), compared with the run's own.
        split: the evaluated `training.data.Split`.

    None when the run validated on other data or another split, or on none. The run's recorded count of
    validation images must match this split's every k-th, or the two did not see the same images: then a
    warning, and None.
    """
    config, recorded = saved.get("config") or {}, saved.get("data") or {}
    if os.path.basename(weights_file or "") != (saved.get("weights") or {}).get("best", "best.weights.h5"):
        return None
    if (
        not recorded.get("val_examples")
        or recorded.get("val") != split.name
        or not _same_data(config.get("data"), data)
    ):
        return None
    from training.data.sources import subsample_stride

    count = config.get("val_examples")
    stride = subsample_stride(split.num_examples, count) if count else 1
    if -(-split.num_examples // stride) != recorded["val_examples"]:
        warnings.warn(
            f"The run validated on {recorded['val_examples']} examples of {split.name!r}, but 1 in {stride} of "
            f"these {split.num_examples} is {-(-split.num_examples // stride)}: which ones picked its best epoch "
            "is unknown",
            stacklevel=2,
        )
        return None
    return stride


def unselected_metrics(predictions, stride):
    """`{"top1", "top5", "count"}` of `evaluate_model`'s `predictions` without every `stride`-th example.

    None when nothing is left (the run validated on the whole split: stride 1).
    """
    label, top = np.asarray(predictions["label"]), np.asarray(predictions["top"])
    keep = np.arange(len(label)) % stride != 0
    if not keep.any():
        return None
    label, top = label[keep], top[keep]
    return {
        "top1": float(np.mean(top[:, 0] == label)),
        "top5": float(np.mean((top == label[:, None]).any(axis=1))),
        "count": int(keep.sum()),
    }


def selection_record(stride, num_examples):
    """The report's `selection` entry: which examples picked the checkpoint, in words and numbers."""
    chosen = -(-num_examples // stride)
    return {
        "every": stride,
        "examples": chosen,
        "note": f"the run picked its best epoch on 1 in {stride} examples (index 0, {stride}, ...: {chosen} of "
        f"{num_examples}); `unselected` in each view scores the others",
    }


def _same_data(recorded, data):
    if not recorded or not data:
        return False
    if os.path.isdir(recorded) or os.path.isdir(data):
        return os.path.realpath(recorded) == os.path.realpath(data)
    return recorded == data
