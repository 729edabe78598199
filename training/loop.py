"""The training loop: `strategy.run` + `tf.nn.compute_average_loss`, one code path for every strategy.

Keras 3 `fit` fails under MultiWorkerMirroredStrategy (keras-team/keras#20585: a `PerReplica` reaches
`_maybe_symbolic_build`), so this loop is used everywhere: default, mirrored, multi-worker and TPU.
The steps themselves are `training.steps.ClassifierSteps`. Checkpoints (BackupAndRestore semantics: same
epoch, same step, same optimizer state), TensorBoard logs, progress bars, the best weights (and their sha256)
and the frozen backbone of fine-tuning's first epochs are handled here; only the chief writes.
"""

import os
import time

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from training import checkpoint as ckpt
from training import run_record
from training.files import atomic_save
from zoo.weights import sha256_of

# tf.summary.scalar needs the tensorboard package (tensorflow-cpu does not bring it); tf.summary.write with
# the scalars plugin's metadata writes the very same event, readable by TensorBoard.
_SCALAR_METADATA = summary_pb2.SummaryMetadata(
    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"),
    data_class=summary_pb2.DATA_CLASS_SCALAR,
).SerializeToString()


def evaluate_sums(step, dataset):
    """Runs an eval step (`ClassifierSteps.traced(spec, model)`) over a distributed dataset ->
    {"loss", "top1", "top5", "count"}."""
    totals = np.zeros(4)
    for batch in dataset:
        totals += np.array([float(v) for v in step(batch)])
    count = max(totals[3], 1.0)
    return {
        "loss": float(totals[0] / count),
        "top1": float(totals[1] / count),
        "top5": float(totals[2] / count),
        "count": int(totals[3]),
    }


