"""Keras contract of a zoo layer with a 4D output (tests/harness.py's fit step expects a 2D one): symbolic
and eager shapes, config round trip, one fit step and a `.keras` round trip with safe_mode on."""

import os

import keras
import numpy as np


def check_layer_contract(layer, input_shape, tmp_path):
    """`input_shape` excludes the batch axis and is fully known."""
    inputs = keras.Input(input_shape)
    outputs = layer(inputs)
    x = np.random.default_rng(0).normal(size=(3,) + tuple(input_shape)).astype("float32")
    eager = keras.ops.convert_to_numpy(layer(x))
    assert eager.shape[1:] == tuple(outputs.shape[1:]) == tuple(layer.compute_output_shape((None,) + input_shape)[1:])

    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clone(x)), eager, rtol=1e-6)

    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(outputs)))
    model.compile(optimizer="sgd", loss="mse")
    assert np.isfinite(model.fit(x, np.zeros((3, 2), "float32"), batch_size=3, verbose=0).history["loss"][0])

    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
