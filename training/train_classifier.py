"""Training a zoo classifier: single-size, multi-size or on full images, on any tf.distribute strategy.

`train(TrainConfig(model="zf5_spp", data="data/imagenette", sizes=[224, 180]))` writes checkpoints/ckpt.npz
(resumed at the same epoch and step), logs/, metrics.csv, curves.png, best.weights.h5 and run.json.
"""

import dataclasses
import os
import sys
import time

from training.files import remove_stale_temp_files, run_folder
from training.train_config import RESUME_KEYS, ResumeMismatch, TrainConfig, resume_key

# The config and the resume key live in training.train_config; they are imported from here too.
__all__ = ["RESUME_KEYS", "ResumeMismatch", "Run", "TrainConfig", "resume_key", "train"]


@dataclasses.dataclass
class Run:
    """What `train` works out before the first step: devices, data, schedule and the run folder."""

    strategy: object
    chief: bool
    replicas: int
    task_id: int
    num_workers: int
    out: str
    train_split: object
    val_split: object
    num_classes: int
    sizes: list
    steps_per_epoch: int
    policy: str
    started: float


def train(config):
    """Runs a training run; returns the final state dict (epoch, step, history, best, ...)."""
    with run_folder(config.out or os.path.join("runs", config.model)) as out:  # a refused run leaves no folder
        return _train(config, out)


def _train(config, out):
    from training.models import check_model_name
    from training.strategy import is_chief, make_strategy, mixed_precision_policy, worker_info

    started = time.time()
    strategy = make_strategy(config.strategy, config.tpu)  # first TF op: multi_worker needs it before the runtime
    check_model_name(config.model)
    import keras

    from training import checkpoint as ckpt
    from training.data import epoch_sizes, open_splits, subsample
    from training.data.image_files import corrupt_file_error

    replicas = strategy.num_replicas_in_sync
    if config.batch_size % replicas:
        raise ValueError(f"`batch_size` {config.batch_size} must be a multiple of the {replicas} replicas")
    chief, path = is_chief(strategy), ckpt.checkpoint_path(out)
    for stale in remove_stale_temp_files(out, os.path.dirname(path)) if chief else []:  # issue 10, item 12
        print(f"removed {stale}: the temporary file of a killed writer", flush=True)
    if config.fresh and chief and os.path.exists(path):
        os.remove(path)
    if config.resume and not os.path.exists(path):
        raise FileNotFoundError(f"`resume`: no checkpoint at {path!r}")
    train_split, val_split = open_splits(
        config.data, config.train_split, config.val_split, config.data_dir, check_images=not config.no_check_images
    )
    if val_split is not None and config.val_examples:
        val_split = subsample(val_split, config.val_examples)
    _, task_id, num_workers = worker_info(strategy)
    run = Run(
        strategy, chief, replicas, task_id, num_workers, out, train_split, val_split,
        num_classes=len(train_split.class_names),
        sizes=epoch_sizes(config.epochs, config.sizes, config.size_range, config.seed),
        steps_per_epoch=config.steps_per_epoch or max(1, train_split.num_examples // config.batch_size),
        policy=mixed_precision_policy() if config.mixed_precision else "float32",
        started=started,
    )  # fmt: skip
    previous_policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(run.policy)
    try:
        return _fit(config, run)
    except Exception as error:  # with `no_check_images`, a corrupt file fails a step: name it (issue 10, item 14)
        if corrupt_file_error(error) is None:
            raise
        raise corrupt_file_error(error) from None
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)


