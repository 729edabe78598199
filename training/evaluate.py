"""`keras-spp evaluate`: top-1/top-5 of a classifier on a center crop, the full image and 10 views.

    keras-spp evaluate --model zf5_spp --weights runs/zf5_spp/best.weights.h5 \\
        --data ../shared/data/imagenette --views center,full,10

Writes `eval_<split>.json` (per view: top-1, top-5, loss, confusion matrix) and `confusion_<split>_<view>.png`
beside the weights (or in `--out`). The model settings (num_classes, fc_units) and class names come from the
`run.json` next to the weights when there is one.
"""

import json
import os
import sys

import numpy as np

from training.errors import UsageError, exit_status

VIEW_NAMES = {"center": "center crop", "full": "full image", "10": "10 views (corners + center, flipped)"}


def add_arguments(parser):
    parser.add_argument("--model", help="zoo name (default: from run.json beside --weights)")
    parser.add_argument("--weights", help="a .weights.h5 file, e.g. runs/zf5_spp/best.weights.h5")
    parser.add_argument("--data", required=True, help="folder with <split>/<class>/*.jpg, or a tfds name")
    parser.add_argument("--data-dir", help="tfds data_dir")
    parser.add_argument("--split", help="default: val (folder); validation, else test (tfds)")
    parser.add_argument("--views", default="center", help="comma-separated: center, full, 10 (default center)")
    parser.add_argument("--size", type=int, default=224, help="crop size (center, 10 views)")
    parser.add_argument("--full-size", type=int,
                        help="full view's shorter side (default: the side crops are cut from, 256 for 224 as in the paper)")
    parser.add_argument("--max-aspect", type=float, help="full image: longer side capped at this x shorter")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--fc-units", type=int, help="default: from run.json")
    parser.add_argument("--num-classes", type=int, help="default: from run.json, else the data's classes")
    parser.add_argument("--strategy", choices=("default", "mirrored"), default="default")
    parser.add_argument("--out", help="report folder (default: the weights' folder, else the current one)")
    parser.add_argument("--no-check-images", action="store_true")


def topk_metrics(probs, labels, num_classes):
    """{"top1", "top5", "loss", "count", "confusion"} of probabilities `(N, C)` against int labels `(N,)`."""
    probs, labels = np.asarray(probs, np.float64), np.asarray(labels, np.int64)
    if len(labels) == 0:
        raise UsageError("no examples to evaluate")
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


