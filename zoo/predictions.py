"""Reading a classifier's output: the top classes of each image, with their names."""

import keras
import numpy as np

from keras_spp.validation import positive_int
from zoo.loading import get_metadata


def decode_predictions(probabilities, top=5, categories=None):
    """The `top` classes of each row of `probabilities`, best first, as `(index, category, score)`.

    Args:
        probabilities: `(B, C)` array or tensor.
        top: int >= 1 (at most C are returned).
        categories: a list of C names, a preset name whose metadata holds them, or None (names are the
            indices as strings).

    Example:
    >>> decode_predictions(np.array([[0.1, 0.7, 0.2]]), top=2, categories=["cat", "dog", "fish"])
    [[(1, 'dog', 0.7), (2, 'fish', 0.2)]]
    """
    scores = np.asarray(keras.ops.convert_to_numpy(probabilities))
    if scores.ndim != 2:
        raise ValueError(f"`probabilities` must be (batch, classes). Received: shape={scores.shape}")
    top = positive_int(top, "top")
    if isinstance(categories, str):
        categories = get_metadata(categories).get("categories")
    if categories is None:
        categories = [str(i) for i in range(scores.shape[1])]
    if len(categories) != scores.shape[1]:
        raise ValueError(f"{len(categories)} categories for {scores.shape[1]} classes of `probabilities`")
    order = np.argsort(-scores, axis=1, kind="stable")[:, :top]
    return [
        [(int(i), categories[i], float(row[i])) for i in indices] for row, indices in zip(scores, order, strict=True)
    ]