class Trainer:
    """Runs epochs `state["epoch"] .. epochs - 1` of a `ClassifierSteps`, checkpointing and logging.

    Args:
        steps: a `ClassifierSteps`.
        train_data: callable `(start_epoch, start_step) -> distributed dataset` of training batches covering
            all remaining epochs, each exactly `steps_per_epoch` steps.
        val_data: a distributed eval dataset (`eval_dataset` batches), or None.
        val_model: the model that takes val_data's inputs (the padded twin for full-image batches).
        epochs, steps_per_epoch: the schedule.
        out_dir: run folder (checkpoints/, logs/, best.weights.h5, metrics.csv).
        state: the progress dict (fresh or restored): epoch, step, history, best, partial, config.
        chief: whether this process writes.
        checkpoint_steps: also checkpoint every this many steps (0: epoch ends only).
        checkpoint_minutes: also checkpoint when this long has passed since the last one (0: never).
        verbose: 0 silent, 1 progress bar, 2 one line an epoch.
        log_every: steps between TensorBoard step scalars.
        on_epoch_end: optional callable(state) after each epoch's checkpoint (chief only), e.g. for plots.
        freeze_epochs: the first this many epochs train with `frozen_layers` frozen (fine-tuning a new
            classifier on a trained backbone), the rest train every layer.
        frozen_layers: the layers (e.g. the backbone) frozen during `freeze_epochs`.
    """

    def __init__(
        self,
        steps,
        train_data,
        val_data,
        val_model,
        epochs,
        steps_per_epoch,
        out_dir,
        state,
        chief=True,
        checkpoint_steps=0,
        checkpoint_minutes=10.0,
        verbose=1,
        log_every=20,
        on_epoch_end=None,
        freeze_epochs=0,
        frozen_layers=(),
    ):
        self.steps, self.train_data, self.val_data, self.val_model = steps, train_data, val_data, val_model
        self.epochs, self.steps_per_epoch, self.out_dir, self.state = epochs, steps_per_epoch, out_dir, state
        self.chief, self.verbose, self.log_every = chief, verbose, log_every
        self.checkpoint_steps, self.checkpoint_minutes = checkpoint_steps, checkpoint_minutes
        self.on_epoch_end = on_epoch_end
        self.freeze_epochs, self.frozen_layers = freeze_epochs, list(frozen_layers)
        self.writer = None
        if chief:
            self.writer = tf.summary.create_file_writer(os.path.join(out_dir, "logs"))

    def save(self):
        if self.chief:
            model_vars, opt_vars = self.steps.model.variables, self.steps.optimizer.variables
            ckpt.save_checkpoint(ckpt.checkpoint_path(self.out_dir), model_vars, opt_vars, self.state)
        self.last_save = time.monotonic()

    def save_best(self):
        """Writes best.weights.h5 and records its sha256 (of the file's bytes) in the state and run.json."""
        if self.chief:
            path = os.path.join(self.out_dir, "best.weights.h5")
            atomic_save(path, self.steps.model.save_weights)
            self.state["best"]["sha256"] = sha256_of(path)
            run_record.record_weights_sha256(self.out_dir, os.path.basename(path), self.state["best"]["sha256"])

    def _train_step(self, steps_by_phase, element_spec, epoch):
        """The train step of `epoch`: traced once per phase (frozen layers or all), as trainable variables
        are read when a step is traced."""
        frozen = epoch < self.freeze_epochs
        for layer in self.frozen_layers:
            layer.trainable = not frozen
        if frozen not in steps_by_phase:
            steps_by_phase[frozen] = self.steps.traced(element_spec)
            if frozen and self.chief and self.verbose:
                names = ", ".join(layer.name for layer in self.frozen_layers)
                first = "epoch 1" if self.freeze_epochs == 1 else f"epochs 1-{self.freeze_epochs}"
                print(f"{first}: {names} frozen (the new classifier learns first), then every layer trains", flush=True)
        return steps_by_phase[frozen]

    def _scalars(self, prefix, values, step):
        if self.writer is None:
            return
        with self.writer.as_default(step=step):
            for name, value in values.items():
                tf.summary.write(f"{prefix}/{name}", tf.constant(value, tf.float32), metadata=_SCALAR_METADATA)

    def _lr(self):
        opt = getattr(self.steps.optimizer, "inner_optimizer", self.steps.optimizer)
        return float(keras.ops.convert_to_numpy(opt.learning_rate))

    def run(self):
        state = self.state
        start_epoch, start_step = state["epoch"], state["step"]
        self.last_save = time.monotonic()
        if start_epoch >= self.epochs:
            return state
        dataset = self.train_data(start_epoch, start_step)
        steps_by_phase = {}
        if self.val_data is not None:
            eval_step = self.steps.traced(self.val_data.element_spec, self.val_model)
        iterator = iter(dataset)
        for epoch in range(start_epoch, self.epochs):
            first = start_step if epoch == start_epoch else 0
            partial = state.get("partial") if epoch == start_epoch and first else None
            sums = np.array(partial["sums"] if partial else [0.0, 0.0, 0.0])
            shapes = set(tuple(s) for s in (partial["shapes"] if partial else []))
            seconds = partial["seconds"] if partial else 0.0
            bar = keras.utils.Progbar(
                self.steps_per_epoch, verbose=self.verbose if self.chief else 0, stateful_metrics=["loss", "acc", "lr"]
            )
            if self.verbose and self.chief:
                print(f"Epoch {epoch + 1}/{self.epochs}" + (f" (resumed at step {first})" if first else ""), flush=True)
            if first:
                bar.update(first)
            train_step = self._train_step(steps_by_phase, dataset.element_spec, epoch)
            tick = time.monotonic()
            for step in range(first, self.steps_per_epoch):
                batch = next(iterator)
                images = batch[0]["images"] if isinstance(batch[0], dict) else batch[0]
                shapes.add(tuple(int(d) for d in self.steps.strategy.experimental_local_results(images)[0].shape[1:3]))
                values = np.array([float(v) for v in train_step(batch)])
                sums += values
                global_step = epoch * self.steps_per_epoch + step + 1
                state.update(epoch=epoch, step=step + 1)
                loss, acc = values[0] / max(values[2], 1), values[1] / max(values[2], 1)
                bar.update(step + 1, [("loss", sums[0] / sums[2]), ("acc", sums[1] / sums[2]), ("lr", self._lr())])
                if global_step % self.log_every == 0:
                    self._scalars("step", {"loss": loss, "accuracy": acc, "learning_rate": self._lr()}, global_step)
                now = time.monotonic()
                due = (self.checkpoint_steps and global_step % self.checkpoint_steps == 0) or (
                    self.checkpoint_minutes and now - self.last_save > 60 * self.checkpoint_minutes
                )
                if due and step + 1 < self.steps_per_epoch:
                    state["partial"] = {
                        "sums": sums.tolist(),
                        "shapes": sorted(shapes),
                        "seconds": seconds + now - tick,
                    }
                    self.save()
            seconds += time.monotonic() - tick
            record = {
                "epoch": epoch + 1,
                "loss": float(sums[0] / sums[2]),
                "accuracy": float(sums[1] / sums[2]),
                "input_shapes": [list(s) for s in sorted(shapes)],
                "seconds": seconds,
                "images_per_second": float(sums[2] / max(seconds, 1e-9)),
                "learning_rate": self._lr(),
            }
            if self.val_data is not None:
                val = evaluate_sums(eval_step, self.val_data)
                record.update({f"val_{k}": v for k, v in val.items() if k != "count"})
            self._scalars("epoch", {k: v for k, v in record.items() if isinstance(v, float)}, epoch + 1)
            state["history"].append(record)
            metric = float(record.get("val_top1", epoch + 1))  # without validation the last epoch is best
            improved = state.get("best") is None or metric > state["best"]["metric"]
            if improved:
                state["best"] = {
                    "epoch": epoch + 1,
                    "metric": metric,
                    "name": "val_top1" if "val_top1" in record else "epoch",
                }
                self.save_best()
            state.update(epoch=epoch + 1, step=0, partial=None)
            self.save()
            if self.chief and self.verbose:
                text = " - ".join(f"{k}: {v:.4f}" for k, v in record.items() if isinstance(v, float) and k != "seconds")
                print(
                    f"epoch {epoch + 1}: {text} - input {sorted(shapes)}" + (" *best*" if improved else ""), flush=True
                )
            if self.chief and self.on_epoch_end:
                self.on_epoch_end(state)
        for layer in self.frozen_layers:
            layer.trainable = True
        if self.writer is not None:
            self.writer.flush()
        return state
