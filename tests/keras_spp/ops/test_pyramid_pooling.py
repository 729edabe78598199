import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_spp.ops import spatial_pyramid_pool
from tests.keras_spp.reference import reference_spp

LEVEL_SETS = [(6, 3, 2, 1), (1,), (4, 2), (3, 5), (7,)]
_GRAPHS = {}


def _unknown_size_graph(levels, pooling, data_format):
    """The op traced once with unknown batch, height, width and channels (the gather kernel)."""
    key = (levels, pooling, data_format)
    if key not in _GRAPHS:
        _GRAPHS[key] = tf.function(
            lambda x: spatial_pyramid_pool(x, levels, pooling, data_format=data_format),
            input_signature=[tf.TensorSpec((None, None, None, None), tf.float32)],
        )
    return _GRAPHS[key]


def _padded(images, pad_value=0.0):
    h = max(i.shape[0] for i in images)
    w = max(i.shape[1] for i in images)
    batch = np.full((len(images), h, w, images[0].shape[2]), pad_value, np.float32)
    for k, image in enumerate(images):
        batch[k, : image.shape[0], : image.shape[1]] = image
    sizes = np.array([i.shape[:2] for i in images], np.int32)
    return batch, sizes


def _ragged(images):
    c = images[0].shape[2]
    rows = tf.RaggedTensor.from_row_lengths(
        np.concatenate([i.reshape(-1, c) for i in images]),
        np.concatenate([[i.shape[1]] * i.shape[0] for i in images]),
    )
    return tf.RaggedTensor.from_row_lengths(rows, [i.shape[0] for i in images])


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 17),
    w=st.integers(1, 17),
    c=st.integers(1, 4),
    levels=st.sampled_from(LEVEL_SETS),
    pooling=st.sampled_from(["max", "avg"]),
    seed=st.integers(0, 2**16),
)
def test_dense_known_and_unknown_sizes_match_bruteforce_reference_in_both_formats(h, w, c, levels, pooling, seed):
    x = np.random.default_rng(seed).normal(size=(2, h, w, c)).astype(np.float32)
    expected = reference_spp(list(x), levels, pooling)
    last = spatial_pyramid_pool(x, levels, pooling, data_format="channels_last")
    first = spatial_pyramid_pool(np.transpose(x, (0, 3, 1, 2)), levels, pooling, data_format="channels_first")
    np.testing.assert_allclose(last.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(first.numpy(), expected, rtol=1e-5, atol=1e-6)
    dynamic = _unknown_size_graph(levels, pooling, "channels_last")(x)
    dynamic_first = _unknown_size_graph(levels, pooling, "channels_first")(np.transpose(x, (0, 3, 1, 2)))
    np.testing.assert_allclose(dynamic.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dynamic_first.numpy(), expected, rtol=1e-5, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    shapes=st.lists(st.tuples(st.integers(1, 15), st.integers(1, 15)), min_size=1, max_size=4),
    pooling=st.sampled_from(["max", "avg"]),
    levels=st.sampled_from(LEVEL_SETS),
    seed=st.integers(0, 2**16),
)
def test_padded_and_ragged_batches_equal_pooling_each_image_alone(shapes, pooling, levels, seed):
    rng = np.random.default_rng(seed)
    # All-negative features and a huge padding value: any leak of padding into a max would show.
    images = [rng.uniform(-9.0, -1.0, size=(h, w, 3)).astype(np.float32) for h, w in shapes]
    batch, sizes = _padded(images, pad_value=1e9)
    expected = reference_spp(images, levels, pooling)
    padded = spatial_pyramid_pool(batch, levels, pooling, sizes=sizes)
    ragged = spatial_pyramid_pool(_ragged(images), levels, pooling)
    np.testing.assert_allclose(padded.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ragged.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pad_value", [np.nan, np.inf, -np.inf, 0.0])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_padding_never_leaks_whatever_its_value(pad_value, pooling):
    rng = np.random.default_rng(1)
    images = [rng.normal(size=(5, 3, 2)).astype(np.float32) - 5, rng.normal(size=(2, 7, 2)).astype(np.float32) - 5]
    batch, sizes = _padded(images, pad_value=pad_value)
    result = spatial_pyramid_pool(batch, (6, 3, 2, 1), pooling, sizes=sizes).numpy()
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, reference_spp(images, (6, 3, 2, 1), pooling), rtol=1e-5, atol=1e-6)


def test_padded_channels_first_matches_channels_last():
    rng = np.random.default_rng(2)
    images = [rng.normal(size=(h, w, 3)).astype(np.float32) for h, w in [(4, 9), (11, 2), (1, 1)]]
    batch, sizes = _padded(images)
    last = spatial_pyramid_pool(batch, (3, 2, 1), "max", sizes=sizes, data_format="channels_last")
    first = spatial_pyramid_pool(
        np.transpose(batch, (0, 3, 1, 2)), (3, 2, 1), "max", sizes=sizes, data_format="channels_first"
    )
    np.testing.assert_array_equal(last.numpy(), first.numpy())


def test_published_tensorflow_addons_vector():
    # tfa.layers.SpatialPyramidPooling2D's documented example: arange(16) as 4x4, levels [1, 2], average.
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    result = spatial_pyramid_pool(x, (1, 2), "avg")
    np.testing.assert_allclose(result.numpy(), [[7.5, 2.5, 4.5, 10.5, 12.5]])


@pytest.mark.parametrize("h, w", [(13, 13), (10, 10), (7, 11), (5, 3), (2, 9)])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_keras_adaptive_pooling_is_an_independent_oracle_per_level(h, w, pooling):
    x = np.random.default_rng(h * w).normal(size=(2, h, w, 4)).astype(np.float32)
    levels = (6, 3, 2)
    adaptive = keras.layers.AdaptiveMaxPooling2D if pooling == "max" else keras.layers.AdaptiveAveragePooling2D
    expected = [tf.reshape(adaptive((n, n))(x), (2, -1)) for n in levels]
    # Keras 3.15's adaptive pooling to (1, 1) dies with SIGFPE on TF: a global reduction is the 1x1 oracle.
    expected.append(np.max(x, axis=(1, 2)) if pooling == "max" else np.mean(x, axis=(1, 2)))
    result = spatial_pyramid_pool(x, levels + (1,), pooling)
    np.testing.assert_allclose(result.numpy(), np.concatenate(expected, axis=1), rtol=1e-5, atol=1e-6)


def test_one_by_one_map_repeats_its_cell_in_every_bin():
    x = np.array([[[[1.0, -2.0]]]], np.float32)
    result = spatial_pyramid_pool(x, (6, 3, 2, 1), "max").numpy()
    assert result.shape == (1, 100)
    np.testing.assert_array_equal(result.reshape(-1, 2), np.tile([[1.0, -2.0]], (50, 1)))


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_nan_propagates_to_exactly_the_bins_that_contain_it(pooling):
    x = np.random.default_rng(3).normal(size=(1, 6, 6, 1)).astype(np.float32)
    x[0, 0, 0, 0] = np.nan
    result = spatial_pyramid_pool(x, (2, 1), pooling).numpy()[0]
    # Level 2: only the top-left bin holds cell (0, 0); level 1: the single bin does.
    np.testing.assert_array_equal(np.isnan(result), [True, False, False, False, True])


def test_nan_reaches_every_pool_level_of_a_known_size_map():
    # 13x13 into 6, 3 and 2 bins: three VALID max pools sharing one NaN guard.
    x = np.random.default_rng(6).normal(size=(2, 13, 13, 3)).astype(np.float32)
    x[1, 12, 12, 2] = np.nan
    result = spatial_pyramid_pool(x, (6, 3, 2, 1), "max").numpy()
    expected = reference_spp(list(x), (6, 3, 2, 1), "max")
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    np.testing.assert_allclose(result, expected)
    assert np.isnan(result[1]).sum() == 4  # one bin in each of the four levels


@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_padded_batch_propagates_nan_and_keeps_infinities_exact(pooling):
    rng = np.random.default_rng(5)
    images = [rng.normal(size=(6, 5, 2)).astype(np.float32), rng.normal(size=(3, 7, 2)).astype(np.float32)]
    images[0][0, 0, 0] = np.nan
    images[1][2, 6, 1], images[1][0, 0, 1] = np.inf, -np.inf  # a total of NaN without any NaN cell here
    batch, sizes = _padded(images, pad_value=-1.0)
    result = spatial_pyramid_pool(batch, (3, 2, 1), pooling, sizes=sizes).numpy()
    with np.errstate(invalid="ignore"):
        expected = reference_spp(images, (3, 2, 1), pooling)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)  # equal_nan by default
    assert np.isnan(result).any() and np.isinf(result).any()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("pooling", ["max", "avg"])
