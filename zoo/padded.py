"""Padded batches of differently sized images through a zoo model, each image computed as if alone.

A padded batch holds images of different sizes, each aligned top-left and zero-padded to the largest.
Before every conv, zero-padding and pooling layer, the maps are overwritten outside each image's valid
region (zeros before a conv, the lowest value before a max pool) and the valid `(height, width)` is
carried through the layer's size arithmetic (`keras_spp.ops.conv_output_size`). So every cell inside an
image's valid region, its conv borders included, equals what the image computes alone, and the SPP
layer pools exactly each image's own conv5 map (`sizes=`). Only rounding may differ (float sums in
another order). Full-image training (the paper's multi-size training) and an export taking encoded
images of any size both need this.
"""

import keras

from keras_spp.layers import SpatialPyramidPooling
from zoo.geometry import chain_layers, layer_window
from zoo.layers import FillOutsideSizes, WindowOutputSizes


def padded_backbone(backbone):
    """A Model `{"images", "image_sizes"}` -> `(features, feature_sizes)` sharing `backbone`'s layers.

    Args:
        backbone: a chain backbone (e.g. `zoo.backbone("zf5")`): conv, pooling, zero-padding and
            pointwise layers only. The returned model shares its layers and weights.

    Inputs:
        images: `(B, H, W, 3)` float pixels 0..255, each image top-left, anything in the padding.
        image_sizes: `(B, 2)` int32, the `(height, width)` of each image.

    Outputs:
        features `(B, H', W', C)` (cells outside each image's valid map are not meaningful) and
        feature_sizes `(B, 2)` int32, the valid `(height, width)` of each map: exactly each image's own
        feature size when run alone.

    Example:
    >>> import numpy as np, zoo
    >>> model = padded_backbone(zoo.backbone("zf5"))
    >>> images, sizes = np.zeros((2, 224, 240, 3), "float32"), np.array([[224, 240], [180, 100]], "int32")
    >>> features, feature_sizes = model({"images": images, "image_sizes": sizes})
    >>> keras.ops.convert_to_numpy(feature_sizes).tolist()
    [[13, 14], [10, 5]]
    """
    images, sizes = _inputs()
    features, feature_sizes = _run_chain(chain_layers(backbone), images, sizes)
    return keras.Model(
        {"images": images, "image_sizes": sizes}, [features, feature_sizes], name=f"{backbone.name}_padded"
    )


def padded_model(model):
    """A Model `{"images", "image_sizes"}` -> `model`'s outputs, sharing `model`'s layers and weights.

    Training it trains `model`. Each image of the padded batch gets the output it gets alone (see the
    module docstring), whatever the other images' sizes.

    Args:
        model: a zoo SPP classifier (`zoo.load("zf5_spp")`, also after a `.keras` round trip): a chain
            images -> backbone layers -> `SpatialPyramidPooling` -> single-input head layers.

    Inputs:
        images: `(B, H, W, 3)` float pixels 0..255, each image top-left, anything in the padding.
        image_sizes: `(B, 2)` int32, the `(height, width)` of each image.

    Output: that of `model`, e.g. `(B, num_classes)` probabilities.

    Example:
    >>> import numpy as np, zoo
    >>> model = padded_model(zoo.load("zf5_spp", fc_units=16, num_classes=3))
    >>> batch = {"images": np.zeros((2, 96, 80, 3), "float32"), "image_sizes": np.array([[96, 80], [64, 70]], "int32")}
    >>> tuple(model(batch).shape)
    (2, 3)
    """
    layers = chain_layers(model)
    spp = [i for i, layer in enumerate(layers) if isinstance(layer, SpatialPyramidPooling)]
    if len(spp) != 1 or len(model.inputs) != 1:
        raise ValueError(
            f"padded_model needs a single-input chain model with one SpatialPyramidPooling layer, as every zoo "
            f"*_spp classifier is. Model {model.name!r} has {len(model.inputs)} input(s) and {len(spp)} SPP layer(s)."
        )
    images, sizes = _inputs()
    x, feature_sizes = _run_chain(layers[: spp[0]], images, sizes)
    x = layers[spp[0]](x, sizes=feature_sizes)
    for layer in layers[spp[0] + 1 :]:
        x = layer(x)
    return keras.Model({"images": images, "image_sizes": sizes}, x, name=f"{model.name}_padded")


def _inputs():
    return keras.Input((None, None, 3), name="images"), keras.Input((2,), dtype="int32", name="image_sizes")


def _run_chain(layers, x, sizes):
    for layer in layers:
        window = layer_window(layer)
        if window is not None:
            if window.padding == "same" and window.strides != (1, 1):
                raise ValueError(
                    f"Layer {layer.name!r} uses 'same' padding with strides {window.strides}: its padding depends "
                    "on the padded extent, so a padded batch cannot reproduce each image alone"
                )
            x = FillOutsideSizes(window.fill)(x, sizes)
            sizes = WindowOutputSizes(window.kernel_size, window.strides, window.padding, window.ceil_mode)(sizes)
        x = layer(x)
    return x, sizes
