"""`keras-spp train`: train a zoo classifier single-size, multi-size or on full images, on any strategy.

    keras-spp train --model zf5_spp --data ../shared/data/imagenette --epochs 30 --batch-size 64 \\
        --sizes 224,180 --strategy mirrored --out runs/zf5_spp

The run folder gets checkpoints/ckpt.npz (resumed automatically, at the same epoch and step),
logs/ (TensorBoard), metrics.csv, curves.png, best.weights.h5 (best val top-1) and run.json.
"""

import difflib
import json
import os
import sys
import time
import types

from training.errors import UsageError, exit_status
from training.strategy import STRATEGIES


def _ints(text, name, count=None):
    try:
        values = tuple(int(v) for v in str(text).split(",") if v.strip())
    except ValueError:
        raise UsageError(f"{name} must be comma-separated integers; got {text!r}") from None
    if not values or (count and len(values) != count) or min(values) <= 0:
        raise UsageError(f"{name} must be {count or 'one or more'} positive integers, comma-separated; got {text!r}")
    return values


def add_arguments(parser):
    data = parser.add_argument_group("data")
    data.add_argument("--model", required=True, help="zoo name, e.g. zf5_spp (see zoo.list_models())")
    data.add_argument("--data", required=True, help="folder with <split>/<class>/*.jpg, or a tfds name")
    data.add_argument("--data-dir", help="tfds data_dir")
    data.add_argument("--train-split", help="default: train")
    data.add_argument("--val-split", help="default: val (folder); validation, else test (tfds)")
    data.add_argument("--no-check-images", action="store_true", help="skip the decode check of every file")
    shape = parser.add_argument_group("input sizes")
    shape.add_argument("--sizes", default="224",
                       help="training sizes, switched every epoch (default 224); stages that grow over the run: "
                            "128,112:20/176,144:16/224,180 (sizes:epochs, the last stage takes the rest)")
    shape.add_argument("--size-range", help="low,high: draw a training size per epoch instead of --sizes")
    shape.add_argument("--crop", type=int, help="crop size before resizing to the epoch's size (default max size)")
    shape.add_argument("--full-image", action="store_true", help="shorter side resized, aspect kept, padded batches")
    shape.add_argument("--max-aspect", type=float, default=2.0, help="full-image: longer side cap (x shorter)")
    shape.add_argument("--jitter", type=float, default=0.1, help="colour jitter strength (0: off)")
    shape.add_argument("--min-area", type=float,
                       help="scale augmentation: crop random windows of at least this fraction of the image "
                            "(aspect 3/4..4/3) instead of the paper's fixed-scale crop; e.g. 0.25")
    run = parser.add_argument_group("optimisation")
    run.add_argument("--epochs", type=int, default=30)
    run.add_argument("--batch-size", type=int, default=64, help="global batch over all replicas")
    run.add_argument("--eval-batch-size", type=int, help="default: --batch-size")
    run.add_argument("--steps-per-epoch", type=int, help="default: one pass over the training split")
    run.add_argument("--optimizer", choices=("sgd", "adamw"), default="sgd")
    run.add_argument("--lr", type=float, default=0.01, help="peak learning rate (paper: 0.01)")
    run.add_argument("--momentum", type=float, default=0.9)
    run.add_argument("--weight-decay", type=float, default=5e-4)
    run.add_argument("--schedule", choices=("cosine", "step", "constant"), default="cosine",
                     help="step: /10 at 50%% and 75%% of the steps")
    run.add_argument("--warmup-epochs", type=float, default=0.0)
    run.add_argument("--label-smoothing", type=float, default=0.0, help="e.g. 0.1 (0: off)")
    run.add_argument("--fc-units", type=int, help="fc6/fc7 width (zoo default: 4096)")
    run.add_argument("--dropout", type=float, help="fc dropout (zoo default)")
    run.add_argument("--weights", help="initial weights: a .weights.h5 file")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--mixed-precision", action="store_true", help="float16 on GPU, bfloat16 on AVX512-BF16 CPUs")
    dist = parser.add_argument_group("distribution and output")
    dist.add_argument("--strategy", choices=STRATEGIES, default="default", help="multi_worker reads TF_CONFIG")
    dist.add_argument("--tpu", help="TPU name or address for --strategy tpu")
    dist.add_argument("--out", help="run folder (default runs/<model>)")
    dist.add_argument("--resume", action="store_true", help="require a checkpoint to resume (resuming is automatic)")
    dist.add_argument("--fresh", action="store_true", help="delete the run folder's checkpoint and start over")
    dist.add_argument("--checkpoint-steps", type=int, default=0, help="also checkpoint every N steps")
    dist.add_argument("--checkpoint-minutes", type=float, default=10.0, help="also checkpoint every N minutes")
    dist.add_argument("--val-examples", type=int, help="validate each epoch on an evenly spaced subset of this size")
    dist.add_argument("--cache-mb", type=float, default=1024, help="cache decoded val views below this size")
    dist.add_argument("--log-every", type=int, default=20, help="steps between TensorBoard step scalars")
    dist.add_argument("--verbose", type=int, choices=(0, 1, 2), help="0 quiet, 1 bar, 2 a line an epoch")