def _fit(config, run):
    import keras

    from training import checkpoint as ckpt
    from training import plots, run_record
    from training.data import eval_dataset, train_dataset
    from training.fine_tune import frozen_epochs, parent_of
    from training.loop import Trainer
    from training.models import build_models
    from training.optimizers import make_optimizer
    from training.steps import ClassifierSteps, weights_sha256
    from training.strategy import barrier

    strategy, steps_per_epoch = run.strategy, run.steps_per_epoch
    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        model, train_model = build_models(
            config.model,
            run.num_classes,
            config.fc_units,
            config.dropout,
            config.weights,
            padded=config.full_image,
            weights_sha256=config.weights_sha256,
        )
        optimizer = make_optimizer(
            config.optimizer,
            config.lr,
            config.epochs * steps_per_epoch,
            config.schedule,
            config.warmup_epochs * steps_per_epoch,
            config.momentum,
            config.weight_decay,
        )
        if run.policy == "mixed_float16":
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        optimizer.build(train_model.trainable_variables)

    freeze = frozen_epochs(config, model)
    key = resume_key(config, run.num_classes, run.sizes, run.train_split.fingerprint, freeze)
    state = {"epoch": 0, "step": 0, "history": [], "best": None, "partial": None, "config": key}
    path = ckpt.checkpoint_path(run.out)
    if os.path.exists(path):
        saved = ckpt.read_state(path)["config"]
        differences = {k: (saved.get(k), v) for k, v in key.items() if saved.get(k) != v}
        if differences:
            raise ResumeMismatch(path, differences)
        state = ckpt.restore_checkpoint(path, model.variables, optimizer.variables)
        state.pop("model_variables", None), state.pop("optimizer_variables", None)
        if run.chief:
            print(f"resuming {run.out} at epoch {state['epoch'] + 1}, step {state['step']}", flush=True)

    def train_data(start_epoch, start_step):
        def fn(ctx):
            return train_dataset(
                run.train_split,
                sizes=run.sizes,
                steps_per_epoch=steps_per_epoch,
                per_replica_batch=ctx.get_per_replica_batch_size(config.batch_size),
                replicas_per_pipeline=run.replicas // ctx.num_input_pipelines,
                seed=config.seed,
                start_epoch=start_epoch,
                start_step=start_step,
                full_image=config.full_image,
                crop=config.crop,
                max_aspect=config.max_aspect,
                jitter=config.jitter,
                min_area=config.min_area,
                num_shards=ctx.num_input_pipelines,
                shard_index=ctx.input_pipeline_id,
            )

        return strategy.distribute_datasets_from_function(fn)

    val_data = None
    if run.val_split is not None:
        eval_batch = max(run.replicas, (config.eval_batch_size or config.batch_size) // run.replicas * run.replicas)
        view, size = ("full" if config.full_image else "center"), max(run.sizes)

        def val_fn(ctx):
            return eval_dataset(
                run.val_split,
                view=view,
                size=size,
                per_replica_batch=ctx.get_per_replica_batch_size(eval_batch),
                replicas_per_pipeline=run.replicas // ctx.num_input_pipelines,
                num_shards=ctx.num_input_pipelines,
                shard_index=ctx.input_pipeline_id,
                max_aspect=config.max_aspect,
                cache_bytes=config.cache_mb * 2**20,
            )

        val_data = strategy.distribute_datasets_from_function(val_fn)

    def on_epoch_end(state):
        run_record.write_metrics_csv(os.path.join(run.out, "metrics.csv"), state["history"])
        plots.plot_training_curves(
            state["history"], os.path.join(run.out, "curves.png"), title=f"{config.model} {run.out}"
        )

    verbose = config.verbose if config.verbose is not None else (1 if sys.stdout.isatty() else 2)
    if run.chief and verbose:
        print(run_record.summary_line(config, run), flush=True)
    steps = ClassifierSteps(strategy, model, train_model, optimizer, config.batch_size, config.label_smoothing)
    trainer = Trainer(
        steps,
        train_data,
        val_data,
        train_model if config.full_image else model,
        config.epochs,
        steps_per_epoch,
        run.out,
        state,
        chief=run.chief,
        checkpoint_steps=config.checkpoint_steps,
        checkpoint_minutes=config.checkpoint_minutes,
        verbose=verbose,
        log_every=config.log_every,
        on_epoch_end=on_epoch_end,
        freeze_epochs=freeze,
        frozen_layers=[layer for layer in model.layers if isinstance(layer, keras.Model)],
    )
    state = trainer.run()
    digest = weights_sha256(model)
    print(f"worker {run.task_id}: final weights sha256 {digest}", flush=True)
    if run.chief:
        if state["history"]:
            on_epoch_end(state)
        final = save_final_weights(model, run.out) if state["history"] else None
        run_record.write_run_json(config, run, state, digest, model, parent_of(config), freeze, final)
    if run.num_workers > 1:
        barrier(strategy)  # workers leave together: the chief's coordination service must not see them go early
    return state


def save_final_weights(model, out):
    """`<out>/final.weights.h5`: the last epoch's weights beside the best one's (a file chosen by no
    validation score; the whole val split stays unseen); returns the sha256 of its bytes."""
    from training.files import atomic_save
    from zoo.weights import sha256_of

    path = os.path.join(out, "final.weights.h5")
    atomic_save(path, model.save_weights)
    return sha256_of(path)
