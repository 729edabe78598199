"""region_pyramid_pool against the brute-force NumPy reference and SpatialPyramidPooling on each crop."""

import doctest

import numpy as np
import pytest
import tensorflow as tf

import keras_spp.ops.region_pooling as region_pooling_module
from keras_spp.ops import region_pyramid_pool, spatial_pyramid_pool
from tests.keras_spp.reference import reference_spp


def random_windows(rng, height, width, count):
    """`count` windows `[x0, y0, x1, y1]` inside a `height x width` map, 1x1 and border windows included."""
    windows = []
    for _ in range(count):
        x0, x1 = sorted(rng.integers(0, width, 2))
        y0, y1 = sorted(rng.integers(0, height, 2))
        windows.append([x0, y0, x1, y1])
    windows += [[0, 0, 0, 0], [width - 1, height - 1, width - 1, height - 1], [0, 0, width - 1, height - 1]]
    windows += [[width - 1, 0, width - 1, height - 1], [0, height - 1, width - 1, height - 1]]
    return np.array(windows, "int32")


def crops(image, windows):
    return [image[y0 : y1 + 1, x0 : x1 + 1] for x0, y0, x1, y1 in windows]


@pytest.mark.parametrize("pooling", ["max", "avg"])
@pytest.mark.parametrize("levels", [(6, 3, 2, 1), (5, 2), (3,)])
@pytest.mark.parametrize("size", [(13, 17), (1, 9), (7, 1)])
def test_equals_the_reference_on_each_crop(pooling, levels, size):
    rng = np.random.default_rng(sum(size) + len(levels))
    x = rng.normal(size=(1, *size, 3)).astype("float32")
    windows = random_windows(rng, *size, 12)
    result = region_pyramid_pool(x, windows[np.newaxis], levels, pooling).numpy()[0]
    expected = reference_spp(crops(x[0], windows), levels, pooling)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_equals_spatial_pyramid_pooling_on_each_crop(pooling):
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 5, size=(1, 11, 14, 4)).astype("float32")
    windows = random_windows(rng, 11, 14, 10)
    result = region_pyramid_pool(x, windows[np.newaxis], pooling=pooling).numpy()[0]
    for row, crop in zip(result, crops(x[0], windows), strict=True):
        expected = spatial_pyramid_pool(crop[np.newaxis], pooling=pooling).numpy()[0]
        np.testing.assert_allclose(row, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_batch_of_two_with_different_window_counts(pooling):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 9, 12, 2)).astype("float32")
    per_image = [random_windows(rng, 9, 12, 4), random_windows(rng, 9, 12, 1)]  # 9 and 6 windows
    windows = np.full((2, 9, 4), 99, "int32")  # padding holds garbage: it must not matter
    for b, w in enumerate(per_image):
        windows[b, : len(w)] = w
    result = region_pyramid_pool(x, windows, (4, 2, 1), pooling, counts=[9, 6]).numpy()
    for b, w in enumerate(per_image):
        expected = reference_spp(crops(x[b], w), (4, 2, 1), pooling)
        np.testing.assert_allclose(result[b, : len(w)], expected, rtol=1e-5, atol=1e-5)
    assert (result[1, 6:] == 0).all(), "padded windows give zeros"


def test_channels_first_gives_the_channels_last_numbers():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 8, 10, 3)).astype("float32")
    windows = random_windows(rng, 8, 10, 5)[np.newaxis]
    expected = region_pyramid_pool(x, windows, data_format="channels_last").numpy()
    result = region_pyramid_pool(np.transpose(x, (0, 3, 1, 2)), windows, data_format="channels_first").numpy()
    np.testing.assert_array_equal(result, expected)


def test_windows_are_clamped_and_inverted_ones_read_as_one_cell():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(1, 6, 7, 2)).astype("float32")
    windows = np.array([[[-3, -2, 100, 100], [5, 4, 2, 1], [6, 5, 50, 5]]], "int32")
    clamped = np.array([[0, 0, 6, 5], [5, 4, 5, 4], [6, 5, 6, 5]])
    result = region_pyramid_pool(x, windows, (2, 1)).numpy()[0]
    np.testing.assert_allclose(result, reference_spp(crops(x[0], clamped), (2, 1), "max"), rtol=1e-6)


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_empty_window_list_gives_zero_rows(pooling):
    x = np.ones((2, 5, 5, 3), "float32")
    result = region_pyramid_pool(x, np.zeros((2, 0, 4), "int32"), pooling=pooling)
    assert result.shape == (2, 0, 150)