def check_model_name(name):
    """Raises UsageError naming close matches when `name` is not in zoo.list_models()."""
    import zoo

    names = list(zoo.list_models())
    if name not in names:
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        raise UsageError(f"unknown model {name!r}; close matches: {close or 'none'}; all: {', '.join(names)}")


def build_models(name, num_classes, fc_units=None, dropout=None, weights=None, padded=False):
    """(classifier, model the batches go through): the zoo model and, for padded batches, its padded twin."""
    import zoo

    kwargs = {"num_classes": num_classes}
    if fc_units:
        kwargs["fc_units"] = fc_units
    if dropout is not None:
        kwargs["dropout"] = dropout
    if weights:
        kwargs["weights"] = weights
    model = zoo.load(name, **kwargs)
    return model, (zoo.padded_model(model) if padded else model)


def make_optimizer(name, lr, total_steps, schedule="cosine", warmup_steps=0, momentum=0.9, weight_decay=5e-4):
    """SGD with momentum (the paper) or AdamW, with a cosine, step or constant learning-rate schedule."""
    import keras

    warmup_steps = int(min(warmup_steps, max(total_steps - 1, 0)))
    if schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            lr if not warmup_steps else 0.0, max(total_steps - warmup_steps, 1), alpha=0.0,
            warmup_target=lr if warmup_steps else None, warmup_steps=warmup_steps)
    elif schedule == "step":
        rate = keras.optimizers.schedules.PiecewiseConstantDecay(
            [max(int(total_steps * 0.5), 1), max(int(total_steps * 0.75), 2)], [lr, lr / 10, lr / 100])
    else:
        rate = lr
    if name == "sgd":
        return keras.optimizers.SGD(rate, momentum=momentum, weight_decay=weight_decay or None)
    return keras.optimizers.AdamW(rate, weight_decay=weight_decay)


# Every setting that changes the weights a run ends with, and the flag that sets it: a checkpoint resumes only
# under the same values, and a refusal names the flags that differ.
RESUME_FLAGS = {
    "model": "--model", "fc_units": "--fc-units", "dropout": "--dropout", "batch_size": "--batch-size",
    "epoch_sizes": "--sizes/--size-range/--epochs", "crop": "--crop", "full_image": "--full-image",
    "max_aspect": "--max-aspect", "jitter": "--jitter", "min_area": "--min-area", "epochs": "--epochs",
    "steps_per_epoch": "--steps-per-epoch", "optimizer": "--optimizer", "lr": "--lr", "momentum": "--momentum",
    "weight_decay": "--weight-decay", "schedule": "--schedule", "warmup_epochs": "--warmup-epochs",
    "label_smoothing": "--label-smoothing", "weights": "--weights", "seed": "--seed",
    "mixed_precision": "--mixed-precision", "num_classes": "--data (its classes)",
    "train_data": "--data/--train-split (its files)",
}


def resume_key(args, num_classes, sizes=None, train_fingerprint=""):
    """The settings a checkpoint must agree with to be resumed (keys of RESUME_FLAGS)."""
    key = {k: getattr(args, k, None) for k in RESUME_FLAGS if hasattr(args, k)}
    key.update(epoch_sizes=list(sizes or []), num_classes=num_classes, train_data=train_fingerprint)
    return key


def resume_mismatch(saved, now):
    """'--flag: checkpoint X, now Y' for each setting that differs, or '' when the checkpoint may be resumed."""
    return "; ".join(f"{RESUME_FLAGS.get(k, k)}: checkpoint {saved.get(k)!r}, now {v!r}"
                     for k, v in now.items() if saved.get(k) != v)


def run(args):
    return exit_status("train", train, args)


