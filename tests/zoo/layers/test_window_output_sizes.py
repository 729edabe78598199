import keras
import numpy as np
import pytest

from keras_spp.ops import conv_output_size
from zoo.layers import WindowOutputSizes


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": (7, 7), "strides": (2, 2), "padding": ((1, 1), (1, 1))},
        {"kernel_size": (3, 3), "strides": (2, 2), "ceil_mode": True},
        {"kernel_size": (3, 5), "strides": (1, 1), "padding": "same"},
        {"kernel_size": (11, 11), "strides": (4, 3), "padding": ((2, 2), (0, 1))},
    ],
)
def test_each_axis_follows_conv_output_size(kwargs):
    layer = WindowOutputSizes(**kwargs)
    sizes = np.array([[224, 180], [13, 97], [64, 64]], "int32")
    padding = kwargs.get("padding", "valid")
    expected = [
        [
            conv_output_size(
                int(s[axis]),
                kwargs["kernel_size"][axis],
                kwargs["strides"][axis],
                padding if isinstance(padding, str) else padding[axis],
                kwargs.get("ceil_mode", False),
            )
            for axis in (0, 1)
        ]
        for s in sizes
    ]
    np.testing.assert_array_equal(np.asarray(layer(sizes)), expected)
    symbolic = layer(keras.Input((2,), dtype="int32"))
    assert symbolic.dtype == "int32" and tuple(symbolic.shape) == (None, 2)
    assert WindowOutputSizes.from_config(layer.get_config()).get_config() == layer.get_config()


def test_bad_geometry_fails_at_construction():
    with pytest.raises(ValueError, match="strides=0"):
        WindowOutputSizes((3, 3), (0, 1))
