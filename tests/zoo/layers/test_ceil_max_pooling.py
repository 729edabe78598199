import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_spp.ops import conv_output_size
from tests.harness import run_layer_test
from zoo.layers import CeilMaxPooling2D


def caffe_max_pool(x, pool_size, strides):
    """Caffe's max pooling, pad 0: ceil((n - k) / s) + 1 windows a side, each clipped to the map."""
    out = [-(-(n - pool_size) // strides) + 1 for n in x.shape[1:3]]
    y = np.empty((x.shape[0], out[0], out[1], x.shape[3]), x.dtype)
    for i in range(out[0]):
        for j in range(out[1]):
            rows = slice(i * strides, min(i * strides + pool_size, x.shape[1]))
            cols = slice(j * strides, min(j * strides + pool_size, x.shape[2]))
            y[:, i, j] = x[:, rows, cols].max(axis=(1, 2))
    return y


@pytest.mark.parametrize("pool_size, strides", [(3, 2), (2, 2), (3, 3), (3, 1)])
@pytest.mark.parametrize("height, width", [(110, 26), (7, 8), (3, 5), (13, 13)])
def test_matches_caffe_on_negative_arange(pool_size, strides, height, width):
    x = -np.arange(2 * height * width * 3, dtype="float32").reshape(2, height, width, 3)  # max at each window's start
    x[1] = np.random.default_rng(height).normal(size=x.shape[1:])
    expected = caffe_max_pool(x, pool_size, strides)
    np.testing.assert_array_equal(np.asarray(CeilMaxPooling2D(pool_size, strides)(x)), expected)


def test_every_window_starts_inside_the_map_when_strides_le_pool_size():
    """Why padding with the input's min is exact: each window holds a valid cell, so the pad never wins."""
    for k in range(1, 7):
        for s in range(1, k + 1):
            for n in range(max(1, k - s + 1), 40):
                last_start = (int(conv_output_size(n, k, s, ceil_mode=True)) - 1) * s
                assert last_start <= n - 1, (n, k, s)
    assert (int(conv_output_size(3, 2, 3, ceil_mode=True)) - 1) * 3 > 2  # strides > pool_size: refused below


@pytest.mark.parametrize("pool_size, strides", [(3, 2), (2, 2), (3, 3), (5, 3)])
def test_all_negative_and_edge_minimum_inputs_match_caffe(pool_size, strides):
    rng = np.random.default_rng(pool_size * strides)
    x = -1e4 - rng.uniform(0, 100, size=(3, 12, 9, 2)).astype("float32")  # all negative, far from 0
    x[1, -1, :] = x[1, :, -1] = x[1].min() - 7.0  # the global min sits only in the partial windows
    x[2] = rng.normal(size=x.shape[1:])
    x[2, :-1, :-1] = -1e30  # the last row and column hold the maxima the partial windows must return
    np.testing.assert_array_equal(
        np.asarray(CeilMaxPooling2D(pool_size, strides)(x)), caffe_max_pool(x, pool_size, strides)
    )


def test_zf5_sizes_and_symbolic_shapes():
    layer = CeilMaxPooling2D(3, 2)
    assert layer.compute_output_shape((None, 110, 88, 96)) == (None, 55, 44, 96)
    assert tuple(layer(keras.Input((None, 26, 4))).shape) == (None, None, 13, 4)


def test_one_graph_serves_every_size():
    layer = CeilMaxPooling2D(3, 2)
    fn = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, 2))], reduce_retracing=True)
    for height, width in [(110, 26), (9, 12)]:
        x = np.random.default_rng(0).normal(size=(1, height, width, 2)).astype("float32")
        np.testing.assert_array_equal(fn(x).numpy(), caffe_max_pool(x, 3, 2))


def test_layer_contract(tmp_path):
    run_layer_test(CeilMaxPooling2D, {"pool_size": 3, "strides": 2}, (7, 8, 2), None, tmp_path)


def test_a_map_without_a_whole_output_cell_fails_cleanly():
    CeilMaxPooling2D(3, 2)(np.zeros((1, 2, 2, 1), "float32"))  # ceil((2 - 3) / 2) + 1 = 1 cell
    with pytest.raises(tf.errors.InvalidArgumentError, match="too small"):
        CeilMaxPooling2D(3, 2)(np.zeros((1, 1, 4, 1), "float32"))  # 0 cells: oneDNN would crash the process


@pytest.mark.parametrize("kwargs", [{"pool_size": 0}, {"strides": 2.0}, {"strides": 4}])
def test_bad_arguments_quote_the_value(kwargs):
    (value,) = kwargs.values()
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        CeilMaxPooling2D(**{"pool_size": 3, "strides": 2, **kwargs})
