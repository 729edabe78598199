"""The one shared test harness (after keras-hub's `TestCase`): each layer, backbone, preset and export test
calls one of these, so its own file stays about its numbers.

- `run_layer_test`: a layer of any output rank runs symbolically, eagerly, through a config round trip,
  one `fit` step and a `.keras` save/load with safe_mode on.
- `run_backbone_test`: a zoo backbone's map sizes (symbolic) and its real output on one image.
- `run_preset_test`: a shipped preset's file (size, sha256), metadata fields and parameter count.
- `run_export_test`: an exported SavedModel gives the Keras model's numbers at several sizes.
"""

import os

import keras
import numpy as np


def run_layer_test(layer_cls, init_kwargs, input_shape, expected_output_shape, tmp_path, seed=0):
    """Builds `layer_cls(**init_kwargs)` and checks the Keras contract on inputs of `input_shape`.

    `input_shape` excludes the batch axis and may hold None (resolved to 5 for the concrete input);
    `expected_output_shape` likewise excludes the batch axis (None: whatever `compute_output_shape` says,
    which the symbolic and eager outputs must then match). Returns the layer.
    """
    layer = layer_cls(**init_kwargs)
    inputs = keras.Input(input_shape)
    outputs = layer(inputs)
    computed = tuple(layer.compute_output_shape((None,) + tuple(input_shape))[1:])
    if expected_output_shape is None:
        expected_output_shape = computed
    assert tuple(outputs.shape[1:]) == tuple(expected_output_shape), "symbolic output shape"
    assert computed == tuple(expected_output_shape), "compute_output_shape"

    concrete = tuple(5 if d is None else d for d in input_shape)
    x = np.random.default_rng(seed).normal(size=(3,) + concrete).astype("float32")
    eager = keras.ops.convert_to_numpy(layer(x))
    known = [d for d in expected_output_shape if d is not None]
    assert [d for d, e in zip(eager.shape[1:], expected_output_shape, strict=True) if e is not None] == known

    clone = layer_cls.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config(), "config round trip"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clone(x)), eager, rtol=1e-6)

    flat = outputs if len(outputs.shape) == 2 else keras.layers.Flatten()(outputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(flat))
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, np.zeros((3, 2), "float32"), epochs=1, batch_size=3, verbose=0)
    assert np.isfinite(history.history["loss"][0]), "one fit step"

    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)  # the layer must be registered
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    return layer


def map_sizes(backbone, height, width):
    """`{layer name: (h, w)}` of every layer, traced symbolically on a fixed-size input."""
    from zoo.geometry import chain_layers

    x = keras.Input((height, width, 3))
    sizes = {}
    for layer in chain_layers(backbone):
        x = layer(x)
        sizes[layer.name] = tuple(x.shape[1:3])
    return sizes


def conv_params(convs):
    """Parameters of a stack of convs given as `(kernel, in_channels, out_channels)`."""
    return sum(k * k * c_in * c_out + c_out for k, c_in, c_out in convs)


def run_backbone_test(backbone, expected_maps, channels, size=224):
    """Symbolic map sizes of the named layers, and the real conv output of one `size` x `size` image."""
    sizes = map_sizes(backbone, size, size)
    assert {name: sizes[name] for name in expected_maps} == {n: (s, s) for n, s in expected_maps.items()}
    features = backbone(np.zeros((1, size, size, 3), "float32"))
    last = list(expected_maps.values())[-1]
    assert tuple(features.shape) == (1, last, last, channels)


def run_preset_test(name):
    """A shipped preset: its file's size and sha256, its metadata, and the parameters of the built model."""
    import zoo
    from zoo import loading, presets, weights

    metadata = zoo.get_metadata(name)
    path = loading.preset_weights_path(name, metadata["weights"])
    assert os.path.getsize(path) == metadata["weights"]["file_size"]
    assert weights.sha256_of(path) == metadata["weights"]["sha256"]
    assert all(field in metadata for field in presets.METADATA_FIELDS)
    assert metadata["recipe"].startswith("keras-spp ") and metadata["license"] and metadata["metrics"]
    assert zoo.load(name).count_params() == metadata["num_params"]


def run_export_test(path, model, sizes=((70, 90),), seed=2, rtol=1e-4, atol=1e-6):
    """The SavedModel at `path`'s `serving_default` gives `model`'s probabilities at each `(height, width)`."""
    import tensorflow as tf

    served = tf.saved_model.load(str(path)).signatures["serving_default"]
    rng = np.random.default_rng(seed)
    for height, width in sizes:
        images = rng.uniform(0, 255, (2, height, width, 3)).astype("float32")
        got = served(images=tf.constant(images))["probabilities"].numpy()
        np.testing.assert_allclose(got, model.predict(images, verbose=0), rtol=rtol, atol=atol)
