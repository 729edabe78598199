import re

import numpy as np
import pytest

from tests.zoo.layers.contract import check_layer_contract
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


def test_layer_contract(tmp_path):
    check_layer_contract(LocalResponseNormalization(3, alpha=1e-3), (5, 5, 6), tmp_path)


def test_mixed_precision_keeps_the_dtype():
    layer = LocalResponseNormalization(dtype="mixed_float16")
    y = layer(np.ones((1, 2, 2, 4), "float32"))
    assert y.dtype == "float16"


@pytest.mark.parametrize("kwargs", [{"size": 4}, {"size": 0}, {"alpha": -1.0}, {"beta": 0}, {"bias": "1"}])
def test_bad_arguments_quote_the_value(kwargs):
    (value,) = kwargs.values()
    with pytest.raises(ValueError, match=re.escape(repr(value))):
        LocalResponseNormalization(**kwargs)