def test_one_graph_serves_two_map_sizes_and_two_window_counts():
    pool = tf.function(region_pyramid_pool)
    signature = (tf.TensorSpec((None, None, None, 4)), tf.TensorSpec((None, None, 4), tf.int32))
    concrete = pool.get_concrete_function(*signature)
    rng = np.random.default_rng(5)
    for (height, width), count in [((9, 13), 3), ((20, 6), 11)]:
        x = rng.normal(size=(1, height, width, 4)).astype("float32")
        windows = random_windows(rng, height, width, count)
        result = concrete(tf.constant(x), tf.constant(windows[np.newaxis])).numpy()[0]
        np.testing.assert_allclose(result, reference_spp(crops(x[0], windows), (6, 3, 2, 1), "max"), rtol=1e-6)
    assert pool.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("jit_compile", [False, True])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_non_finite_values_reach_only_their_own_bins(pooling, jit_compile):
    x = np.arange(48, dtype="float32").reshape((1, 6, 8, 1))
    x[0, 1, 1, 0] = np.nan
    x[0, 4, 6, 0] = np.inf
    windows = np.array([[0, 0, 7, 5], [4, 3, 7, 5], [3, 0, 7, 2]], "int32")
    result = region_pyramid_pool(x, windows[np.newaxis], (2, 1), pooling, jit_compile=jit_compile).numpy()[0]
    expected = reference_spp(crops(x[0], windows), (2, 1), pooling)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    np.testing.assert_allclose(result[~np.isnan(result)], expected[~np.isnan(expected)], rtol=1e-6)


def test_avg_keeps_its_precision_on_a_large_map():
    rng = np.random.default_rng(6)
    x = (np.maximum(rng.normal(size=(1, 75, 208, 2)), 0) * 10).astype("float32")  # a 1200-scale conv5 map
    windows = random_windows(rng, 75, 208, 40)
    windows[:20, 2:] = np.minimum(windows[:20, :2] + 2, [207, 74])  # small windows far from the origin
    result = region_pyramid_pool(x, windows[np.newaxis], pooling="avg").numpy()[0]
    expected = reference_spp(crops(x[0], windows), (6, 3, 2, 1), "avg")
    np.testing.assert_allclose(result, expected, rtol=1e-4, atol=1e-3)


def test_mixed_precision_input_keeps_its_dtype():
    x = tf.cast(tf.reshape(tf.range(30.0), (1, 5, 6, 1)), tf.float16)
    for pooling in ("max", "avg"):
        assert region_pyramid_pool(x, [[[0, 0, 5, 4]]], (2, 1), pooling).dtype == tf.float16


@pytest.mark.parametrize(
    "features, windows, kwargs, match",
    [
        (np.zeros((5, 5, 3), "float32"), np.zeros((1, 1, 4), "int32"), {}, "rank-4"),
        (np.zeros((1, 5, 5, 3), "float32"), np.zeros((1, 1, 4), "float32"), {}, "integer"),
        (np.zeros((1, 5, 5, 3), "float32"), np.zeros((1, 4), "int32"), {}, r"shape=\(1, 4\)"),
        (np.zeros((1, 5, 5, 3), "float32"), np.zeros((1, 1, 5), "int32"), {}, r"\(batch, windows, 4\)"),
        (np.zeros((1, 5, 5, 3), "int32"), np.zeros((1, 1, 4), "int32"), {}, "float"),
        (np.zeros((1, 0, 5, 3), "float32"), np.zeros((1, 1, 4), "int32"), {}, "height is 0"),
        (np.zeros((1, 5, 5, 3), "float32"), np.zeros((1, 1, 4), "int32"), {"counts": [1.0]}, "counts"),
        (np.zeros((1, 5, 5, 3), "float32"), np.zeros((1, 1, 4), "int32"), {"pooling": "sum"}, "'sum'"),
    ],
)
def test_bad_input_is_rejected_with_the_value(features, windows, kwargs, match):
    with pytest.raises(ValueError, match=match):
        region_pyramid_pool(features, windows, **kwargs)


def test_a_window_row_per_image_is_checked():
    with pytest.raises(tf.errors.InvalidArgumentError, match="one row of windows per image"):
        region_pyramid_pool(np.zeros((2, 4, 4, 1), "float32"), np.zeros((1, 3, 4), "int32"))


def test_docstring_example():
    result = doctest.testmod(region_pooling_module, extraglobs={"tf": tf})
    assert result.failed == 0 and result.attempted > 0


def test_windows_beyond_the_default_table_depth_fail_loudly_and_known_sizes_have_no_limit():
    width = 2 ** (region_pooling_module.DEFAULT_TABLE_DEPTH + 1) + 5
    x = np.arange(width, dtype="float32").reshape((1, 1, width, 1))
    windows = np.array([[[0, 0, width - 1, 0]]], "int32")
    assert region_pyramid_pool(x, windows, (1,)).numpy().item() == width - 1  # static width: a deep enough table
    unknown = tf.function(region_pyramid_pool).get_concrete_function(
        tf.TensorSpec((1, None, None, 1)), tf.TensorSpec((1, None, 4), tf.int32), (1,)
    )
    with pytest.raises(tf.errors.InvalidArgumentError, match="longer than the sparse table covers"):
        unknown(tf.constant(x), tf.constant(windows))
