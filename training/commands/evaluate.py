"""`keras-spp evaluate`: top-1/top-5 of a classifier on a center crop, the full image and 10 views.

    keras-spp evaluate --model zf5_spp --weights runs/zf5_spp/best.weights.h5 \\
        --data ../shared/data/imagenette --views center,full,10

Writes `eval_<split>.json` (per view: top-1, top-5, loss, confusion matrix) and `confusion_<split>_<view>.png`
beside the weights (or in `--out`). The model settings (num_classes, fc_units) and class names come from the
`run.json` next to the weights when there is one.
"""

import os
import sys


def add_arguments(parser):
    parser.add_argument("--model", help="zoo name (default: from run.json beside --weights)")
    parser.add_argument("--weights", help="a .weights.h5 file, e.g. runs/zf5_spp/best.weights.h5")
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
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--fc-units", type=int, help="default: from run.json")
    parser.add_argument("--num-classes", type=int, help="default: from run.json, else the data's classes")
    parser.add_argument("--strategy", choices=("default", "mirrored"), default="default")
    parser.add_argument("--out", help="report folder (default: the weights' folder, else the current one)")
    parser.add_argument("--no-check-images", action="store_true")


def run(args):
    """Runs `keras-spp evaluate` with parsed `args`; returns 0 (the report is written and printed)."""
    from training.data import VIEWS

    views = [v.strip() for v in args.views.split(",") if v.strip()]
    if not views or any(v not in VIEWS for v in views):
        raise ValueError(f"--views must be a comma-separated subset of {', '.join(VIEWS)}; got {args.views!r}")
    if args.weights and not os.path.isfile(args.weights):
        raise FileNotFoundError(f"--weights file {args.weights!r} does not exist")
    from training import evaluation

    saved = evaluation.run_config(args.weights)
    name = args.model or saved.get("model")
    if not name:
        raise ValueError("--model is required when there is no run.json beside --weights")
    from training.data import open_splits, resize_side_for
    from training.models import build_models, check_model_name
    from training.run_record import git_commit
    from training.strategy import make_strategy

    check_model_name(name)
    strategy = make_strategy(args.strategy)
    _, split = open_splits(
        args.data, False, args.split, args.data_dir, require_val=True, check_images=not args.no_check_images
    )
    num_classes = args.num_classes or saved.get("num_classes") or len(saved.get("class_names") or split.class_names)
    class_names = evaluation.check_classes(split, saved, num_classes)
    fc_units = args.fc_units or saved.get("fc_units")
    with strategy.scope():
        try:
            model, _ = build_models(name, num_classes, fc_units, weights=args.weights)
        except ValueError as error:
            raise ValueError(
                f"cannot load {args.weights!r} into {name} (num_classes={num_classes}, fc_units={fc_units}): {error}"
            ) from None
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
    )
    for view, metrics in results.items():
        print(
            f"{evaluation.VIEW_NAMES[view]:>40}: top-1 {metrics['top1']:.4f}  top-5 {metrics['top5']:.4f}  "
            f"loss {metrics['loss']:.4f}  ({metrics['count']} images)",
            flush=True,
        )
    report = {
        "model": name,
        "weights": args.weights,
        "data": args.data,
        "split": split.name,
        "num_examples": split.num_examples,
        "skipped": split.skipped,
        "size": args.size,
        "full_size": args.full_size or resize_side_for(args.size),
        "class_names": class_names,
        "views": results,
        "command": sys.argv,
        "git": git_commit(),
    }
    out = args.out or (os.path.dirname(os.path.abspath(args.weights)) if args.weights else ".")
    print(f"wrote {evaluation.write_report(out, report, name)}", flush=True)
    return 0