def train(args):
    """Runs `keras-spp train` with parsed `args`; returns the final state dict (history, best, ...)."""
    from training.strategy import is_chief, make_strategy, mixed_precision_policy, worker_info

    started = time.time()
    if args.size_range:
        args.size_range = list(_ints(args.size_range, "--size-range", 2))
    for name in ("epochs", "batch_size"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive; got {getattr(args, name)}")
    if args.min_area is not None and not 0 < args.min_area <= 1:
        raise UsageError(f"--min-area must be in (0, 1]; got {args.min_area}")
    if not 0 <= args.label_smoothing < 1:
        raise UsageError(f"--label-smoothing must be in [0, 1); got {args.label_smoothing}")
    if args.steps_per_epoch is not None and args.steps_per_epoch <= 0:
        raise UsageError(f"--steps-per-epoch must be positive; got {args.steps_per_epoch}")
    strategy = make_strategy(args.strategy, args.tpu)  # first TF op: multi_worker needs it before the runtime
    check_model_name(args.model)  # after: listing the zoo's presets builds a backbone, which starts the runtime
    from training.data.pipeline import parse_size_stages  # after the strategy: importing it starts TF

    stages = parse_size_stages(args.sizes)
    if len(stages) == 1:
        args.sizes = list(stages[0][0])

    import keras

    from training import checkpoint as ckpt
    from training.data import epoch_sizes, open_splits, subsample

    run = types.SimpleNamespace(strategy=strategy, chief=is_chief(strategy), replicas=strategy.num_replicas_in_sync,
                                started=started, out=args.out or os.path.join("runs", args.model))
    _, run.task_id, run.num_workers = worker_info(strategy)
    if args.batch_size % run.replicas:
        raise UsageError(f"--batch-size {args.batch_size} must be a multiple of the {run.replicas} replicas")
    if os.path.exists(run.out) and not os.path.isdir(run.out):
        raise UsageError(f"--out {run.out!r} exists and is not a folder")
    os.makedirs(run.out, exist_ok=True)
    if args.resume and args.fresh:
        raise UsageError("--resume (continue the checkpoint) and --fresh (start over) contradict each other; pass one")
    if args.fresh and run.chief and os.path.exists(ckpt.checkpoint_path(run.out)):
        os.remove(ckpt.checkpoint_path(run.out))
    if args.resume and not os.path.exists(ckpt.checkpoint_path(run.out)):
        raise UsageError(f"--resume: no checkpoint at {ckpt.checkpoint_path(run.out)!r}")
    run.train_split, run.val_split = open_splits(args.data, args.train_split, args.val_split, args.data_dir,
                                                 check_images=not args.no_check_images)
    if run.val_split is not None and args.val_examples:
        run.val_split = subsample(run.val_split, args.val_examples)
    run.num_classes = len(run.train_split.class_names)
    run.sizes = epoch_sizes(args.epochs, stages if len(stages) > 1 else args.sizes, args.size_range, args.seed)
    run.steps_per_epoch = args.steps_per_epoch or max(1, run.train_split.num_examples // args.batch_size)
    run.policy = mixed_precision_policy() if args.mixed_precision else "float32"
    previous_policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(run.policy)
    try:
        return _fit(args, run)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)


def _fit(args, run):
    import keras

    from training import checkpoint as ckpt
    from training import plots, run_record
    from training.data import eval_dataset, train_dataset
    from training.loop import ClassifierSteps, Trainer, weights_sha256

    strategy, out, replicas, chief = run.strategy, run.out, run.replicas, run.chief
    train_split, val_split, sizes, steps_per_epoch = run.train_split, run.val_split, run.sizes, run.steps_per_epoch
    num_classes, policy = run.num_classes, run.policy
    keras.utils.set_random_seed(args.seed)
    with strategy.scope():
        model, train_model = build_models(args.model, num_classes, args.fc_units, args.dropout, args.weights,
                                          padded=args.full_image)
        optimizer = make_optimizer(args.optimizer, args.lr, args.epochs * steps_per_epoch, args.schedule,
                                   args.warmup_epochs * steps_per_epoch, args.momentum, args.weight_decay)
        if policy == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        optimizer.build(train_model.trainable_variables)

    key = resume_key(args, num_classes, sizes, train_split.fingerprint)
    state = {"epoch": 0, "step": 0, "history": [], "best": None, "partial": None, "config": key}
    path = ckpt.checkpoint_path(out)
    if os.path.exists(path):
        saved = ckpt.read_state(path)
        diff = resume_mismatch(saved["config"], key)
        if diff:
            raise UsageError(f"checkpoint {path!r} was written with other settings ({diff}); pass the same values "
                             "to resume, or use another --out, or --fresh to start over")
        state = ckpt.restore_checkpoint(path, model.variables, optimizer.variables)
        state.pop("model_variables", None), state.pop("optimizer_variables", None)
        if chief:
            print(f"resuming {out} at epoch {state['epoch'] + 1}, step {state['step']}", flush=True)

    def train_data(start_epoch, start_step):
        def fn(ctx):
            return train_dataset(
                train_split, sizes=sizes, steps_per_epoch=steps_per_epoch,
                per_replica_batch=ctx.get_per_replica_batch_size(args.batch_size),
                replicas_per_pipeline=replicas // ctx.num_input_pipelines, seed=args.seed,
                start_epoch=start_epoch, start_step=start_step, full_image=args.full_image, crop=args.crop,
                max_aspect=args.max_aspect, jitter=args.jitter, min_area=args.min_area,
                num_shards=ctx.num_input_pipelines,
                shard_index=ctx.input_pipeline_id)

        return strategy.distribute_datasets_from_function(fn)

    val_data = None
    if val_split is not None:
        eval_batch = max(replicas, (args.eval_batch_size or args.batch_size) // replicas * replicas)
        view, size = ("full" if args.full_image else "center"), max(sizes)

        def val_fn(ctx):
            return eval_dataset(val_split, view=view, size=size, per_replica_batch=ctx.get_per_replica_batch_size(eval_batch),
                                replicas_per_pipeline=replicas // ctx.num_input_pipelines,
                                num_shards=ctx.num_input_pipelines, shard_index=ctx.input_pipeline_id,
                                max_aspect=args.max_aspect, cache_bytes=args.cache_mb * 2**20)

        val_data = strategy.distribute_datasets_from_function(val_fn)

    def on_epoch_end(state):
        run_record.write_metrics_csv(os.path.join(out, "metrics.csv"), state["history"])
        plots.plot_training_curves(state["history"], os.path.join(out, "curves.png"), title=f"{args.model} {out}")

    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    if chief and verbose:
        val_text = f"{val_split.num_examples} val images" if val_split else "no validation"
        print(f"{args.model}: {train_split.num_examples} training images ({train_split.skipped} skipped), {val_text}, "
              f"{num_classes} classes; {args.epochs} epochs x {steps_per_epoch} steps of {args.batch_size} "
              f"on {replicas} replica(s) x {run.num_workers} worker(s); sizes {sorted(set(sizes))}"
              f"{' full image' if args.full_image else ''}; {policy}; writing to {out}", flush=True)
    steps = ClassifierSteps(strategy, model, train_model, optimizer, args.batch_size, args.label_smoothing)
    trainer = Trainer(steps, train_data, val_data, train_model if args.full_image else model, args.epochs,
                      steps_per_epoch, out, state, chief=chief, checkpoint_steps=args.checkpoint_steps,
                      checkpoint_minutes=args.checkpoint_minutes, verbose=verbose, log_every=args.log_every,
                      on_epoch_end=on_epoch_end)
    state = trainer.run()
    digest = weights_sha256(model)
    print(f"worker {run.task_id}: final weights sha256 {digest}", flush=True)
    if chief:
        if state["history"]:
            on_epoch_end(state)
        write_run_json(args, run, state, digest)
    if run.num_workers > 1:
        barrier(strategy)  # workers leave together: the chief's coordination service must not see them go early
    return state


def write_run_json(args, run, state, digest):
    """`<out>/run.json`: command, config, data, schedule, strategy, metrics, weights hash, git commit."""
    from training import checkpoint as ckpt
    from training import run_record

    train_split, val_split = run.train_split, run.val_split
    record = {
        "command": run_record.command_line(),
        "config": dict(vars(args)),
        "model": args.model,
        "num_classes": run.num_classes,
        "fc_units": args.fc_units,
        "class_names": train_split.class_names,
        "data": {"train": train_split.name, "train_examples": train_split.num_examples,
                 "train_skipped": train_split.skipped,
                 "val": val_split.name if val_split else None,
                 "val_examples": val_split.num_examples if val_split else 0,
                 "val_skipped": val_split.skipped if val_split else 0},
        "epoch_sizes": run.sizes,
        "steps_per_epoch": run.steps_per_epoch,
        "strategy": {"name": args.strategy, "replicas": run.replicas, "workers": run.num_workers},
        "precision": run.policy,
        "metrics": {"best": state["best"], "final": state["history"][-1] if state["history"] else None,
                    "history": state["history"]},
        "weights": {"best": "best.weights.h5", "final_sha256": digest},
        "git": run_record.git_commit(),
        "environment": run_record.environment(),
        "wall_seconds_this_session": time.time() - run.started,
    }
    path = os.path.join(run.out, "run.json")
    ckpt.atomic_write_text(path, json.dumps(record, indent=2, default=str) + "\n")
    best = state["best"]["epoch"] if state["best"] else "-"
    print(f"wrote {os.path.join(run.out, 'best.weights.h5')} (epoch {best}) and {path}", flush=True)


def barrier(strategy):
    """Blocks until every worker of `strategy` gets here (a one-number all-reduce)."""
    import tensorflow as tf

    @tf.function
    def all_reduce():
        return strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)

    return float(all_reduce())
