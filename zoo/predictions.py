"""Reading a classifier's output: photos in at their own aspect ratio, the top classes out, with their names."""

import keras
import numpy as np

from keras_spp.validation import positive_int
from zoo.loading import get_metadata

DEFAULT_SHORTER_SIDE = 224


def decode_predictions(probabilities, top=5, categories=None):
    """The `top` classes of each row of `probabilities`, best first, as `(index, category, score)`.

    Args:
        probabilities: `(B, C)` array or tensor.
        top: int >= 1 (at most C are returned).
        categories: a list of C names, a model from `zoo.load` (its own categories: a preset's, or a run's
            class names), a preset name, or None (names are the indices as strings).

    Example:
    >>> decode_predictions(np.array([[0.1, 0.7, 0.2]]), top=2, categories=["cat", "dog", "fish"])
    [[(1, 'dog', 0.7), (2, 'fish', 0.2)]]
    """
    scores = np.asarray(keras.ops.convert_to_numpy(probabilities))
    if scores.ndim != 2:
        raise ValueError(f"`probabilities` must be (batch, classes). Received: shape={scores.shape}")
    top = positive_int(top, "top")
    if isinstance(categories, keras.Model):
        categories = categories_of(categories)
    elif isinstance(categories, str):
        categories = get_metadata(categories).get("categories")
    if categories is None:
        categories = [str(i) for i in range(scores.shape[1])]
    if len(categories) != scores.shape[1]:
        raise ValueError(f"{len(categories)} categories for {scores.shape[1]} classes of `probabilities`")
    order = np.argsort(-scores, axis=1, kind="stable")[:, :top]
    return [
        [(int(i), categories[i], float(row[i])) for i in indices] for row, indices in zip(scores, order, strict=True)
    ]


def categories_of(model):
    """The category names a `zoo.load`ed model carries in `model.metadata` (None when it has none)."""
    categories = (getattr(model, "metadata", None) or {}).get("categories")
    return list(categories) if categories and len(categories) == model.output_shape[-1] else None


def recommended_shorter_side(model):
    """The shorter side a model classifies photos at best: its preset's `recommended_shorter_side`, else 224."""
    return (getattr(model, "metadata", None) or {}).get("recommended_shorter_side") or DEFAULT_SHORTER_SIDE


def load_image(path, shorter_side=None):
    """A photo file as a `(H, W, 3)` float32 RGB array 0..255, at its own aspect ratio.

    Args:
        path: a JPEG, PNG, BMP or GIF file (the format is read from the bytes).
        shorter_side: None (as stored) or the int its shorter side is resized to (antialiased, aspect kept).

    Returns:
        `(image, (height, width))`: the array and the file's own size.

    Example:
    >>> image, (height, width) = load_image("samples/church.jpg", shorter_side=144)  # doctest: +SKIP
    """
    import tensorflow as tf

    from keras_spp.export import decode_rgb

    image = decode_rgb(tf.io.read_file(str(path)))
    height, width = int(image.shape[0]), int(image.shape[1])
    image = tf.cast(image, tf.float32)
    if shorter_side is not None:
        side = positive_int(shorter_side, "shorter_side")
        scale = side / min(height, width)
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        image = tf.image.resize(image, size, antialias=True)
    return image.numpy(), (height, width)


def classify(model, paths, top=5, shorter_side=None):
    """Classifies photo files, each at its own aspect ratio with its shorter side at `shorter_side`.

    Args:
        model: a classifier from `zoo.load` (any input size).
        paths: photo files.
        top: classes returned per photo.
        shorter_side: default the model's recommended one (`recommended_shorter_side`).

    Returns:
        One dict per photo: `{"image": path, "width": W, "height": H, "top": [{"label", "index", "score"}]}`,
        `width` and `height` of the file as stored, `label` from the model's own categories.

    Example:
    >>> classify(zoo.load("zf5_spp.imagenette"), ["samples/church.jpg"], top=1)[0]["top"][0]["label"]  # doctest: +SKIP
    'church'
    """
    side = shorter_side or recommended_shorter_side(model)
    categories = categories_of(model)
    results = []
    for path in paths:
        image, (height, width) = load_image(path, side)
        probabilities = model.predict(image[None], verbose=0)
        best = decode_predictions(probabilities, top=top, categories=categories)[0]
        results.append(
            {
                "image": str(path),
                "width": width,
                "height": height,
                "top": [{"label": label, "index": index, "score": score} for index, label, score in best],
            }
        )
    return results
