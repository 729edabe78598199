"""region_pyramid_pool(jit_compile=True): the XLA kernel in buckets gives the default path's numbers, bit for bit.

(Non-finite values: `test_region_pooling.test_non_finite_values_reach_only_their_own_bins`, both paths.)
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_spp.ops import region_pyramid_pool
from keras_spp.ops.corner_gather import bucket_size
from tests.keras_spp.ops.test_region_pooling import crops, random_windows
from tests.keras_spp.reference import reference_spp


def test_bucket_size_rounds_up_to_eight_sizes_an_octave():
    n = np.arange(0, 5000)
    result = bucket_size(tf.constant(n, tf.int32)).numpy()
    step = np.array([2 ** max(0, int(v).bit_length() - 4) for v in n])  # 2 ** (floor(log2 n) - 3), at least 1
    np.testing.assert_array_equal(result, -(-n // step) * step)
    assert (result >= n).all() and (result[8:] <= n[8:] * 1.125).all()
    assert len(np.unique(result[(n > 1024) & (n <= 2048)])) == 8  # 1152, 1280, ..., 2048


@pytest.mark.parametrize("pooling", ["max", "avg"])
@pytest.mark.parametrize("levels", [(6, 3, 2, 1), (5, 2)])
@pytest.mark.parametrize("size, count", [((13, 17), 4), ((1, 9), 12), ((7, 1), 20), ((21, 30), 95)])
def test_equals_the_default_path_and_the_reference(pooling, levels, size, count):
    rng = np.random.default_rng(sum(size) + count)
    x = rng.normal(size=(1, *size, 3)).astype("float32")
    windows = random_windows(rng, *size, count)  # count + 5 windows: 9, 17, 25, 100, rarely a bucket size
    fused = region_pyramid_pool(x, windows[np.newaxis], levels, pooling, jit_compile=True).numpy()
    default = region_pyramid_pool(x, windows[np.newaxis], levels, pooling).numpy()
    if pooling == "max":
        np.testing.assert_array_equal(fused, default)
    np.testing.assert_allclose(fused[0], reference_spp(crops(x[0], windows), levels, pooling), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_two_images_with_counts_and_garbage_padding(pooling):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 9, 12, 2)).astype("float32")
    per_image = [random_windows(rng, 9, 12, 6), random_windows(rng, 9, 12, 1)]  # 11 and 6 windows
    windows = np.full((2, 11, 4), 99, "int32")
    for b, w in enumerate(per_image):
        windows[b, : len(w)] = w
    result = region_pyramid_pool(x, windows, (4, 2, 1), pooling, counts=[11, 6], jit_compile=True).numpy()
    for b, w in enumerate(per_image):
        expected = reference_spp(crops(x[b], w), (4, 2, 1), pooling)
        np.testing.assert_allclose(result[b, : len(w)], expected, rtol=1e-5, atol=1e-5)
    assert (result[1, 6:] == 0).all(), "padded windows give zeros"


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_no_windows_and_channels_first(pooling):
    x = np.random.default_rng(8).normal(size=(2, 3, 5, 6)).astype("float32")  # channels_first
    kwargs = {"data_format": "channels_first", "jit_compile": True}
    assert region_pyramid_pool(x, np.zeros((2, 0, 4), "int32"), (2, 1), pooling, **kwargs).shape == (2, 0, 15)
    windows = np.array([[[0, 0, 5, 4], [2, 1, 3, 3]], [[1, 1, 1, 1], [0, 2, 5, 4]]], "int32")
    fused = region_pyramid_pool(x, windows, (2, 1), pooling, **kwargs)
    expected = region_pyramid_pool(np.transpose(x, (0, 2, 3, 1)), windows, (2, 1), pooling)
    np.testing.assert_allclose(fused.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


def test_one_graph_serves_two_map_sizes_and_two_window_counts():
    pool = tf.function(lambda x, w: region_pyramid_pool(x, w, jit_compile=True))
    signature = (tf.TensorSpec((None, None, None, 4)), tf.TensorSpec((None, None, 4), tf.int32))
    concrete = pool.get_concrete_function(*signature)
    rng = np.random.default_rng(9)
    for (height, width), count in [((9, 13), 3), ((20, 6), 11), ((9, 13), 30)]:
        x = rng.normal(size=(1, height, width, 4)).astype("float32")
        windows = random_windows(rng, height, width, count)
        result = concrete(tf.constant(x), tf.constant(windows[np.newaxis])).numpy()[0]
        np.testing.assert_array_equal(result, reference_spp(crops(x[0], windows), (6, 3, 2, 1), "max"))
    assert pool.experimental_get_tracing_count() == 1
