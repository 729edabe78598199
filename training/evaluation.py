"""Evaluation of a softmax classifier: top-1/top-5, loss and confusion matrix on a center crop, the full
image and 10 views, and the report (`eval_<split>.json` + a confusion-matrix PNG per view) of a weights file.
"""

import functools
import json
import os

import numpy as np

VIEW_NAMES = {"center": "center crop", "full": "full image", "10": "10 views (corners + center, flipped)"}


def topk_metrics(probs, labels, num_classes):
    """{"top1", "top5", "loss", "count", "confusion"} of probabilities `(N, C)` against int labels `(N,)`."""
    probs, labels = np.asarray(probs, np.float64), np.asarray(labels, np.int64)
    if len(labels) == 0:
        raise ValueError(f"No examples to evaluate. Received: labels of shape {labels.shape}")
    k = min(5, probs.shape[1])
    top = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    confusion = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(confusion, (labels, top[:, 0]), 1)
    picked = np.clip(probs[np.arange(len(labels)), labels], 1e-7, 1.0)
    return {
        "top1": float(np.mean(top[:, 0] == labels)),
        "top5": float(np.mean((top == labels[:, None]).any(axis=1))),
        "loss": float(-np.mean(np.log(picked))),
        "count": int(len(labels)),
        "confusion": confusion.tolist(),
    }


