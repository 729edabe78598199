"""Every reader of image files in training (folders, tfds, VOC) and the zoo's photo loader decode a JPEG to the
pixels OpenCV gives (`keras_spp.export.decode_rgb`), the pixels serving and the detector see."""

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from etils import epath

from tests.keras_spp.test_image_decoding import opencv_rgb, photo_like
from training.data.image_files import decode_image_file
from training.data.sources import tfds_split
from training.data.voc import decode_image
from zoo.predictions import load_image


class SppJpegPhotos(tfds.core.GeneratorBasedBuilder):
    """Three generated photos stored as JPEG by tfds."""

    VERSION = tfds.core.Version("1.0.0")
    code_path = epath.Path(__file__)  # tfds cannot find a test builder's folder by itself here

    def _info(self):
        image, label = tfds.features.Image(encoding_format="jpeg"), tfds.features.ClassLabel(num_classes=2)
        return self.dataset_info_from_configs(features=tfds.features.FeaturesDict({"image": image, "label": label}))

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        for i in range(3):
            yield i, {"image": photo_like(30 + i, 50, seed=i), "label": i % 2}


def test_folder_voc_and_photo_readers_give_opencvs_pixels(tmp_path):
    data = tf.io.encode_jpeg(photo_like(37, 53)).numpy()
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)
    expected = opencv_rgb(data)
    np.testing.assert_array_equal(decode_image_file(str(path)).numpy(), expected)
    np.testing.assert_array_equal(decode_image(data, "photo.jpg"), expected)
    image, size = load_image(path)
    assert size == (37, 53)
    np.testing.assert_array_equal(image, expected.astype(np.float32))


def test_a_tfds_jpeg_feature_gives_opencvs_pixels(tmp_path):
    builder = SppJpegPhotos(data_dir=str(tmp_path))
    split = tfds_split(builder, "train")
    stored = builder.as_dataset(split="train", shuffle_files=False, decoders={"image": tfds.decode.SkipDecoding()})
    pairs = list(zip(split.elements(), stored))
    assert len(pairs) == 3
    for (image, label), example in pairs:
        np.testing.assert_array_equal(split.decode(image).numpy(), opencv_rgb(example["image"].numpy()))
        assert int(label) == int(example["label"])
