"""Shared checks of a zoo backbone: paper map sizes (symbolic and on one real image), conv parameters."""

import keras
import numpy as np

from zoo.geometry import chain_layers


def map_sizes(backbone, height, width):
    """`{layer name: (h, w)}` of every layer, traced symbolically on a fixed-size input."""
    x = keras.Input((height, width, 3))
    sizes = {}
    for layer in chain_layers(backbone):
        x = layer(x)
        sizes[layer.name] = tuple(x.shape[1:3])
    return sizes


def conv_params(convs):
    """Parameters of a stack of convs given as `(kernel, in_channels, out_channels)`."""
    return sum(k * k * c_in * c_out + c_out for k, c_in, c_out in convs)


def check_backbone(backbone, expected_maps, channels, size=224):
    """Symbolic map sizes of the named layers, and the real conv output of one `size` x `size` image."""
    sizes = map_sizes(backbone, size, size)
    assert {name: sizes[name] for name in expected_maps} == {n: (s, s) for n, s in expected_maps.items()}
    features = backbone(np.zeros((1, size, size, 3), "float32"))
    last = list(expected_maps.values())[-1]
    assert tuple(features.shape) == (1, last, last, channels)
