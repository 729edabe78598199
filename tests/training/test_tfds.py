"""The tfds path, offline: tfds.testing.mock_data, a GeneratorBasedBuilder and tfds's ImageFolder builder."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds
from etils import epath

from tests.training.conftest import CLASSES, TINY, train_in_process
from training.data import eval_dataset, open_splits, train_dataset


class SppTinyColours(tfds.core.GeneratorBasedBuilder):
    """Generated colour images of varied sizes (a registered tfds name, prepared offline)."""

    VERSION = tfds.core.Version("1.0.0")
    # tfds finds a builder's folder through `importlib_resources`, which this environment lacks; say it here.
    code_path = epath.Path(__file__)

    def _info(self):
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(None, None, 3)),
                    "label": tfds.features.ClassLabel(names=list(CLASSES)),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples(0, 5), "validation": self._generate_examples(1, 2)}

    def _generate_examples(self, seed, per_class):
        rng = np.random.default_rng(seed)
        for label in range(len(CLASSES)):
            for i in range(per_class):
                h, w = (int(v) for v in rng.integers(50, 90, size=2))
                image = rng.integers(0, 90, size=(h, w, 3))
                image[..., 2 - label] += 150
                yield f"{label}-{i}", {"image": image.astype(np.uint8), "label": label}


def test_mock_data_trains_a_registered_grayscale_dataset(tmp_path):
    with tfds.testing.mock_data(num_examples=8):
        train, val = open_splits("mnist")
        assert train.class_names == [str(i) for i in range(10)] and train.num_examples == 8
        assert val is not None and val.num_examples == 8
        images, labels = next(iter(train_dataset(train, sizes=[48], steps_per_epoch=1, per_replica_batch=4)))
        assert images.shape == (4, 48, 48, 3) and labels.dtype == tf.int32  # grayscale repeated to RGB
        state = train_in_process(
            TINY
            + ["--data", "mnist", "--sizes", "48", "--epochs", "1", "--batch-size", "4", "--out", tmp_path / "mnist"]
        )
    assert state["history"][0]["input_shapes"] == [[48, 48]] and np.isfinite(state["history"][0]["val_loss"])


def test_generator_based_builder_by_name_with_data_dir(tmp_path):
    data_dir = str(tmp_path / "tfds")
    state = train_in_process(
        TINY
        + [
            "--data",
            "spp_tiny_colours",
            "--data-dir",
            data_dir,
            "--sizes",
            "48",
            "--full-image",
            "--epochs",
            "1",
            "--batch-size",
            "3",
            "--steps-per-epoch",
            "2",
            "--out",
            tmp_path / "run",
        ]
    )
    assert len(state["history"]) == 1
    train, val = open_splits("spp_tiny_colours", data_dir=data_dir)
    assert (train.num_examples, val.num_examples, val.name) == (15, 6, "validation")
    assert train.class_names == list(CLASSES)


def test_image_folder_builder_on_generated_images(image_folder):
    builder = tfds.folder_dataset.ImageFolder(image_folder)
    train, val = open_splits(builder)
    assert train.num_examples == 24 and val.num_examples == 12 and train.class_names == list(CLASSES)
    batches = list(eval_dataset(val, view="full", size=48, per_replica_batch=5))
    assert len(batches) == 3 and float(sum(tf.reduce_sum(w) for _, _, w in batches)) == 12
    sizes = np.concatenate([x["image_sizes"].numpy() for x, _, w in batches])
    assert sizes[:12].min() == 48


def test_unknown_split_is_a_clear_error(tmp_path):
    from training.data import tfds_split

    with pytest.raises(ValueError, match="has no split 'nope'"):
        tfds_split("spp_tiny_colours", "nope", data_dir=str(tmp_path / "tfds"))
