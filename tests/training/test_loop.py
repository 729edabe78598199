"""The training step's loss: plain cross-entropy, and with label smoothing, against a NumPy reference."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from training.steps import ClassifierSteps


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_train_step_loss_matches_numpy_cross_entropy_with_smoothed_targets(smoothing):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="softmax")])
    optimizer = keras.optimizers.SGD(0.0)
    optimizer.build(model.trainable_variables)
    x = np.random.default_rng(1).normal(size=(6, 5)).astype("float32")
    y = np.array([0, 1, 2, 3, 3, 1], np.int32)
    steps = ClassifierSteps(tf.distribute.get_strategy(), model, model, optimizer, 6, label_smoothing=smoothing)
    loss_sum, correct, count = (float(v) for v in steps.train((tf.constant(x), tf.constant(y))))

    probs = model.predict(x, verbose=0).astype("float64")
    targets = (1 - smoothing) * np.eye(4)[y] + smoothing / 4
    expected = -(targets * np.log(probs)).sum()
    np.testing.assert_allclose(loss_sum, expected, rtol=1e-5)
    assert count == 6 and correct == (probs.argmax(-1) == y).sum()
