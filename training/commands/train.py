"""`keras-spp train`: train a zoo classifier single-size, multi-size or on full images, on any strategy.

    keras-spp train --model zf5_spp --data ../shared/data/imagenette --epochs 30 --batch-size 64 \\
        --sizes 224,180 --strategy mirrored --out runs/zf5_spp

The run folder gets checkpoints/ckpt.npz (resumed automatically, at the same epoch and step),
logs/ (TensorBoard), metrics.csv, curves.png, best.weights.h5 (best val top-1), final.weights.h5 (the last
epoch) and run.json.
"""

import dataclasses

from training.optimizers import OPTIMIZERS, SCHEDULES
from training.strategy import STRATEGIES
from training.train_classifier import TrainConfig, train

# Settings that are no flag of their own, as a refusal to resume names them.
FLAG_NAMES = {
    "epoch_sizes": "--sizes/--size-range/--epochs",
    "num_classes": "--data (its classes)",
    "train_data": "--data/--train-split (its files)",
}


def add_arguments(parser):
    data = parser.add_argument_group("data")
    data.add_argument("--model", help="zoo name, e.g. zf5_spp (see zoo.list_models()); implied by a preset --weights")
    data.add_argument("--data", required=True, help="folder with <split>/<class>/*.jpg, or a tfds name")
    data.add_argument("--data-dir", help="tfds data_dir")
    data.add_argument("--train-split", help="default: train")
    data.add_argument("--val-split", help="default: val (folder); validation, else test (tfds)")
    data.add_argument("--no-check-images", action="store_true", help="skip the decode check of every file")
    shape = parser.add_argument_group("input sizes")
    shape.add_argument(
        "--sizes",
        default="224",
        help="training sizes, switched every epoch (default 224); stages that grow over the run: "
        "128,112:20/176,144:16/224,180 (sizes:epochs, the last stage takes the rest)",
    )
    shape.add_argument("--size-range", help="low,high: draw a training size per epoch instead of --sizes")
    shape.add_argument("--crop", type=int, help="crop size before resizing to the epoch's size (default max size)")
    shape.add_argument("--full-image", action="store_true", help="shorter side resized, aspect kept, padded batches")
    shape.add_argument("--max-aspect", type=float, help="full-image: longer side cap (x shorter)")
    shape.add_argument("--jitter", type=float, help="colour jitter strength (0: off)")
    shape.add_argument(
        "--min-area",
        type=float,
        help="scale augmentation: crop random windows of at least this fraction of the image "
        "(aspect 3/4..4/3) instead of the paper's fixed-scale crop; e.g. 0.25",
    )
    run = parser.add_argument_group("optimisation")
    run.add_argument("--epochs", type=int, help="passes over the training split")
    run.add_argument("--batch-size", type=int, help="global batch over all replicas")
    run.add_argument("--eval-batch-size", type=int, help="default: --batch-size")
    run.add_argument("--steps-per-epoch", type=int, help="default: one pass over the training split")
    run.add_argument("--optimizer", choices=OPTIMIZERS, help="sgd: momentum SGD as in the paper")
    run.add_argument("--lr", type=float, help="peak learning rate (paper: 0.01)")
    run.add_argument("--momentum", type=float, help="sgd momentum")
    run.add_argument("--weight-decay", type=float, help="L2 (sgd) or decoupled (adamw) weight decay")
    run.add_argument("--schedule", choices=SCHEDULES, help="step: /10 at 50%% and 75%% of the steps")
    run.add_argument("--warmup-epochs", type=float, help="linear learning-rate warm-up")
    run.add_argument("--label-smoothing", type=float, help="e.g. 0.1 (0: off)")
    run.add_argument("--fc-units", type=int, help="fc6/fc7 width (zoo default: 4096)")
    run.add_argument("--dropout", type=float, help="fc dropout (zoo default)")
    run.add_argument(
        "--weights",
        help="initial weights: a preset (fine-tuning: e.g. zf5_spp.imagenette, --model implied, a new classifier "
        "for the data's classes), a run folder or a .weights.h5 file",
    )
    run.add_argument("--weights-sha256", help="expected sha256 of the --weights file (refused if it differs)")
    run.add_argument(
        "--freeze-backbone-epochs",
        type=int,
        help="epochs that train only the fc layers before every layer trains "
        "(default: 1 when the classifier is new, e.g. a preset on other classes; else 0)",
    )
    run.add_argument("--seed", type=int, help="weights, data order and augmentation")
    run.add_argument("--mixed-precision", action="store_true", help="float16 on GPU, bfloat16 on AVX512-BF16 CPUs")
    dist = parser.add_argument_group("distribution and output")
    dist.add_argument("--strategy", choices=STRATEGIES, help="multi_worker reads TF_CONFIG")
    dist.add_argument("--tpu", help="TPU name or address for --strategy tpu")
    dist.add_argument("--out", help="run folder (default runs/<model>)")
    dist.add_argument("--resume", action="store_true", help="require a checkpoint to resume (resuming is automatic)")
    dist.add_argument("--fresh", action="store_true", help="delete the run folder's checkpoint and start over")
    dist.add_argument("--checkpoint-steps", type=int, help="also checkpoint every N steps")
    dist.add_argument("--checkpoint-minutes", type=float, help="also checkpoint every N minutes")
    dist.add_argument("--val-examples", type=int, help="validate each epoch on an evenly spaced subset of this size")
    dist.add_argument("--cache-mb", type=float, help="cache decoded val views below this size")
    dist.add_argument("--log-every", type=int, help="steps between TensorBoard step scalars")
    dist.add_argument("--verbose", type=int, choices=(0, 1, 2), help="0 quiet, 1 bar, 2 a line an epoch")
    # The defaults are TrainConfig's (written once); --sizes keeps its text default, parsed below.
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig) if f.default is not dataclasses.MISSING}
    parser.set_defaults(**{k: v for k, v in defaults.items() if k != "sizes"})