def evaluate_model(
    model,
    split,
    views=("center",),
    size=224,
    batch_size=32,
    padded_model=None,
    max_aspect=None,
    strategy=None,
    num_classes=None,
    full_size=None,
    predictions=False,
):
    """Evaluates a softmax classifier on a `Split` with each view -> {view: topk_metrics(...)}.

    Args:
        model: takes `(B, H, W, 3)` raw 0..255 images and gives `(B, C)` probabilities.
        split: a `training.data.Split`.
        views: any of `"center"`, `"full"`, `"10"`.
        batch_size: crops (or full images) per model call over all replicas; a 10-view batch holds
            `batch_size // 10` images (at least one per replica), so it takes a center-crop batch's memory.
        size: crop size of the center and 10 views; they are cut from the image resized to a shorter side of
            `resize_side_for(size)` (256 for 224).
        full_size: the full view's shorter side (default that same `resize_side_for(size)`: the paper's
            full view and crops come from one resized image).
        padded_model: the `{"images", "image_sizes"}` twin used for `"full"` (default `zoo.padded_model(model)`).
        strategy: a single-worker tf.distribute strategy (default: the current one).
        num_classes: the confusion matrix's size (default the model's output width).
        predictions: also return each example's answer: `metrics["predictions"]` = `{"label": (N,), "top":
            (N, k) class indices, best first, "probability": (N, k)}` in the split's order (`write_report`
            writes them as a CSV).

    Example:
    >>> results = evaluate_model(model, val_split, views=("center", "10"), size=224)   # doctest: +SKIP
    >>> results["center"]["top1"]                                                     # doctest: +SKIP
    """
    import tensorflow as tf

    from training.data import VIEWS, resize_side_for
    from training.steps import view_probs

    strategy = strategy or tf.distribute.get_strategy()
    num_classes = num_classes or int(model.output_shape[-1])
    fixed = tuple(model.input_shape[1:3]) if not isinstance(model.input_shape, dict) else (None, None)
    results = {}
    for view in views:
        if view not in VIEWS:
            raise ValueError(f"`views` must be a subset of {', '.join(VIEWS)}. Received: view={view!r}")
        net, view_size = model, (full_size or resize_side_for(size)) if view == "full" else size
        fixed_full = view == "full" and None not in fixed  # every image must come out at the model's size
        if fixed_full:
            if fixed != (view_size, view_size):
                raise ValueError(
                    f"{model.name!r} takes only {fixed} inputs: its full view is each image resized to a shorter "
                    f"side (`full_size`) of {fixed[0]}, square images only (an SPP model takes any size). "
                    f"Received: full_size={view_size}"
                )
            net = _fixed_size_net(model, fixed)
        elif view == "full":
            if padded_model is None:
                import zoo

                padded_model = zoo.padded_model(model)
            net = padded_model
        elif None not in fixed and fixed != (size, size):
            raise ValueError(
                f"{model.name!r} takes only {fixed[0]}x{fixed[1]} inputs; evaluate it at `size` {fixed[0]}"
            )
        replicas = strategy.num_replicas_in_sync
        crops = 10 if view == "10" else 1  # a 10-view batch of n images is 10 n crops in one model call
        per_replica = max(1, batch_size // (replicas * crops))
        dataset = strategy.distribute_datasets_from_function(
            functools.partial(
                _view_dataset,
                split,
                view=view,
                size=view_size,
                per_replica_batch=per_replica,
                replicas_per_pipeline=replicas,
                max_aspect=max_aspect,
            )
        )
        predict = tf.function(lambda x, net=net: view_probs(net, x), reduce_retracing=True)
        probs, labels, weights = [], [], []
        for inputs, y, w in dataset:
            if fixed_full:
                _check_full_sizes(strategy, inputs, fixed, view_size, model.name)
            out = strategy.run(predict, args=(inputs,))
            probs += [p.numpy() for p in strategy.experimental_local_results(out)]
            labels += [t.numpy() for t in strategy.experimental_local_results(y)]
            weights += [t.numpy() for t in strategy.experimental_local_results(w)]
        keep = np.concatenate(weights) > 0
        probs, labels = np.concatenate(probs)[keep], np.concatenate(labels)[keep]
        results[view] = topk_metrics(probs, labels, num_classes)
        if predictions:
            top = np.argsort(-probs, axis=1, kind="stable")[:, : min(5, probs.shape[1])]
            probability = np.take_along_axis(probs, top, axis=1)
            results[view]["predictions"] = {"label": labels, "top": top, "probability": probability}
    return results


def _fixed_size_net(model, fixed):
    """The full view's padded batches `{"images", "image_sizes"}` fed to a model of one input size `fixed`:
    every image of the batch is that size (`_check_full_sizes`), so the batch holds no padding."""
    import tensorflow as tf

    def net(inputs, training=False):
        return model(tf.ensure_shape(inputs["images"], [None, *fixed, 3]), training=training)

    return net


def _check_full_sizes(strategy, inputs, fixed, full_size, name):
    """Raises ValueError when a full view of the batch is not `fixed` (e.g. a file that is not square)."""
    for sizes in strategy.experimental_local_results(inputs["image_sizes"]):
        wrong = [tuple(int(v) for v in row) for row in sizes.numpy() if tuple(row) != fixed]
        if wrong:
            raise ValueError(
                f"{name!r} takes only {fixed} inputs, and the full view (shorter side {full_size}) of an image is "
                f"{wrong[0]}: a model of one input size has a full view only of images of that shape (square "
                f"files); use a center crop, or an SPP model"
            )


def _view_dataset(split, ctx, **kwargs):
    from training.data import eval_dataset

    return eval_dataset(split, **kwargs)


def match_classes(split, categories, category_ids=None):
    """`split` with each class folder matched to the model's category of that name or id, by name.

    A folder matches a category's name (case, `_` and `-` ignored: `golf_ball` is "golf ball") or its id in
    `category_ids` (e.g. Imagenette's wnid `n03445777`). Any subset of the categories may be present.

    Returns:
        A `Split` whose labels are indices into `categories` and whose `class_names` are `categories`.

    Raises:
        ValueError: a folder that matches no category (the categories and ids are listed).

    Example:
    >>> split = match_classes(val_split, ["tench", "golf ball"], ["n01440764", "n03445777"])  # doctest: +SKIP
    """
    import dataclasses

    import tensorflow as tf

    def key(name):
        return " ".join(str(name).lower().replace("_", " ").replace("-", " ").split())

    index = {key(name): i for i, name in enumerate(categories)}
    for i, category_id in enumerate(category_ids or []):
        index.setdefault(key(category_id), i)
    unknown = [name for name in split.class_names if key(name) not in index]
    if unknown:
        ids = f" or their ids {list(category_ids)}" if category_ids else ""
        raise ValueError(
            f"The {split.name!r} split's class folders {unknown} match none of the model's categories: the folders "
            f"must be named as the categories {list(categories)}{ids}"
        )
    table = tf.constant([index[key(name)] for name in split.class_names], tf.int32)
    elements = split.elements

    def relabelled():
        return elements().map(lambda payload, label: (payload, tf.gather(table, tf.cast(label, tf.int32))))

    return dataclasses.replace(split, class_names=list(categories), elements=relabelled)


def predictions_csv(predictions, class_names, files=None):
    """The CSV text of `evaluate_model`'s `predictions`: `index,file,label,label_name,correct,top,top_names,
    probabilities` (top-k joined by spaces, names by `|`)."""
    import csv
    import io

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["index", "file", "label", "label_name", "correct", "top", "top_names", "probabilities"])
    rows = zip(predictions["label"], predictions["top"], predictions["probability"], strict=True)
    if files is not None and len(files) != len(predictions["label"]):
        raise ValueError(f"{len(files)} files for {len(predictions['label'])} predictions")
    for i, (label, top, probability) in enumerate(rows):
        writer.writerow([
            i,
            files[i] if files is not None else "",
            int(label),
            class_names[int(label)],
            int(top[0] == label),
            " ".join(str(int(t)) for t in top),
            "|".join(class_names[int(t)] for t in top),
            " ".join(f"{p:.6f}" for p in probability),
        ])  # fmt: skip
    return text.getvalue()


