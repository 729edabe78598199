"""Geometry of a chain backbone, read from its Keras layers: per-layer windows, feature sizes, feature
stride, receptive field and the smallest input it accepts.

A *window* is the conv/pooling geometry of one layer: `kernel_size`, `strides` (pairs), `padding`
(`"valid"`, `"same"` or `((top, bottom), (left, right))`), `ceil_mode`, and `fill`, what the layer must
read outside an image's valid region to compute what the image computes alone (`"zeros"` for convs and
zero padding, `"lowest"` for max pools). Pointwise layers (normalization, LRN, activations) have none.
"""

import dataclasses

import keras

from zoo.layers import CeilMaxPooling2D, FillOutsideSizes, ImageInputCheck, LocalResponseNormalization
from zoo.layers.window_output_sizes import window_output_size

# Layers that act on each cell alone (BatchNormalization is not one: in training its statistics would
# include a padded batch's padding).
POINTWISE_LAYERS = (
    keras.layers.InputLayer,
    keras.layers.Normalization,
    keras.layers.Rescaling,
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.Dropout,
    LocalResponseNormalization,
    FillOutsideSizes,
    ImageInputCheck,
)


@dataclasses.dataclass(frozen=True)
class Window:
    """Conv/pooling geometry of one layer (see the module docstring)."""

    kernel_size: tuple
    strides: tuple
    padding: object
    ceil_mode: bool
    fill: str

    def output_size(self, size, axis):
        """Output length along `axis` (0: height, 1: width) for an input length (int, array or tensor)."""
        return window_output_size(size, axis, self.kernel_size, self.strides, self.padding, self.ceil_mode)

    def pad_before(self, axis):
        """Cells of padding before the first input cell along `axis` (for receptive fields)."""
        if self.padding == "valid":
            return 0
        if self.padding == "same":
            if self.strides[axis] != 1:
                raise ValueError(
                    f"'same' padding with stride {self.strides[axis]} pads by an amount that depends on the input size"
                )
            return (self.kernel_size[axis] - 1) // 2
        return self.padding[axis][0]


def layer_window(layer):
    """The `Window` of a Keras layer, None for a pointwise layer; ValueError for any other layer."""
    if isinstance(layer, POINTWISE_LAYERS):
        return None
    if isinstance(layer, keras.layers.ZeroPadding2D):
        _channels_last(layer)
        padding = tuple(tuple(int(p) for p in pair) for pair in layer.padding)
        return Window((1, 1), (1, 1), padding, False, "zeros")
    if isinstance(layer, CeilMaxPooling2D):
        return Window((layer.pool_size,) * 2, (layer.strides,) * 2, "valid", True, "lowest")
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
        _channels_last(layer)
        is_conv = isinstance(layer, keras.layers.Conv2D)
        if is_conv and tuple(layer.dilation_rate) != (1, 1):
            raise ValueError(
                f"Layer {layer.name!r} is dilated ({layer.dilation_rate}); zoo geometry supports dilation 1 only"
            )
        if isinstance(layer, keras.layers.AveragePooling2D) and layer.padding == "same":
            raise ValueError(
                f"Layer {layer.name!r}: 'same' average pooling excludes padding; its borders cannot be reproduced"
            )
        kernel = tuple(layer.kernel_size if is_conv else layer.pool_size)
        fill = "lowest" if isinstance(layer, keras.layers.MaxPooling2D) else "zeros"
        return Window(kernel, tuple(layer.strides), layer.padding, False, fill)
    raise ValueError(
        f"Layer {layer.name!r} ({type(layer).__name__}) is not a conv, pooling, zero-padding or pointwise layer: "
        "the zoo cannot map image sizes through it"
    )


def chain_layers(model):
    """The layers of a chain model in call order, nested models flattened, input layers dropped."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            layers.extend(chain_layers(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            layers.append(layer)
    return layers


def backbone_windows(backbone):
    """`[(layer, Window or None), ...]` for every layer of a chain backbone, in call order."""
    return [(layer, layer_window(layer)) for layer in chain_layers(backbone)]


def feature_size(backbone, size):
    """`(height, width)` of the backbone's features for an image `size` (pair of ints, arrays or tensors)."""
    height, width = size
    for _, window in backbone_windows(backbone):
        if window is not None:
            height, width = window.output_size(height, 0), window.output_size(width, 1)
    return height, width


def min_input_size(backbone, limit=2048):
    """Smallest square side for which every map of the backbone is at least 1x1."""
    windows = [w for _, w in backbone_windows(backbone) if w is not None]
    for side in range(1, limit + 1):
        size = side
        for window in windows:
            size = int(window.output_size(size, 0))
            if size < 1:
                break
        else:
            return side
    raise ValueError(f"No input up to {limit}x{limit} fits backbone {backbone.name!r}")


def receptive_field(backbone):
    """`{"feature_stride", "receptive_field_size", "receptive_field_offset"}` of the backbone (height axis).

    Feature cell `i` is centred on input pixel `offset + stride * i` (pixel centres at integers, the first
    at 0) and sees `size` pixels a side, including padding. The detector projects windows with these.
    """
    stride, size, offset = 1, 1, 0.0
    for _, window in backbone_windows(backbone):
        if window is None:
            continue
        offset += ((window.kernel_size[0] - 1) / 2 - window.pad_before(0)) * stride
        size += (window.kernel_size[0] - 1) * stride
        stride *= window.strides[0]
    return {"feature_stride": stride, "receptive_field_size": size, "receptive_field_offset": offset}


def _channels_last(layer):
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError(f"Layer {layer.name!r} is {layer.data_format}; the zoo's backbones are channels_last")
