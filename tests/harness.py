"""Shared layer test harness: every layer runs symbolically, eagerly, through one `fit` step, a config
round trip and a `.keras` save/load, so each layer's own test file stays about its numbers."""

import os

import keras
import numpy as np


def run_layer_test(layer_cls, init_kwargs, input_shape, expected_output_shape, tmp_path, seed=0):
    """Builds `layer_cls(**init_kwargs)` and checks the Keras contract on inputs of `input_shape`.

    `input_shape` excludes the batch axis and may hold None (resolved to 5 for the concrete input);
    `expected_output_shape` likewise excludes the batch axis.
    """
    layer = layer_cls(**init_kwargs)
    inputs = keras.Input(input_shape)
    outputs = layer(inputs)
    assert tuple(outputs.shape[1:]) == tuple(expected_output_shape), "symbolic output shape"
    assert tuple(layer.compute_output_shape((None,) + tuple(input_shape))[1:]) == tuple(expected_output_shape)

    concrete = tuple(5 if d is None else d for d in input_shape)
    x = np.random.default_rng(seed).normal(size=(3,) + concrete).astype("float32")
    eager = keras.ops.convert_to_numpy(layer(x))
    assert eager.shape[1:] == tuple(expected_output_shape)

    clone = layer_cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config(), "config round trip"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clone(x)), eager, rtol=1e-6)

    model = keras.Model(inputs, keras.layers.Dense(2)(outputs))
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, np.zeros((3, 2), "float32"), epochs=1, batch_size=3, verbose=0)
    assert np.isfinite(history.history["loss"][0]), "one fit step"

    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)  # safe_mode stays on: the layer must be registered
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    return layer