def check_classes(split, saved, num_classes):
    """The class names to report: the run's (checked against the data's), else the data's."""
    class_names = saved.get("class_names") or split.class_names
    if saved.get("class_names") and set(split.class_names) - set(saved["class_names"]):
        raise ValueError(f"The data's classes {split.class_names} are not the model's {saved['class_names']}")
    if split.num_examples and len(split.class_names) > num_classes:
        raise ValueError(f"The data has {len(split.class_names)} classes, the model {num_classes}")
    return class_names


def write_report(out, report, title, files=None):
    """Writes `<out>/eval_<split>.json` and a confusion PNG per view (paths added to `report`); returns its path.

    A view with `predictions` (`evaluate_model(..., predictions=True)`) also gets
    `predictions_<split>_<view>.csv`: one row per example in the split's order, with its file (`files`,
    when known), label, top-k classes (best first, names and indices) and their probabilities.
    """
    from training.files import atomic_write_text
    from training.plots import plot_confusion_matrix

    os.makedirs(out, exist_ok=True)
    split = report["split"]
    for view, metrics in report["views"].items():
        if "predictions" in metrics:
            csv_path = os.path.join(out, f"predictions_{split}_{view}.csv")
            atomic_write_text(csv_path, predictions_csv(metrics.pop("predictions"), report["class_names"], files))
            metrics["predictions_csv"] = csv_path
        png = os.path.join(out, f"confusion_{split}_{view}.png")
        plot_confusion_matrix(
            metrics["confusion"],
            report["class_names"],
            png,
            title=f"{title} {split} {VIEW_NAMES[view]}: top-1 {metrics['top1']:.3f}",
        )
        metrics["confusion_png"] = png
    path = os.path.join(out, f"eval_{split}.json")
    atomic_write_text(path, json.dumps(report, indent=2) + "\n")
    return path


def read_reports(folder):
    """`[(command, [(view, size, metrics), ...]), ...]` of every eval_*.json `write_report` wrote below `folder`.

    In path order; `command` as typed (`keras-spp evaluate ...`, "" when unrecorded); `size` is the full
    view's shorter side, else the crop side.
    """
    import glob
    import shlex

    from training.run_record import command_line

    reports = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "eval_*.json"), recursive=True)):
        with open(path) as file:
            report = json.load(file)
        views = [
            (view, int(report["full_size"] if view == "full" else report["size"]), metrics)
            for view, metrics in report["views"].items()
        ]
        reports.append((shlex.join(command_line(report.get("command") or [])), views))
    return reports
