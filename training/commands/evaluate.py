"""`keras-spp evaluate`: top-1/top-5 of a classifier on a center crop, the full image and 10 views.

    keras-spp evaluate --model zf5_spp --weights runs/zf5_spp/best.weights.h5 \\
        --data ../shared/data/imagenette --views center,full,10

    keras-spp evaluate --model zf5_spp.imagenette --data DIR      # a preset: DIR/val/<category name or id>/

Writes `eval_<split>.json` (per view: top-1, top-5, loss, confusion matrix) and `confusion_<split>_<view>.png`
beside the weights (or in `--out`); `--predictions` adds each image's answer (`predictions_<split>_<view>.csv`).
A run's own val split also gets `unselected` in each view: the score without the images the run picked its
best epoch on (`--val-examples`; see training/selection.py).
The model settings (num_classes, fc_units) and class names come from the preset, or from the `run.json` next
to the weights when there is one; the data's class folders are then matched to the model's categories by
name (or id, e.g. a wnid), never by sorted position.
"""

import os
import sys


def add_arguments(parser):
    parser.add_argument("--model", help="zoo name or preset (default: from run.json beside --weights)")
    parser.add_argument("--weights", help="a .weights.h5 file or a run folder, e.g. runs/zf5_spp/best.weights.h5")
    parser.add_argument("--weights-sha256", help="expected sha256 of the --weights file")
    parser.add_argument("--data", required=True, help="folder with <split>/<class>/*.jpg, or a tfds name")
    parser.add_argument("--data-dir", help="tfds data_dir")
    parser.add_argument("--split", help="default: val (folder); validation, else test (tfds)")
    parser.add_argument("--views", default="center", help="comma-separated: center, full, 10 (default center)")
    parser.add_argument("--size", type=int, default=224, help="crop size (center, 10 views)")
    parser.add_argument(
        "--full-size",
        type=int,
        help="full view's shorter side (default: the side crops are cut from, 256 for 224 as in the paper)",
    )
    parser.add_argument("--max-aspect", type=float, help="full image: longer side capped at this x shorter")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=32,
        help="crops or full images per model call (a 10-view step takes a tenth as many images)",
    )
    parser.add_argument("--fc-units", type=int, help="default: from run.json")
    parser.add_argument("--num-classes", type=int, help="default: from run.json, else the data's classes")
    parser.add_argument(
        "--strategy", choices=("default", "mirrored"), default="default", help="mirrored: every local device"
    )
    parser.add_argument("--out", help="report folder (default: the weights' folder, else the current one)")
    parser.add_argument("--no-check-images", action="store_true", help="skip the decode check of every file")
    parser.add_argument(
        "--predictions",
        action="store_true",
        help="also write predictions_<split>_<view>.csv: each image's file, label, top-5 and probabilities "
        "(for error analysis, or to compare two models image by image: benchmarks/compare_predictions.py)",
    )


def run(args):
    """Runs `keras-spp evaluate` with parsed `args`; returns 0 (the report is written and printed)."""
    from training.data import VIEWS

    views = [v.strip() for v in args.views.split(",") if v.strip()]
    if not views or any(v not in VIEWS for v in views):
        raise ValueError(f"--views must be a comma-separated subset of {', '.join(VIEWS)}; got {args.views!r}")
    if args.weights and not os.path.exists(args.weights):
        raise FileNotFoundError(f"--weights file {args.weights!r} does not exist")
    import zoo
    from training import evaluation
    from zoo.runs import run_weights

    weights_file, saved = run_weights(args.weights) if args.weights else (None, None)
    saved = saved or {}
    name = args.model or saved.get("model")
    if not name:
        raise ValueError("--model is required when there is no run.json beside --weights")
    from training.data import open_splits, resize_side_for
    from training.models import check_model_name
    from training.run_record import git_commit
    from training.selection import selection_record, selection_stride, unselected_metrics
    from training.strategy import make_strategy

    check_model_name(name)
    strategy = make_strategy(args.strategy)
    _, split = open_splits(
        args.data, False, args.split, args.data_dir, require_val=True, check_images=not args.no_check_images
    )
    kwargs = {"num_classes": args.num_classes, "fc_units": args.fc_units}
    if "." in name:  # a preset: its own classes (another count would be a new, untrained classifier)
        classes = len(zoo.get_metadata(name)["categories"])
        if args.num_classes not in (None, classes):
            raise ValueError(f"--num-classes {args.num_classes}: preset {name!r} has {classes} classes")
    elif not saved:  # a bare weights file or random weights: the data's classes
        kwargs["num_classes"] = args.num_classes or len(split.class_names)
    if args.weights:
        kwargs.update(weights=args.weights, sha256=args.weights_sha256)
    with strategy.scope():
        model = zoo.load(name, **{k: v for k, v in kwargs.items() if v is not None})
    metadata = getattr(model, "metadata", None) or {}
    num_classes = int(model.output_shape[-1])
    if metadata.get("categories"):
        split = evaluation.match_classes(split, metadata["categories"], metadata.get("category_ids"))
        class_names = list(split.class_names)
    else:  # no names to match: the data's classes in sorted order are the model's
        class_names = evaluation.check_classes(split, {}, num_classes)
    stride = selection_stride(saved, weights_file, args.data, split)  # the images the run picked its epoch on
    results = evaluation.evaluate_model(
        model,
        split,
        views,
        args.size,
        args.batch_size,
        max_aspect=args.max_aspect,
        strategy=strategy,
        num_classes=num_classes,
        full_size=args.full_size,
        predictions=args.predictions or stride is not None,
    )
    for view, metrics in results.items():
        print(
            f"{evaluation.VIEW_NAMES[view]:>40}: top-1 {metrics['top1']:.4f}  top-5 {metrics['top5']:.4f}  "
            f"loss {metrics['loss']:.4f}  ({metrics['count']} images)",
            flush=True,
        )
        if stride is not None:
            unselected = unselected_metrics(metrics["predictions"], stride)
            if unselected:
                metrics["unselected"] = unselected
                print(
                    f"{'without the images that picked the epoch':>40}: top-1 {unselected['top1']:.4f}  "
                    f"top-5 {unselected['top5']:.4f}  ({unselected['count']} images)",
                    flush=True,
                )
            if not args.predictions:
                del metrics["predictions"]
    report = {
        "model": name,
        "weights": weights_file,
        "data": args.data,
        "split": split.name,
        "num_examples": split.num_examples,
        "skipped": split.skipped,
        "size": args.size,
        "full_size": args.full_size or resize_side_for(args.size),
        "class_names": class_names,
        "views": results,
        **({"selection": selection_record(stride, split.num_examples)} if stride is not None else {}),
        "command": sys.argv,
        "git": git_commit(),
    }
    out = args.out or (os.path.dirname(os.path.abspath(weights_file)) if weights_file else ".")
    print(f"wrote {evaluation.write_report(out, report, name, split.files)}", flush=True)
    return 0
