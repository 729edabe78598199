import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.harness import run_layer_test
from zoo.layers import LocalResponseNormalization


def caffe_lrn(x, size, alpha, beta, k):
    """Caffe's ACROSS_CHANNELS LRN: a / (k + alpha / size * sum of a^2 over `size` channels) ** beta."""
    half = (size - 1) // 2
    squares = np.pad(x.astype(np.float64) ** 2, [(0, 0)] * 3 + [(half, half)])
    window = sum(squares[..., i : i + x.shape[-1]] for i in range(size))
    return x / (k + alpha / size * window) ** beta


@pytest.mark.parametrize("size, alpha, beta, bias", [(3, 5e-5, 0.75, 1.0), (5, 1e-4, 0.75, 2.0), (1, 0.5, 0.5, 1.0)])
def test_matches_caffe_formula(size, alpha, beta, bias):
    x = np.random.default_rng(size).normal(scale=30.0, size=(2, 3, 5, 7)).astype("float32")
    layer = LocalResponseNormalization(size, alpha, beta, bias)
    np.testing.assert_allclose(np.asarray(layer(x)), caffe_lrn(x, size, alpha, beta, bias), rtol=1e-5)


# (size, alpha, beta, bias): zf5's, a strong alpha, beta != 0.75 (the `pow` path), a window wider than C=2.
CASES = [
    (3, 5e-5, 0.75, 1.0), (3, 0.3, 0.75, 1.0), (5, 1e-4, 0.75, 2.0),
    (1, 0.5, 0.5, 1.0), (5, 0.7, 1.3, 0.5), (7, 0.2, 0.6, 3.0),
]  # fmt: skip


@pytest.mark.parametrize("size, alpha, beta, bias", CASES)
@pytest.mark.parametrize("channels", [9, 2])  # 2: fewer channels than the window
def test_matches_the_tensorflow_op_and_caffe(size, alpha, beta, bias, channels):
    x = np.random.default_rng(size + channels).normal(scale=3.0, size=(2, 5, 3, channels)).astype("float32")
    got = np.asarray(LocalResponseNormalization(size, alpha, beta, bias)(x))
    expected = tf.nn.local_response_normalization(x, (size - 1) // 2, bias=bias, alpha=alpha / size, beta=beta)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got, caffe_lrn(x, size, alpha, beta, bias), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("size, alpha, beta, bias", CASES)
@pytest.mark.parametrize("channels", [9, 2])
def test_gradient_matches_the_tensorflow_op(size, alpha, beta, bias, channels):
    # tf.nn.local_response_normalization's gradient is TF's own LRNGrad kernel: an independent reference.
    x = tf.constant(np.random.default_rng(size * channels).normal(scale=3.0, size=(2, 4, 3, channels)), tf.float32)
    weights = tf.constant(np.random.default_rng(1).normal(size=x.shape), tf.float32)
    layer = LocalResponseNormalization(size, alpha, beta, bias)

    def gradient(fn):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(fn(x) * weights)
        return tape.gradient(loss, x).numpy()

    expected = gradient(lambda v: tf.nn.local_response_normalization(v, (size - 1) // 2, bias, alpha / size, beta))
    np.testing.assert_allclose(gradient(layer), expected, rtol=1e-5, atol=1e-5)


def test_unknown_channel_count_gives_the_same_values():
    layer = LocalResponseNormalization(5, 0.3, 0.75, 1.0)
    fn = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, None), tf.float32)])
    x = np.random.default_rng(3).normal(scale=2.0, size=(1, 3, 2, 6)).astype("float32")
    np.testing.assert_allclose(fn(x).numpy(), caffe_lrn(x, 5, 0.3, 0.75, 1.0), rtol=1e-6, atol=1e-6)


def test_converts_to_tflite_builtins_without_the_lrn_kernel():
    pytest.importorskip("ai_edge_litert")
    from ai_edge_litert.interpreter import Interpreter

    inputs = keras.Input((None, None, 6))
    layers = [LocalResponseNormalization(5, 1e-2, 0.75, 2.0), LocalResponseNormalization(3, 0.1, 0.6)]
    model = keras.Model(inputs, layers[1](layers[0](inputs)))
    fn = tf.function(model, input_signature=[tf.TensorSpec((None, None, None, 6), tf.float32)])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # conversion fails on any other op
    interpreter = Interpreter(model_content=converter.convert())
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert "LOCAL_RESPONSE_NORMALIZATION" not in ops and not any(op.startswith("Flex") for op in ops), ops
    x = np.random.default_rng(0).normal(scale=20.0, size=(1, 7, 5, 6)).astype("float32")
    interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(got, np.asarray(model(x)), rtol=1e-5, atol=1e-6)


def test_layer_contract(tmp_path):
    run_layer_test(LocalResponseNormalization, {"size": 3, "alpha": 1e-3}, (5, 5, 6), (5, 5, 6), tmp_path)


def test_mixed_precision_keeps_the_dtype():
    layer = LocalResponseNormalization(dtype="mixed_float16")
    y = layer(np.ones((1, 2, 2, 4), "float32"))
    assert y.dtype == "float16"


@pytest.mark.parametrize("kwargs", [{"size": 4}, {"size": 0}, {"alpha": -1.0}, {"beta": 0}, {"bias": "1"}])
def test_bad_arguments_quote_the_value(kwargs):
    (value,) = kwargs.values()
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        LocalResponseNormalization(**kwargs)
