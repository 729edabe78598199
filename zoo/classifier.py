"""Image classifier: backbone -> spatial pyramid pooling (or the fixed-size baseline pool) -> fc head."""

import numbers

import keras

from keras_spp.layers import SpatialPyramidPooling
from keras_spp.validation import positive_int
from zoo.layers import ImageInputCheck


def classifier(
    backbone,
    spp=True,
    levels=(6, 3, 2, 1),
    fc_units=4096,
    num_classes=1000,
    dropout=0.5,
    fixed_pool=None,
    input_size=224,
    name=None,
):
    """The paper's classifier over a conv backbone, with SPP (any input size) or a fixed pool (one size).

    With SPP: images `(B, None, None, 3)` -> backbone -> `SpatialPyramidPooling(levels)` -> fc6 -> fc7 ->
    fc8. Without (the paper's no-SPP baseline): images `(B, input_size, input_size, 3)` -> backbone ->
    max-pool `fixed_pool` -> Flatten -> the same fc layers. fc6 and fc7 are Dense(`fc_units`) + ReLU +
    Dropout(`dropout`); fc8 is Dense(`num_classes`) + softmax, in float32 whatever the dtype policy. Pixels
    are raw RGB 0..255: the backbone normalizes them.

    Args:
        backbone: a functional `keras.Model`, images `(B, H, W, 3)` -> features `(B, H', W', C)`.
        spp: True for SPP, False for the fixed-pool baseline.
        levels: SPP pyramid levels (with `spp=True` only).
        fc_units: int >= 1, width of fc6 and fc7 (the paper: 4096).
        num_classes: int >= 1 (the paper: 1000).
        dropout: float in [0, 1), after fc6 and fc7 (the paper: 0.5).
        fixed_pool: dict of `keras.layers.MaxPooling2D` arguments for the baseline, e.g.
            `{"pool_size": 3, "strides": 2}` (with `spp=False` only).
        input_size: the baseline's one input side (with `spp=False` only).
        name: the model name; default the backbone's name with `_spp` or `_fixed` instead of `_backbone`.

    Input shape: `(B, H, W, 3)` float pixels 0..255; H, W are None with SPP, `input_size` without.
    Output shape: `(B, num_classes)` probabilities.

    Example:
    >>> from zoo.zf5.zf5_backbone import zf5_backbone
    >>> model = classifier(zf5_backbone(), fc_units=16, num_classes=3)
    >>> tuple(model(keras.ops.zeros((1, 80, 96, 3))).shape)
    (1, 3)
    """
    fc_units = positive_int(fc_units, "fc_units")
    num_classes = positive_int(num_classes, "num_classes")
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be a number in [0, 1). Received: dropout={dropout!r}")
    base = backbone.name.removesuffix("_backbone")
    name = name or f"{base}_{'spp' if spp else 'fixed'}"
    if spp:
        if fixed_pool is not None:
            raise ValueError(
                f"`fixed_pool` is for the no-SPP baseline (spp=False). Received: fixed_pool={fixed_pool!r}"
            )
        images = keras.Input((None, None, 3), name="images")
        x = ImageInputCheck(_min_input_size(backbone), model_name=name, name="input_check")(images)
        x = SpatialPyramidPooling(levels, name="spp")(backbone(x))
    else:
        if fixed_pool is None:
            raise ValueError("The no-SPP baseline (spp=False) needs `fixed_pool`, e.g. {'pool_size': 3, 'strides': 2}")
        side = positive_int(input_size, "input_size")
        images = keras.Input((side, side, 3), name="images")
        x = ImageInputCheck(side, model_name=name, name="input_check")(images)
        x = keras.layers.MaxPooling2D(**fixed_pool, name="pool_fixed")(backbone(x))
        x = keras.layers.Flatten(name="flatten")(x)
    *hidden, (last, _) = head_layers(fc_units, num_classes)
    for layer_name, units in hidden:
        x = keras.layers.Dense(units, activation="relu", name=layer_name)(x)
        x = keras.layers.Dropout(float(dropout), name=layer_name.replace("fc", "drop"))(x)
    # float32 probabilities also under mixed precision (a float16 softmax saturates the loss).
    probabilities = keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name=last)(x)
    return keras.Model(images, probabilities, name=name)


def _min_input_size(backbone):
    """The backbone's smallest input side (`zoo.geometry`), 1 for a backbone geometry cannot read."""
    from zoo.geometry import min_input_size

    try:
        return min_input_size(backbone)
    except ValueError:
        return 1


def head_layers(fc_units, num_classes):
    """The head's Dense layers as `[(name, units), ...]`: what `classifier` builds and `head_num_params` counts."""
    return [("fc6", fc_units), ("fc7", fc_units), ("fc8", num_classes)]


def head_num_params(pooled_features, fc_units, num_classes):
    """Parameters of the fc head on `pooled_features` inputs (weights and biases of every Dense layer).

    Example:
    >>> head_num_params(256 * 50, fc_units=16, num_classes=3)
    205139
    """
    total, width = 0, pooled_features
    for _, units in head_layers(fc_units, num_classes):
        total, width = total + (width + 1) * units, units
    return total