def test_output_keeps_the_input_dtype_in_every_kernel(dtype, pooling):
    x = tf.random.normal((2, 5, 4, 3), dtype=dtype)
    sizes = tf.constant([[5, 4], [2, 3]])
    assert spatial_pyramid_pool(x, (2, 1), pooling).dtype == dtype
    assert spatial_pyramid_pool(x, (2, 1), pooling, sizes=sizes).dtype == dtype
    expected = reference_spp(
        [x[0].numpy().astype(np.float64), x[1, :2, :3].numpy().astype(np.float64)], (2, 1), pooling
    )
    result = tf.cast(spatial_pyramid_pool(x, (2, 1), pooling, sizes=sizes), tf.float64).numpy()
    np.testing.assert_allclose(result, expected, rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("pooling", ["max", "avg"])
@pytest.mark.parametrize("kernel", ["known size", "unknown size", "padded"])
def test_gradients_match_finite_differences(pooling, kernel):
    rng = np.random.default_rng(4)
    x = rng.permutation(2 * 7 * 5 * 2).reshape(2, 7, 5, 2).astype(np.float64) / 10.0  # distinct: no ties
    sizes = tf.constant([[7, 5], [4, 3]], tf.int32) if kernel == "padded" else None
    signature = [tf.TensorSpec((None, None, None, 2) if kernel == "unknown size" else x.shape, tf.float64)]
    pool = tf.function(lambda t: spatial_pyramid_pool(t, (3, 2, 1), pooling, sizes=sizes), input_signature=signature)

    theoretical, numerical = tf.test.compute_gradient(pool, [tf.constant(x)])
    np.testing.assert_allclose(theoretical[0], numerical[0], atol=1e-6)
    if sizes is not None:  # padding cells get no gradient at all
        grad = tf.reshape(tf.reduce_sum(tf.abs(theoretical[0]), axis=0), x.shape).numpy()
        assert np.all(grad[1, 4:, :, :] == 0) and np.all(grad[1, :, 3:, :] == 0)
        assert grad[1, :4, :3].sum() > 0


def test_one_traced_graph_serves_every_size():
    fn = tf.function(
        lambda x: spatial_pyramid_pool(x, (6, 3, 2, 1), "max"),
        input_signature=[tf.TensorSpec((None, None, None, 8), tf.float32)],
    )
    for h, w in [(13, 13), (10, 10), (1, 1), (60, 7)]:
        x = np.random.default_rng(h).normal(size=(2, h, w, 8)).astype(np.float32)
        np.testing.assert_allclose(fn(x).numpy(), reference_spp(list(x), (6, 3, 2, 1), "max"), rtol=1e-6)
    assert fn.experimental_get_tracing_count() == 1


class TestBadInput:
    def test_rank_other_than_four_names_the_shape(self):
        with pytest.raises(ValueError, match=r"rank-4.*\(2, 5, 3\)"):
            spatial_pyramid_pool(tf.zeros((2, 5, 3)))

    def test_static_zero_size_axis(self):
        with pytest.raises(ValueError, match="width is 0"):
            spatial_pyramid_pool(tf.zeros((1, 4, 0, 3)))

    def test_dynamic_zero_size_axis_fails_in_the_graph(self):
        fn = tf.function(lambda x: spatial_pyramid_pool(x), input_signature=[tf.TensorSpec((None, None, None, 3))])
        with pytest.raises(tf.errors.InvalidArgumentError, match="height and width must be >= 1"):
            fn(tf.zeros((1, 0, 4, 3)))

    @pytest.mark.parametrize(
        "sizes, message",
        [
            ([[4, 4], [0, 3]], "< 1"),
            ([[4, 4], [-2, 3]], "< 1"),
            ([[4, 5], [2, 3]], "exceeds the padded extent"),
            ([[4, 4]], "one \\(height, width\\) per image"),
        ],
    )
    def test_bad_sizes_raise_instead_of_pooling_garbage(self, sizes, message):
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            spatial_pyramid_pool(tf.zeros((2, 4, 4, 3)), sizes=tf.constant(sizes, tf.int32))

    def test_bad_sizes_also_fail_inside_a_graph(self):
        fn = tf.function(lambda x, s: spatial_pyramid_pool(x, sizes=s))
        with pytest.raises(tf.errors.InvalidArgumentError, match="exceeds the padded extent"):
            fn(tf.zeros((1, 4, 4, 3)), tf.constant([[9, 1]], tf.int32))

    def test_sizes_must_be_integer_pairs(self):
        with pytest.raises(ValueError, match="integer"):
            spatial_pyramid_pool(tf.zeros((1, 4, 4, 3)), sizes=tf.constant([[4.0, 4.0]]))
        with pytest.raises(ValueError, match=r"shape \(batch, 2\)"):
            spatial_pyramid_pool(tf.zeros((1, 4, 4, 3)), sizes=tf.constant([[4, 4, 4]]))

    def test_ragged_rows_of_one_image_must_share_a_width(self):
        rows = tf.RaggedTensor.from_row_lengths(tf.zeros((5, 3)), [2, 3])
        with pytest.raises(tf.errors.InvalidArgumentError, match="same width"):
            spatial_pyramid_pool(tf.RaggedTensor.from_row_lengths(rows, [2]))

    def test_bad_arguments_quote_the_value(self):
        with pytest.raises(ValueError, match="'median'"):
            spatial_pyramid_pool(tf.zeros((1, 4, 4, 3)), pooling="median")
        with pytest.raises(ValueError, match=r"\[0\]"):
            spatial_pyramid_pool(tf.zeros((1, 4, 4, 3)), levels=[0])
