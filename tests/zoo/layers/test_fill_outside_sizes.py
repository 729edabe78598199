import numpy as np
import pytest

from zoo.layers import FillOutsideSizes


@pytest.mark.parametrize("fill, value", [("zeros", 0.0), ("lowest", np.finfo("float32").min)])
def test_fills_outside_each_valid_region(fill, value):
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype("float32")
    sizes = np.array([[4, 5], [2, 3]], "int32")
    y = np.asarray(FillOutsideSizes(fill)(x, sizes))
    expected = x.copy()
    expected[1, 2:] = value
    expected[1, :, 3:] = value
    np.testing.assert_array_equal(y, expected)


def test_config_round_trip_and_bad_fill():
    layer = FillOutsideSizes("lowest", name="fill")
    assert FillOutsideSizes.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="'nan'"):
        FillOutsideSizes("nan")
