"""The one shared test harness (after keras-hub's `TestCase`): each layer, backbone, preset and export test
calls one of these, so its own file stays about its numbers.

- `run_layer_test`: a layer of any output rank runs symbolically, eagerly, through a config round trip,
  one `fit` step and a `.keras` save/load with safe_mode on.
- `run_backbone_test`: a zoo backbone's map sizes (symbolic) and its real output on one image.
- `run_preset_test`: a shipped preset's file (size, sha256, storage dtype), metadata fields, parameter count
  and its recorded answers on samples/ (`check_preset_file`: the file part, for detectors too).
- `run_export_test`: an exported SavedModel gives the Keras model's numbers at several sizes.
"""

import os
import pathlib

import keras
import numpy as np

SAMPLES = pathlib.Path(__file__).resolve().parent.parent / "samples"
PRESET_FILE_BUDGET = 40 * 2**20  # bytes: issue 11 (and all of saved_models/ within 100 MB)


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
    """A shipped classifier preset: its file (size, sha256, storage dtype), metadata fields, parameter count,
    float32 variables, and the label it gives each photo of samples/ as its metadata records it."""
    import zoo
    from zoo import presets

    metadata = zoo.get_metadata(name)
    check_preset_file(name, metadata["weights"])
    assert all(field in metadata for field in presets.METADATA_FIELDS)
    assert metadata["license"] and set(metadata["budget"]) >= set(presets.BUDGET_FIELDS)
    model = zoo.load(name)
    assert model.count_params() == metadata["num_params"]
    assert {variable.dtype for variable in model.weights} == {"float32"}, "float16 storage loads to float32"
    photos = sorted(p.name for p in SAMPLES.glob("*.jpg"))
    assert sorted(metadata["samples"]) == photos, "every bundled sample has its recorded label"
    results = zoo.classify(model, [SAMPLES / photo for photo in photos], top=1)
    assert {photo: r["top"][0]["label"] for photo, r in zip(photos, results)} == metadata["samples"]


def check_preset_file(name, record):
    """A preset's weights file: within the size budget, of its recorded size, sha256 and storage dtype."""
    from zoo import loading, weights

    path = loading.preset_weights_path(name, record)
    assert os.path.getsize(path) == record["file_size"] <= PRESET_FILE_BUDGET
    assert weights.sha256_of(path) == record["sha256"]
    assert weights.storage_dtype_of(path) == record["storage_dtype"]
    return path


def run_export_test(path, model, sizes=((70, 90),), seed=2, rtol=1e-4, atol=1e-6):
    """The SavedModel at `path`'s `serving_default` gives `model`'s probabilities at each `(height, width)`."""
    import tensorflow as tf

    served = tf.saved_model.load(str(path)).signatures["serving_default"]
    rng = np.random.default_rng(seed)
    for height, width in sizes:
        images = rng.uniform(0, 255, (2, height, width, 3)).astype("float32")
        got = served(images=tf.constant(images))["probabilities"].numpy()
        np.testing.assert_allclose(got, model.predict(images, verbose=0), rtol=rtol, atol=atol)
