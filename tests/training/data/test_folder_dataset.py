"""`image_dataset_from_folder`: one size per batch in turn, and the padded full-image form for `padded_model`."""

import numpy as np
import pytest

import zoo
from tests.training.conftest import CLASSES
from training.data import image_dataset_from_folder


def test_each_batch_has_one_size_in_turn(image_folder):
    data = image_dataset_from_folder(f"{image_folder}/train", sizes=(64, 48), batch_size=5)
    assert data.class_names == list(CLASSES)
    batches = [(tuple(images.shape), labels.numpy()) for images, labels in data]
    assert [shape[1:3] for shape, _ in batches] == [(64, 64), (48, 48), (64, 64), (48, 48), (64, 64)]
    assert sum(len(labels) for _, labels in batches) == 24
    assert sorted(np.concatenate([labels for _, labels in batches]).tolist()) == [0] * 8 + [1] * 8 + [2] * 8


def test_full_images_feed_the_padded_model(image_folder):
    data = image_dataset_from_folder(f"{image_folder}/val", sizes=(48,), batch_size=4, full_image=True, training=False)
    inputs, labels = next(iter(data))
    sizes = inputs["image_sizes"].numpy()
    assert sizes.min(axis=1).tolist() == [48] * 4 and tuple(inputs["images"].shape[1:3]) == tuple(sizes.max(axis=0))
    model = zoo.load("zf5_spp", fc_units=16, num_classes=3)
    together = zoo.padded_model(model).predict(inputs, verbose=0)
    for i, (height, width) in enumerate(sizes):
        alone = model.predict(inputs["images"][i : i + 1, :height, :width], verbose=0)
        np.testing.assert_allclose(together[i], alone[0], rtol=1e-4, atol=1e-6)


def test_bad_arguments_quote_the_value(image_folder):
    with pytest.raises(ValueError, match=r"`sizes` must be one or more positive ints. Received: sizes=\[0\]"):
        image_dataset_from_folder(f"{image_folder}/train", sizes=(0,))
    with pytest.raises(ValueError, match="Received: batch_size=0"):
        image_dataset_from_folder(f"{image_folder}/train", batch_size=0)