def evaluate_model(model, split, views=("center",), size=224, batch_size=32, padded_model=None,
                   max_aspect=None, strategy=None, num_classes=None, full_size=None):
    """Evaluates a softmax classifier on a `Split` with each view -> {view: topk_metrics(...)}.

    Args:
        model: takes `(B, H, W, 3)` raw 0..255 images and gives `(B, C)` probabilities.
        split: a `training.data.Split`.
        views: any of `"center"`, `"full"`, `"10"`.
        size: crop size of the center and 10 views; they are cut from the image resized to a shorter side of
            `resize_side_for(size)` (256 for 224).
        full_size: the full view's shorter side (default that same `resize_side_for(size)`: the paper's
            full view and crops come from one resized image).
        padded_model: the `{"images", "image_sizes"}` twin used for `"full"` (default `zoo.padded_model(model)`).
        strategy: a single-worker tf.distribute strategy (default: the current one).
        num_classes: the confusion matrix's size (default the model's output width).

    Example:
    >>> results = evaluate_model(model, val_split, views=("center", "10"), size=224)   # doctest: +SKIP
    >>> results["center"]["top1"]                                                     # doctest: +SKIP
    """
    import tensorflow as tf

    from training.data import VIEWS, eval_dataset, resize_side_for
    from training.loop import view_probs

    strategy = strategy or tf.distribute.get_strategy()
    num_classes = num_classes or int(model.output_shape[-1])
    fixed = tuple(model.input_shape[1:3]) if not isinstance(model.input_shape, dict) else (None, None)
    results = {}
    for view in views:
        if view not in VIEWS:
            raise UsageError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
        net = model
        if view == "full":
            if None not in fixed:
                raise UsageError(f"--views full needs a model that takes any input size; {model.name!r} takes only {fixed}")
            if padded_model is None:
                import zoo

                try:
                    padded_model = zoo.padded_model(model)
                except ValueError as error:
                    raise UsageError(f"--views full: {error}") from None
            net = padded_model
        elif None not in fixed and fixed != (size, size):
            raise UsageError(f"{model.name!r} takes only {fixed[0]}x{fixed[1]} inputs; use --size {fixed[0]}")
        view_size = (full_size or resize_side_for(size)) if view == "full" else size
        replicas = strategy.num_replicas_in_sync
        per_replica = max(1, batch_size // replicas)
        dataset = strategy.distribute_datasets_from_function(
            lambda ctx, view=view: eval_dataset(split, view=view, size=view_size, per_replica_batch=per_replica,
                                                replicas_per_pipeline=replicas, max_aspect=max_aspect))
        predict = tf.function(lambda x, net=net: view_probs(net, x), reduce_retracing=True)
        probs, labels, weights = [], [], []
        for inputs, y, w in dataset:
            out = strategy.run(predict, args=(inputs,))
            probs += [p.numpy() for p in strategy.experimental_local_results(out)]
            labels += [t.numpy() for t in strategy.experimental_local_results(y)]
            weights += [t.numpy() for t in strategy.experimental_local_results(w)]
        keep = np.concatenate(weights) > 0
        results[view] = topk_metrics(np.concatenate(probs)[keep], np.concatenate(labels)[keep], num_classes)
    return results


def _run_config(weights):
    path = os.path.join(os.path.dirname(os.path.abspath(weights)), "run.json") if weights else None
    if path and os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {}


def run(args):
    return exit_status("evaluate", evaluate, args)


def evaluate(args):
    """Runs `keras-spp evaluate` with parsed `args`; returns the report dict."""
    views = [v.strip() for v in args.views.split(",") if v.strip()]
    from training.data import VIEWS

    bad = [v for v in views if v not in VIEWS]
    if bad or not views:
        raise UsageError(f"--views must be a comma-separated subset of {', '.join(VIEWS)}; got {args.views!r}")
    if args.weights and not os.path.isfile(args.weights):
        raise UsageError(f"--weights file {args.weights!r} does not exist")
    saved = _run_config(args.weights)
    name = args.model or saved.get("model")
    if not name:
        raise UsageError("--model is required when there is no run.json beside --weights")
    from training.train_classifier import build_models, check_model_name

    check_model_name(name)
    from training.data import open_splits, resize_side_for
    from training.plots import plot_confusion_matrix
    from training.run_record import git_commit
    from training.strategy import make_strategy

    strategy = make_strategy(args.strategy)
    _, split = open_splits(args.data, False, args.split, args.data_dir, require_val=True,
                           check_images=not args.no_check_images)
    class_names = saved.get("class_names") or split.class_names
    if saved.get("class_names") and list(saved["class_names"]) != list(split.class_names):
        if set(split.class_names) - set(saved["class_names"]):
            raise UsageError(f"the data's classes {split.class_names} are not the model's {saved['class_names']}")
    num_classes = args.num_classes or saved.get("num_classes") or len(class_names)
    if split.num_examples and len(split.class_names) > num_classes:
        raise UsageError(f"the data has {len(split.class_names)} classes, the model {num_classes}")
    fc_units = args.fc_units or saved.get("fc_units")
    with strategy.scope():
        try:
            model, _ = build_models(name, num_classes, fc_units, weights=args.weights)
        except ValueError as error:
            raise UsageError(f"cannot load {args.weights!r} into {name} (num_classes={num_classes}, "
                             f"fc_units={fc_units}): {error}") from None
    results = evaluate_model(model, split, views, args.size, args.batch_size, max_aspect=args.max_aspect,
                             strategy=strategy, num_classes=num_classes, full_size=args.full_size)
    out = args.out or (os.path.dirname(os.path.abspath(args.weights)) if args.weights else ".")
    os.makedirs(out, exist_ok=True)
    for view, metrics in results.items():
        png = os.path.join(out, f"confusion_{split.name}_{view}.png")
        plot_confusion_matrix(metrics["confusion"], class_names, png,
                              title=f"{name} {split.name} {VIEW_NAMES[view]}: top-1 {metrics['top1']:.3f}")
        metrics["confusion_png"] = png
        print(f"{VIEW_NAMES[view]:>40}: top-1 {metrics['top1']:.4f}  top-5 {metrics['top5']:.4f}  "
              f"loss {metrics['loss']:.4f}  ({metrics['count']} images)", flush=True)
    report = {"model": name, "weights": args.weights, "data": args.data, "split": split.name,
              "num_examples": split.num_examples, "skipped": split.skipped, "size": args.size,
              "full_size": args.full_size or resize_side_for(args.size),
              "class_names": class_names, "views": results, "command": sys.argv, "git": git_commit()}
    path = os.path.join(out, f"eval_{split.name}.json")
    from training.checkpoint import atomic_write_text

    atomic_write_text(path, json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}", flush=True)
    return report
