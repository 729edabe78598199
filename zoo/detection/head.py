"""The detector's head on pooled conv5 features: fc6, fc7, a (K+1)-way fc8 and a box-regression layer.

SPP-net §4.1: fc6 and fc7 come from the ImageNet-trained classifier, fc8 is new, initialised N(0, 0.01);
box regression is on the pooled conv5 features (R-CNN's parameterisation; the released code fits ridge
regressors, here a trained Dense layer, one box per foreground class).
"""

import keras

from keras_spp.validation import positive_int


def detection_head(
    num_classes, pooled_features=12800, fc_units=256, dropout=0.5, box_scale=1.0, svm=False, name="detection_head"
):
    """A Keras model: pooled features `(R, pooled_features)` -> `{"scores": (R, K+1), "deltas": (R, 4K)}`.

    Args:
        num_classes: K, the foreground classes (column 0 of `scores` is the background).
        pooled_features: the pooled feature width (256 channels x 50 bins = 12,800 for ZF-5).
        fc_units: width of fc6 and fc7 (the backbone preset's, 256 for `zf5_spp.imagenette`).
        dropout: after fc6 and fc7 while training.
        box_scale: the pooled features are multiplied by it before box regression (R-CNN scales them to a
            mean L2 norm of 20 before its ridge regression; `training.train_detector` does the same).
        svm: score with per-class linear SVMs on fc7 (paper §4.1, fitted by `training.detection_svm`)
            instead of fc8's softmax: a `svm` Dense layer of K+1 units whose sigmoid is `scores` (column 0,
            the background, has a zero kernel and a bias of -10: about 0); the head then has no fc8.
        name: the model's name.

    Input shape: `(R, pooled_features)` float32.
    Output shape: `scores` `(R, K+1)` softmax probabilities (with `svm`: sigmoids of the SVM margins);
    `deltas` `(R, 4K)` `(dx, dy, dw, dh)` per class, scaled by `zoo.detection.box_coding.FAST_RCNN_VARIANCE`
    (decode with that variance).

    Example:
    >>> head = detection_head(3, pooled_features=50, fc_units=8)
    >>> out = head(keras.ops.zeros((5, 50)))
    >>> tuple(out["scores"].shape), tuple(out["deltas"].shape)
    ((5, 4), (5, 12))
    """
    num_classes = positive_int(num_classes, "num_classes")
    pooled_features = positive_int(pooled_features, "pooled_features")
    fc_units = positive_int(fc_units, "fc_units")
    if not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={dropout!r}")
    pooled = keras.Input((pooled_features,), name="pooled")
    x = pooled
    for layer in ("fc6", "fc7"):
        x = keras.layers.Dense(fc_units, activation="relu", name=layer)(x)
        x = keras.layers.Dropout(dropout, name=layer.replace("fc", "drop"))(x)
    if svm:
        scores = keras.layers.Dense(num_classes + 1, activation="sigmoid", name="svm")(x)
    else:
        scores = keras.layers.Dense(
            num_classes + 1,
            activation="softmax",
            kernel_initializer=keras.initializers.RandomNormal(stddev=0.01),
            name="fc8",
        )(x)
    deltas = keras.layers.Dense(
        4 * num_classes, kernel_initializer=keras.initializers.RandomNormal(stddev=0.001), name="bbox_pred"
    )(keras.layers.Rescaling(float(box_scale), name="box_scale")(pooled))
    return keras.Model(pooled, {"scores": scores, "deltas": deltas}, name=name)


def copy_fc_layers(head, classifier):
    """Copies fc6 and fc7 of a zoo classifier (e.g. `zoo.load("zf5_spp.imagenette")`) into `head`."""
    for layer in ("fc6", "fc7"):
        source, target = classifier.get_layer(layer), head.get_layer(layer)
        shapes = [tuple(w.shape) for w in source.weights], [tuple(w.shape) for w in target.weights]
        if shapes[0] != shapes[1]:
            raise ValueError(
                f"The classifier's {layer} has weights {shapes[0]}, the head's {shapes[1]}: pass the "
                f"backbone preset's `fc_units` and pyramid. Received: classifier={classifier.name!r}"
            )
        target.set_weights(source.get_weights())
    return head