def run(args):
    train_from_args(args)
    return 0


def train_from_args(args):
    """Checks and parses the flags, then trains; returns the final state dict."""
    for name in ("epochs", "batch_size"):
        if getattr(args, name) <= 0:
            raise ValueError(f"--{name.replace('_', '-')} must be positive; got {getattr(args, name)}")
    if args.steps_per_epoch is not None and args.steps_per_epoch <= 0:
        raise ValueError(f"--steps-per-epoch must be positive; got {args.steps_per_epoch}")
    size_range = list(parse_ints(args.size_range, "--size-range", 2)) if args.size_range else None
    stages = parse_size_stages(args.sizes, args.epochs)
    sizes = list(stages[0][0]) if len(stages) == 1 else stages
    return train(TrainConfig(**{**vars(args), "sizes": sizes, "size_range": size_range}))


def parse_ints(text, flag, count=None):
    """`"224,180"` -> (224, 180); ValueError naming `flag` unless `count` (or any number of) positive ints."""
    try:
        values = tuple(int(v) for v in str(text).split(",") if v.strip())
    except ValueError:
        raise ValueError(f"{flag} must be comma-separated integers; got {text!r}") from None
    if not values or (count and len(values) != count) or min(values) <= 0:
        raise ValueError(f"{flag} must be {count or 'one or more'} positive integers, comma-separated; got {text!r}")
    return values


def parse_size_stages(text, epochs=None):
    """Parses `--sizes`: stages separated by `/`, each `s1,s2,...[:epochs]` -> [((s1, s2, ...), epochs or None)].

    With `epochs`, the stages' counts are checked against it (only the last stage may leave its count out).

    Example:
    >>> parse_size_stages("128,112:20/176,144:16/224,180")
    [((128, 112), 20), ((176, 144), 16), ((224, 180), None)]
    """
    stages = []
    for part in str(text).split("/"):
        sizes_text, _, epochs_text = part.partition(":")
        try:
            sizes = tuple(int(v) for v in sizes_text.split(",") if v.strip())
            count = int(epochs_text) if epochs_text.strip() else None
        except ValueError:
            raise ValueError(
                f"--sizes must be comma-separated integers; got {text!r} (stages: 128,112:20/224,180)"
            ) from None
        if not sizes or min(sizes) <= 0 or (count is not None and count <= 0):
            raise ValueError(
                f"--sizes must be one or more positive integers (a stage: sizes:epochs, epochs > 0); got {text!r}"
            )
        stages.append((sizes, count))
    counted = sum(n for _, n in stages if n is not None)
    if any(n is None for _, n in stages[:-1]):
        raise ValueError(f"--sizes: only the last stage may leave out its epoch count; got {text!r}")
    if epochs is not None and len(stages) > 1 and (counted > epochs or (stages[-1][1] and counted != epochs)):
        raise ValueError(f"--sizes: the stages' epochs ({counted}) must add up to --epochs ({epochs})")
    return stages


def format_size_stages(sizes):
    """The `--sizes` text of a run.json's `sizes` (the inverse of `parse_size_stages`).

    Example:
    >>> format_size_stages([[[128, 112], 20], [[224, 180], None]]), format_size_stages([224, 180])
    ('128,112:20/224,180', '224,180')
    """
    if sizes and isinstance(sizes[0], (list, tuple)):
        return "/".join(",".join(map(str, s)) + (f":{n}" if n else "") for s, n in sizes)
    return ",".join(map(str, sizes))
