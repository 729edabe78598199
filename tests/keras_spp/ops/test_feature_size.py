import numpy as np
import pytest
import tensorflow as tf

from keras_spp.ops import conv_output_size


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size, strides", [(1, 1), (3, 1), (3, 2), (7, 2), (11, 4), (2, 2), (3, 3)])
def test_floor_and_same_match_tensorflow_pooling(kernel_size, strides, padding):
    sizes = [s for s in range(1, 40) if padding == "same" or s >= kernel_size]
    for size in sizes:
        pooled = tf.nn.max_pool2d(tf.zeros((1, size, 1, 1)), (kernel_size, 1), (strides, 1), padding.upper())
        assert conv_output_size(size, kernel_size, strides, padding) == pooled.shape[1], size


@pytest.mark.parametrize(
    "kernel_size, strides, pad",
    [(3, 2, 0), (3, 2, 1), (5, 2, 2), (2, 2, 0), (3, 3, 1), (7, 2, 3)],
)
def test_explicit_padding_floor_matches_padded_valid_window(kernel_size, strides, pad):
    for size in range(max(1, kernel_size - 2 * pad), 40):
        padded = tf.pad(tf.zeros((1, size, 1, 1)), [[0, 0], [pad, pad], [0, 0], [0, 0]])
        pooled = tf.nn.max_pool2d(padded, (kernel_size, 1), (strides, 1), "VALID")
        assert conv_output_size(size, kernel_size, strides, pad) == pooled.shape[1], size


def _caffe_pooled_size(size, kernel_size, strides, pad):
    """Caffe's PoolingLayer::Reshape, written as a loop over window starts."""
    count, start = 0, -pad
    while start + kernel_size - strides < size + pad:  # ceil: a partial last window still counts
        count += 1
        start += strides
    if pad and (count - 1) * strides >= size + pad:
        count -= 1
    return count


@pytest.mark.parametrize(
    "kernel_size, strides, pad",
    [(3, 2, 0), (3, 2, 1), (2, 2, 0), (3, 3, 0), (3, 3, 1), (5, 3, 2)],
)
def test_ceil_mode_matches_caffe(kernel_size, strides, pad):
    for size in range(kernel_size, 60):
        assert conv_output_size(size, kernel_size, strides, pad, ceil_mode=True) == _caffe_pooled_size(
            size, kernel_size, strides, pad
        ), size


def test_known_values_of_zf5():
    assert conv_output_size(110, 3, 2, ceil_mode=True) == 55 and conv_output_size(110, 3, 2) == 54
    assert conv_output_size(224, 7, 2, 1) == 110 and conv_output_size(26, 3, 2, ceil_mode=True) == 13


def test_arrays_tensors_and_python_ints_agree():
    sizes = np.array([[180, 240], [224, 97], [33, 64]])
    expected = [[conv_output_size(int(s), 3, 2, (1, 0), ceil_mode=True) for s in row] for row in sizes]
    np.testing.assert_array_equal(conv_output_size(sizes, 3, 2, (1, 0), ceil_mode=True), expected)
    tensor = conv_output_size(tf.constant(sizes, tf.int32), 3, 2, (1, 0), ceil_mode=True)
    assert tensor.dtype == tf.int32
    np.testing.assert_array_equal(tensor.numpy(), expected)

    graph = tf.function(lambda s: conv_output_size(s, 7, 2, 1), input_signature=[tf.TensorSpec((None, 2), tf.int32)])
    np.testing.assert_array_equal(graph(tf.constant(sizes, tf.int32)).numpy(), (sizes + 2 - 7) // 2 + 1)


@pytest.mark.parametrize(
    "kwargs, quoted",
    [
        ({"kernel_size": 0}, "kernel_size=0"),
        ({"strides": 1.5}, "strides=1.5"),
        ({"padding": "full"}, "'full'"),
        ({"padding": (1, -1)}, "(1, -1)"),
        ({"padding": "same", "ceil_mode": True}, "'same'"),
    ],
)
def test_bad_arguments_quote_the_value(kwargs, quoted):
    arguments = {"kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=quoted.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        conv_output_size(10, **arguments)
