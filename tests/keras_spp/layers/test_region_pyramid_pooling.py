"""RegionPyramidPooling: the Keras contract, save/load, one graph for every size, SavedModel and TFLite parity."""

import doctest
import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_spp.layers.region_pyramid_pooling as region_layer_module
from keras_spp.layers import RegionPyramidPooling
from tests.keras_spp.reference import reference_spp

CHANNELS = 4


def pooling_model(layer=None):
    features = keras.Input((None, None, CHANNELS), name="features")
    windows = keras.Input((None, 4), dtype="int32", name="windows")
    outputs = (layer or RegionPyramidPooling((3, 2, 1)))(features, windows)
    return keras.Model({"features": features, "windows": windows}, outputs)


def example(rng, height, width, count, batch=1):
    x = rng.normal(size=(batch, height, width, CHANNELS)).astype("float32")
    xs = np.sort(rng.integers(0, width, size=(batch, count, 2)), axis=-1)
    ys = np.sort(rng.integers(0, height, size=(batch, count, 2)), axis=-1)
    windows = np.stack([xs[..., 0], ys[..., 0], xs[..., 1], ys[..., 1]], -1)
    return x, windows.astype("int32")


def expected(x, windows, levels=(3, 2, 1), pooling="max"):
    rows = []
    for image, image_windows in zip(x, windows, strict=True):
        crops = [image[y0 : y1 + 1, x0 : x1 + 1] for x0, y0, x1, y1 in image_windows]
        rows.append(reference_spp(crops, levels, pooling))
    return np.stack(rows)


def test_symbolic_shapes_and_compute_output_shape():
    layer = RegionPyramidPooling()
    features, windows = keras.Input((None, None, 256)), keras.Input((None, 4), dtype="int32")
    assert tuple(layer(features, windows).shape) == (None, None, 12800)
    assert layer.compute_output_shape((2, None, None, 256), (2, 7, 4)) == (2, 7, 12800)
    first = RegionPyramidPooling((2,), data_format="channels_first")
    assert first.compute_output_shape((None, 8, None, None), (None, None, 4)) == (None, None, 32)


def test_config_keeps_every_argument():
    layer = RegionPyramidPooling(
        levels=[4, 1], pooling="average", data_format="channels_first", jit_compile=True, name="rpp"
    )
    config = layer.get_config()
    assert config["levels"] == [4, 1] and config["pooling"] == "avg" and config["data_format"] == "channels_first"
    assert config["jit_compile"] is True
    clone = RegionPyramidPooling.from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize(
    "kwargs", [{"levels": []}, {"levels": (2, 0)}, {"pooling": "sum"}, {"data_format": "NCHW"}, {"jit_compile": "yes"}]
)
def test_bad_arguments_fail_at_construction(kwargs):
    (value,) = kwargs.values()
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        RegionPyramidPooling(**kwargs)


def test_model_numbers_one_fit_step_and_keras_file_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    model = pooling_model()
    x, windows = example(rng, 9, 11, 6, batch=2)
    inputs = {"features": x, "windows": windows}
    np.testing.assert_allclose(model.predict(inputs, verbose=0), expected(x, windows), rtol=1e-6)
    head = keras.Model(model.inputs, keras.layers.Dense(1)(model.outputs[0]))
    head.compile(optimizer="sgd", loss="mse")
    history = head.fit(inputs, np.zeros((2, 6, 1), "float32"), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(restored.predict(inputs, verbose=0), expected(x, windows), rtol=1e-6)


def test_counts_zero_the_padded_windows():
    rng = np.random.default_rng(1)
    x, windows = example(rng, 7, 7, 5, batch=2)
    result = RegionPyramidPooling((2, 1))(x, windows, counts=np.array([5, 2], "int32")).numpy()
    np.testing.assert_allclose(result[1, :2], expected(x[1:], windows[1:, :2], (2, 1))[0], rtol=1e-6)
    assert (result[1, 2:] == 0).all()


def test_jit_compiled_layer_gives_the_same_numbers_in_a_model():
    rng = np.random.default_rng(3)
    x, windows = example(rng, 11, 14, 9, batch=2)
    layer = RegionPyramidPooling(jit_compile=True)
    np.testing.assert_array_equal(layer(x, windows).numpy(), RegionPyramidPooling()(x, windows).numpy())
    features, boxes = keras.Input((None, None, x.shape[-1])), keras.Input((None, 4), dtype="int32")
    model = keras.Model([features, boxes], layer(features, boxes))
    np.testing.assert_allclose(model.predict([x, windows], verbose=0), expected(x, windows, (6, 3, 2, 1)), rtol=1e-6)


def test_predict_does_not_retrace_for_new_sizes_or_counts():
    model = pooling_model()
    rng = np.random.default_rng(2)
    traces = []
    for height, width, count in [(9, 13, 3), (20, 6, 11), (5, 5, 1), (31, 17, 40)]:
        x, windows = example(rng, height, width, count)
        model.predict({"features": x, "windows": windows}, verbose=0)
        traces.append(model.predict_function.experimental_get_tracing_count())
    assert traces[-1] == traces[1], f"predict retraced: tracing counts {traces}"


@pytest.mark.slow
def test_saved_model_and_tflite_give_the_keras_numbers_at_two_sizes_and_counts(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    model = pooling_model(RegionPyramidPooling((6, 3, 2, 1)))
    export_dir = os.path.join(str(tmp_path), "saved_model")
    signature = [
        {
            "features": tf.TensorSpec((1, None, None, CHANNELS), name="features"),
            "windows": tf.TensorSpec((1, None, 4), tf.int32, name="windows"),
        }
    ]
    model.export(export_dir, format="tf_saved_model", input_signature=signature, verbose=False)
    converter = tf.lite.TFLiteConverter.from_saved_model(export_dir)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    interpreter = Interpreter(model_content=converter.convert())
    serve = tf.saved_model.load(export_dir).serve
    rng = np.random.default_rng(3)
    runner = interpreter.get_signature_runner("serving_default")  # resizes the inputs to each call's shapes
    for height, width, count in [(13, 17, 4), (8, 30, 25)]:
        x, windows = example(rng, height, width, count)
        want = expected(x, windows, (6, 3, 2, 1))
        np.testing.assert_allclose(serve({"features": x, "windows": windows}).numpy(), want, rtol=1e-6)
        (result,) = runner(features=x, windows=windows).values()
        np.testing.assert_allclose(result, want, rtol=1e-6)


def test_docstring_example():
    result = doctest.testmod(region_layer_module)
    assert result.failed == 0 and result.attempted > 0
