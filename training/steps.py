"""The distributed train and eval steps of a softmax classifier, and the probabilities of a batch of views.

`training.loop.Trainer` drives these steps; `training.evaluation` and the throughput benchmark use them too.
"""

import hashlib

import keras
import numpy as np
import tensorflow as tf


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
