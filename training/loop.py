"""The training loop: `strategy.run` + `tf.nn.compute_average_loss`, one code path for every strategy.

Keras 3 `fit` fails under MultiWorkerMirroredStrategy (keras-team/keras#20585: a `PerReplica` reaches
`_maybe_symbolic_build`), so this loop is used everywhere: default, mirrored, multi-worker and TPU.
Checkpoints (BackupAndRestore semantics: same epoch, same step, same optimizer state), TensorBoard logs,
progress bars and the best weights are handled here; only the chief writes.
"""

import hashlib
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


def weights_sha256(model):
    """sha256 of all the model's weights as float32 bytes: equal on every worker of a synchronous run."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight), dtype=np.float32).tobytes())
    return digest.hexdigest()


def view_probs(model, inputs):
    """float32 probabilities of a batch: `(B, H, W, 3)`, a padded `{"images", "image_sizes"}` dict, or
    `(B, views, H, W, 3)` whose views' probabilities are averaged (the 10-view test)."""
    if isinstance(inputs, dict) or inputs.shape.rank == 4:
        return tf.cast(model(inputs, training=False), tf.float32)
    shape = tf.shape(inputs)
    flat = tf.reshape(inputs, tf.concat([[-1], shape[2:]], 0))
    probs = tf.cast(model(flat, training=False), tf.float32)
    return tf.reduce_mean(tf.reshape(probs, [shape[0], shape[1], -1]), axis=1)


class ClassifierSteps:
    """Distributed train and eval steps of a softmax classifier (inputs -> probabilities).

    Args:
        strategy: the tf.distribute strategy the variables were created under.
        model: the classifier whose variables are trained and saved.
        train_model: the model called on training batches (`model`, or its padded-batch twin).
        optimizer: a built Keras optimizer (a LossScaleOptimizer for float16).
        global_batch: examples per step over all replicas (the loss is averaged over it).
        label_smoothing: training targets `(1 - e) * one_hot + e / classes` (evaluation uses the plain loss).
    """

    def __init__(self, strategy, model, train_model, optimizer, global_batch, label_smoothing=0.0):
        self.strategy = strategy
        self.model = model
        self.train_model = train_model
        self.optimizer = optimizer
        self.global_batch = global_batch
        self.label_smoothing = float(label_smoothing)
        self.train = tf.function(self._train, reduce_retracing=True)  # any batch; `traced` for a dataset

    def traced(self, element_spec, model=None):
        """The train step (or, given `model`, the eval step of `model`) traced once for `element_spec`.

        A distributed dataset's `element_spec` has None for the sizes that change (multi-size epochs,
        padded full-image batches), so one trace serves every batch instead of one per shape.
        """
        if model is None:
            return tf.function(self._train, input_signature=[element_spec])
        return tf.function(lambda batch: self._evaluate(model, batch), input_signature=[element_spec])

    def _replica_train(self, inputs, labels):
        variables = self.train_model.trainable_variables
        with tf.GradientTape() as tape:
            probs = tf.cast(self.train_model(inputs, training=True), tf.float32)
            if self.label_smoothing:
                targets = tf.one_hot(labels, tf.shape(probs)[-1], dtype=tf.float32)
                per_example = keras.losses.categorical_crossentropy(
                    targets, probs, label_smoothing=self.label_smoothing
                )
            else:
                per_example = keras.losses.sparse_categorical_crossentropy(labels, probs)
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=self.global_batch)
            if self.train_model.losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n(self.train_model.losses))
            scaled = self.optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, variables)
        self.optimizer.apply(grads, variables)
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probs, -1, output_type=tf.int32), labels), tf.float32))
        return tf.reduce_sum(per_example), correct, tf.cast(tf.size(labels), tf.float32)

    def _train(self, batch):
        results = self.strategy.run(self._replica_train, args=batch)
        return [self.strategy.reduce("SUM", r, axis=None) for r in results]

    def _replica_eval(self, model, inputs, labels, weights):
        probs = view_probs(model, inputs)
        per_example = keras.losses.sparse_categorical_crossentropy(labels, probs)
        k = tf.minimum(5, tf.shape(probs)[-1])
        top5 = tf.reduce_any(tf.equal(tf.math.top_k(probs, k).indices, labels[:, None]), axis=-1)
        top1 = tf.equal(tf.argmax(probs, -1, output_type=tf.int32), labels)
        sums = [
            per_example * weights,
            tf.cast(top1, tf.float32) * weights,
            tf.cast(top5, tf.float32) * weights,
            weights,
        ]
        return [tf.reduce_sum(s) for s in sums]

    def _evaluate(self, model, batch):
        results = self.strategy.run(self._replica_eval, args=(model,) + tuple(batch))
        return [self.strategy.reduce("SUM", r, axis=None) for r in results]


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
