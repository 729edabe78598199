"""Promises of `spatial_pyramid_pool` and the SPP layer on bad or extreme input (issue 10, items 8, 10, 11)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_spp.layers import SpatialPyramidPooling
from keras_spp.ops import spatial_pyramid_pool
from tests.keras_spp.reference import reference_spp

LEVELS = (6, 3, 2, 1)


def _dynamic(x, pooling, sizes=None):
    """The op traced with unknown batch, height, width and channels (and unknown `sizes` columns)."""
    if sizes is None:
        spec = [tf.TensorSpec((None,) * 4, x.dtype)]
        return tf.function(lambda a: spatial_pyramid_pool(a, LEVELS, pooling), input_signature=spec)(x)
    fn = tf.function(
        lambda a, s: spatial_pyramid_pool(a, LEVELS, pooling, sizes=s),
        input_signature=[tf.TensorSpec((None, None, None, None), x.dtype), tf.TensorSpec((None, None), tf.int32)],
    )
    return fn(x, sizes)


def _paths(x, pooling):
    """The same 13x13 map through every kernel: known size, unknown size, padded (in a larger map), ragged."""
    padded = np.full((x.shape[0], 16, 15, x.shape[3]), 7.0, x.dtype)  # padding above every feature
    padded[:, :13, :13] = x
    sizes = np.array([[13, 13]] * x.shape[0], np.int32)
    ragged = tf.RaggedTensor.from_tensor(tf.constant(x), ragged_rank=2)
    return {
        "known size": spatial_pyramid_pool(tf.constant(x), LEVELS, pooling),
        "unknown size": _dynamic(tf.constant(x), pooling),
        "padded": spatial_pyramid_pool(tf.constant(padded), LEVELS, pooling, sizes=sizes),
        "padded, graph": _dynamic(tf.constant(padded), pooling, tf.constant(sizes)),
        "ragged": spatial_pyramid_pool(ragged, LEVELS, pooling),
    }


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_negative_infinity_stays_exactly_minus_inf_on_every_path(pooling):
    """Item 10: -inf features give -inf (not the dtype's lowest value, -3.4e38) on all kernels, as NumPy does."""
    x = np.full((1, 13, 13, 3), -np.inf, np.float32)  # channel 0: all -inf (the case)
    x[0, :, :, 1] = np.random.default_rng(0).normal(size=(13, 13))
    x[0, :7, :7, 1] = -np.inf  # channel 1: -inf in the top-left bins only
    x[0, :, :, 2] = np.arange(169).reshape(13, 13)
    x[0, 4, 4, 2] = -np.inf  # channel 2: one -inf cell
    expected = reference_spp([x[0]], LEVELS, pooling)
    assert np.isneginf(expected).any()
    for path, result in _paths(x, pooling).items():
        result = result.numpy()
        np.testing.assert_array_equal(np.isneginf(result), np.isneginf(expected), err_msg=path)
        assert not (np.isfinite(result) & (np.abs(result) > 1e38)).any(), path  # no -3.4e38 anywhere
        np.testing.assert_allclose(result, expected, rtol=1e-6, err_msg=path)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_negative_infinity_is_exact_in_other_float_dtypes(dtype):
    """Item 10: the known-size and padded max pools keep -inf in float16 and float64 too (other lowest values)."""
    x = np.full((1, 13, 13, 1), -np.inf, dtype)
    for path, result in _paths(x, "max").items():
        assert np.isneginf(result.numpy()).all(), path


def test_a_total_overflowing_to_minus_inf_gives_the_finite_maxima():
    """Item 10: the -inf guard also fires on huge finite values; the exact path then gives the same numbers."""
    x = np.full((1, 13, 13, 2), -3e38, np.float32)
    x[0, 3, 5, 1] = -1.0
    for path, result in _paths(x, "max").items():
        expected = reference_spp([x[0]], LEVELS, "max").astype(np.float32)
        np.testing.assert_array_equal(result.numpy(), expected, err_msg=path)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_non_float_input_is_refused_naming_the_dtype(dtype):
    """Item 11: integer input is refused everywhere (dense, padded, ragged), never truncated (mean of 0..3 is not 1)."""
    x = tf.cast(tf.reshape(tf.range(4), (1, 2, 2, 1)), dtype)
    message = rf"`x` must be a floating-point feature map .* Received: x.dtype={dtype}"
    with pytest.raises(TypeError, match=message):
        spatial_pyramid_pool(x, levels=(1,), pooling="avg")
    with pytest.raises(TypeError, match=message):
        spatial_pyramid_pool(x, levels=(2, 1), pooling="max")
    with pytest.raises(TypeError, match=message):
        spatial_pyramid_pool(x, sizes=tf.constant([[2, 2]]))
    with pytest.raises(TypeError, match=message):
        spatial_pyramid_pool(tf.RaggedTensor.from_tensor(x, ragged_rank=2))


def test_layer_refuses_integer_input_when_the_model_is_built():
    """Item 11: the layer (no autocast) refuses an integer Keras input at model construction, naming the dtype."""
    with pytest.raises(TypeError, match=r"Received: x.dtype=int32"):
        SpatialPyramidPooling()(keras.Input((None, None, 8), dtype="int32"))


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_a_batch_of_zero_maps_gives_an_empty_output_on_every_path(pooling):
    """Item 8: a batch of 0 gives (0, C * 50) on every kernel, not a raw Range error."""
    x = np.zeros((0, 13, 13, 3), np.float32)
    results = {
        "known size": spatial_pyramid_pool(x, LEVELS, pooling),
        "unknown size": _dynamic(tf.constant(x), pooling),
        "padded": spatial_pyramid_pool(x, LEVELS, pooling, sizes=np.zeros((0, 2), np.int32)),
        "padded, graph": _dynamic(tf.constant(x), pooling, tf.zeros((0, 2), tf.int32)),
    }
    for path, result in results.items():
        assert result.shape == (0, 3 * 50), path


def test_zero_channels_known_only_in_the_graph_fail_with_a_clear_message():
    """Item 8: dynamic C=0 fails saying the map has 0 channels, not with a raw concat error."""
    for sizes in (None, tf.constant([[5, 5]])):
        with pytest.raises(tf.errors.InvalidArgumentError, match="The feature map has 0 channels: nothing to pool"):
            _dynamic(tf.zeros((1, 5, 5, 0)), "max", sizes)


def test_graph_mode_sizes_with_three_columns_fail_naming_the_expected_shape():
    """Item 8: `sizes` of shape (B, 3), known only in the graph, fail saying (batch, 2), not "Incompatible shapes"."""
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"`sizes` must have shape \(batch, 2\)"):
        _dynamic(tf.zeros((1, 5, 5, 2)), "max", tf.constant([[5, 5, 5]]))


def test_a_one_by_one_map_is_the_smallest_the_op_accepts():
    """Item 8: the op's own minimum is 1x1 (every bin repeats the cell); 0 is refused naming the axis."""
    assert spatial_pyramid_pool(tf.ones((1, 1, 1, 2))).shape == (1, 100)
    with pytest.raises(ValueError, match=r"The feature map's height is 0"):
        spatial_pyramid_pool(tf.ones((1, 0, 1, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"height and width must be >= 1"):
        _dynamic(tf.ones((1, 1, 0, 2)), "max")
