"""Fixtures of the export tests: the tiny classifiers, one SavedModel export of them, encoded images."""

import numpy as np
import pytest
import tensorflow as tf

from keras_spp.export import export_saved_model
from tests.keras_spp.export_models import CLASS_NAMES, SHORT_SIDE, smooth_image, tiny_classifiers


@pytest.fixture(scope="module")
def classifiers():
    return tiny_classifiers()


@pytest.fixture(scope="module")
def exported(classifiers, tmp_path_factory):
    model, padded = classifiers
    base = tmp_path_factory.mktemp("serving") / "tiny"
    path = export_saved_model(
        model, base, padded_model=padded, class_names=CLASS_NAMES, top_k=2, image_size=SHORT_SIDE, max_side=256
    )
    return path, tf.saved_model.load(path)


@pytest.fixture(scope="module")
def encoded_images():
    rng = np.random.default_rng(1)
    shapes = [(60, 90), (120, 80), (50, 50), (97, 61)]
    jpegs = [tf.io.encode_jpeg(smooth_image(rng, *s), quality=95).numpy() for s in shapes]
    pngs = [tf.io.encode_png(smooth_image(rng, *s)).numpy() for s in shapes[:2]]
    gray = tf.io.encode_png(smooth_image(rng, 70, 45)[..., :1]).numpy()
    rgba_pixels = np.concatenate([smooth_image(rng, 44, 66), np.full((44, 66, 1), 7, np.uint8)], axis=-1)
    return {"jpegs": jpegs, "pngs": pngs, "gray": gray, "rgba": tf.io.encode_png(rgba_pixels).numpy()}
