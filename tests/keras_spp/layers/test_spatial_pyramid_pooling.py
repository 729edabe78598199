import os
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_spp.layers import SpatialPyramidPooling
from tests.harness import run_layer_test
from tests.keras_spp.reference import reference_spp


@pytest.mark.parametrize(
    "kwargs, input_shape, units",
    [
        ({}, (None, None, 4), 200),
        ({"levels": (3, 1), "pooling": "avg"}, (7, 9, 2), 20),
        ({"levels": (2,), "data_format": "channels_first"}, (6, None, None), 24),
    ],
)
def test_layer_contract(kwargs, input_shape, units, tmp_path):
    run_layer_test(SpatialPyramidPooling, kwargs, input_shape, (units,), tmp_path)


def test_config_keeps_every_argument():
    layer = SpatialPyramidPooling(levels=[4, 2], pooling="average", data_format="channels_first", name="spp")
    config = layer.get_config()
    assert config["levels"] == [4, 2] and config["pooling"] == "avg"
    assert config["data_format"] == "channels_first" and config["name"] == "spp"
    assert SpatialPyramidPooling.from_config(config).levels == (4, 2)


def test_compute_output_shape_with_unknown_sizes():
    layer = SpatialPyramidPooling((6, 3, 2, 1))
    assert layer.compute_output_shape((None, None, None, 256)) == (None, 12800)
    assert layer.compute_output_shape((8, None, None, None)) == (8, None)


@pytest.mark.parametrize("kwargs", [{"levels": []}, {"levels": (2, 0)}, {"pooling": "sum"}, {"data_format": "NCHW"}])
def test_bad_arguments_fail_at_construction(kwargs):
    (value,) = kwargs.values()
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        SpatialPyramidPooling(**kwargs)


def test_rank_three_input_is_rejected():
    with pytest.raises(ValueError):
        SpatialPyramidPooling()(keras.Input((5, 5)))


def test_padded_model_input_and_ragged_call_agree_with_the_reference():
    rng = np.random.default_rng(0)
    images = [rng.normal(size=(h, w, 3)).astype("float32") for h, w in [(9, 4), (2, 11), (6, 6)]]
    batch = np.zeros((3, 9, 11, 3), "float32")
    for i, image in enumerate(images):
        batch[i, : image.shape[0], : image.shape[1]] = image
    sizes = np.array([i.shape[:2] for i in images], "int32")
    features, valid = keras.Input((None, None, 3)), keras.Input((2,), dtype="int32")
    model = keras.Model([features, valid], SpatialPyramidPooling((3, 2, 1))(features, sizes=valid))
    expected = reference_spp(images, (3, 2, 1), "max")
    np.testing.assert_allclose(model.predict([batch, sizes], verbose=0), expected, rtol=1e-6)
    ragged = tf.ragged.stack([tf.RaggedTensor.from_tensor(i) for i in images])
    np.testing.assert_allclose(SpatialPyramidPooling((3, 2, 1))(ragged).numpy(), expected, rtol=1e-6)


def test_predict_does_not_retrace_per_size():
    inputs = keras.Input((None, None, 4))
    model = keras.Model(inputs, SpatialPyramidPooling()(inputs))
    sizes = [(13, 13), (10, 10), (7, 21), (3, 1), (40, 9)]
    traces = []
    for h, w in sizes:
        model.predict(np.zeros((2, h, w, 4), "float32"), verbose=0)
        traces.append(model.predict_function.experimental_get_tracing_count())
    assert traces[-1] == traces[1], f"predict retraced for new sizes: tracing counts {traces}"


def test_mixed_precision_passes_the_input_dtype_through():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        inputs = keras.Input((None, None, 3))
        features = keras.layers.Conv2D(4, 3)(inputs)
        pooled = SpatialPyramidPooling((2, 1))(features)
        assert features.dtype == "float16" and pooled.dtype == "float16"
    finally:
        keras.config.set_dtype_policy(previous)
    layer = SpatialPyramidPooling((2, 1))
    assert layer(tf.zeros((1, 4, 4, 2), "bfloat16")).dtype == "bfloat16"


def test_export_and_tflite_builtins_give_the_keras_numbers_at_two_sizes(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    keras.utils.set_random_seed(0)
    inputs = keras.Input((None, None, 3))
    features = keras.layers.Conv2D(8, 3, strides=2, activation="relu")(inputs)
    outputs = keras.layers.Dense(5)(SpatialPyramidPooling((6, 3, 2, 1))(features))
    model = keras.Model(inputs, outputs)
    export_dir = os.path.join(str(tmp_path), "saved_model")
    model.export(export_dir, format="tf_saved_model", verbose=False)
    serving = tf.saved_model.load(export_dir).signatures["serving_default"]

    converter = tf.lite.TFLiteConverter.from_saved_model(export_dir)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # no Flex (SELECT_TF_OPS) allowed
    interpreter = Interpreter(model_content=converter.convert())
    detail = interpreter.get_input_details()[0]
    assert list(detail["shape_signature"][1:3]) == [-1, -1], "H and W must stay dynamic"

    for h, w in [(37, 51), (64, 23)]:
        x = np.random.default_rng(h).uniform(0, 1, size=(1, h, w, 3)).astype("float32")
        expected = model.predict(x, verbose=0)
        np.testing.assert_allclose(next(iter(serving(tf.constant(x)).values())).numpy(), expected, rtol=1e-5, atol=1e-6)
        interpreter.resize_tensor_input(detail["index"], [1, h, w, 3])
        interpreter.allocate_tensors()
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        result = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-5)
