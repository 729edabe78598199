"""VOC readers: side-by-side folders, VOCdevkit, tfds `voc/2007` (mocked offline), and the fruits set."""

import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from training.data.voc import read_image, sniff_image_format, tfds_voc_split, voc_split

FRUITS = "/work/shared/data/fruits"


def write_xml(path, objects, size=(0, 0)):
    """A VOC XML with `objects` = [(name, (xmin, ymin, xmax, ymax), difficult)]."""
    parts = [f"<annotation><size><width>{size[0]}</width><height>{size[1]}</height><depth>3</depth></size>"]
    for name, (x0, y0, x1, y1), difficult in objects:
        parts.append(
            f"<object><name>{name}</name><difficult>{int(difficult)}</difficult><bndbox><xmin>{x0}</xmin>"
            f"<ymin>{y0}</ymin><xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>"
        )
    with open(path, "w") as f:
        f.write("".join(parts) + "</annotation>")


def encoded(height, width, png=False, seed=0):
    pixels = np.random.default_rng(seed).integers(0, 255, size=(height, width, 3), dtype=np.uint8)
    return (tf.io.encode_png(pixels) if png else tf.io.encode_jpeg(pixels)).numpy()


# name: (height, width, PNG data behind .jpg, XML size, objects)
IMAGES = {
    "a": (40, 60, False, (60, 40), [("cat", (5, 6, 30, 35), False), ("dog", (10, 10, 70, 50), False)]),  # clipped
    "b": (30, 50, True, (0, 0), [("dog", (1, 2, 20, 25), True)]),  # PNG in .jpg, size 0, difficult
    "c": (20, 20, False, (20, 20), []),  # no objects
}


def write_folder(root, split="train", images=IMAGES):
    folder = os.path.join(root, split)
    os.makedirs(folder, exist_ok=True)
    for i, (name, (h, w, png, size, objects)) in enumerate(images.items()):
        with open(os.path.join(folder, f"{name}.jpg"), "wb") as f:
            f.write(encoded(h, w, png, seed=i))
        write_xml(os.path.join(folder, f"{name}.xml"), objects, size)
    return str(root)


def to_devkit(folder_root, devkit, split="train"):
    for sub in ("JPEGImages", "Annotations", "ImageSets/Main"):
        os.makedirs(os.path.join(devkit, sub), exist_ok=True)
    ids = sorted(name[:-4] for name in os.listdir(os.path.join(folder_root, split)) if name.endswith(".xml"))
    for i in ids:
        shutil.copy(os.path.join(folder_root, split, f"{i}.jpg"), os.path.join(devkit, "JPEGImages", f"{i}.jpg"))
        shutil.copy(os.path.join(folder_root, split, f"{i}.xml"), os.path.join(devkit, "Annotations", f"{i}.xml"))
    with open(os.path.join(devkit, "ImageSets", "Main", f"{split}.txt"), "w") as f:
        f.write("\n".join(ids) + "\n")
    return str(devkit)


def test_folder_split_reads_sizes_formats_difficult_and_clips(tmp_path):
    split = voc_split(write_folder(tmp_path), "train")
    assert split.class_names == ["cat", "dog"] and split.num_boxes == 3
    a, b, c = split.images
    assert (a.width, a.height, b.width, b.height, c.width, c.height) == (60, 40, 50, 30, 20, 20)
    assert (a.image_format, b.image_format) == ("jpeg", "png")
    np.testing.assert_array_equal(a.boxes, [[5, 6, 30, 35], [10, 10, 60, 40]])  # second box clipped
    assert a.boxes.dtype == np.float32 and a.labels.dtype == np.int32 and a.labels.tolist() == [0, 1]
    assert b.difficult.tolist() == [True] and a.difficult.tolist() == [False, False]
    assert c.boxes.shape == (0, 4) and c.labels.shape == (0,) and c.difficult.shape == (0,)
    assert read_image(b).shape == (30, 50, 3)


def test_devkit_layout_gives_the_same_records(tmp_path):
    root = write_folder(tmp_path / "folder")
    folder = voc_split(root, "train", class_names=["cat", "dog", "emu"])
    devkit = voc_split(to_devkit(root, tmp_path / "VOC2007"), "train", class_names=["cat", "dog", "emu"])
    assert devkit.class_names == ["cat", "dog", "emu"]
    for x, y in zip(folder.images, devkit.images, strict=True):
        assert os.path.basename(x.path) == os.path.basename(y.path) and (x.width, x.height) == (y.width, y.height)
        np.testing.assert_array_equal(x.boxes, y.boxes)
        np.testing.assert_array_equal(x.labels, y.labels)
    with pytest.raises(FileNotFoundError, match="No split 'test'"):
        voc_split(str(tmp_path / "VOC2007"), "test", class_names=["cat"])


def test_bad_input_is_a_clear_error_naming_the_file(tmp_path):
    root = write_folder(tmp_path)
    with pytest.raises(ValueError, match=r"a\.xml` has an object of unknown class 'dog'"):
        voc_split(root, "train", class_names=["cat"])
    with open(os.path.join(root, "train", "c.jpg"), "wb") as f:
        f.write(b"\xff\xd8\xff\xe0 not really a JPEG")
    with pytest.raises(ValueError, match=r"c\.jpg` is a corrupt image"):
        voc_split(root, "train")
    with open(os.path.join(root, "train", "c.jpg"), "wb") as f:
        f.write(b"hello")
    with pytest.raises(ValueError, match=r"c\.jpg` is not a JPEG, PNG"):
        voc_split(root, "train")
    write_xml(os.path.join(root, "train", "c.xml"), [], size=(21, 20))
    with open(os.path.join(root, "train", "c.jpg"), "wb") as f:
        f.write(encoded(20, 20))
    with pytest.raises(ValueError, match=r"c\.xml` gives size 21x20 .* image is 20x20"):
        voc_split(root, "train")
    write_xml(os.path.join(root, "train", "c.xml"), [("cat", (25, 5, 30, 9), False)], size=(20, 20))
    with pytest.raises(ValueError, match=r"c\.xml` has an empty box \(after clipping to 20x20\): object 0"):
        voc_split(root, "train")
    with open(os.path.join(root, "train", "c.xml"), "w") as f:
        f.write("<annotation><object>")
    with pytest.raises(ValueError, match=r"c\.xml` is not valid XML"):
        voc_split(root, "train")
    with pytest.raises(FileNotFoundError, match="neither a split folder `val/`"):
        voc_split(root, "val")
    assert sniff_image_format(b"GIF89a") == "gif" and sniff_image_format(b"nope") is None


def voc_like_examples(examples):
    """`as_dataset_fn` for tfds.testing.mock_data: the given examples, image as encoded bytes (SkipDecoding)."""

    def as_dataset(self, split, decoders=None, **kwargs):
        assert decoders is not None and "image" in decoders  # the reader asks for the encoded bytes
        keys = ("bbox", "label", "is_difficult")
        return tf.data.Dataset.from_generator(
            lambda: iter(examples),
            output_signature={
                "image": tf.TensorSpec([], tf.string),
                "image/filename": tf.TensorSpec([], tf.string),
                "objects": dict(
                    zip(
                        keys,
                        (
                            tf.TensorSpec([None, 4], tf.float32),
                            tf.TensorSpec([None], tf.int64),
                            tf.TensorSpec([None], tf.bool),
                        ),
                        strict=True,
                    )
                ),
            },
        )

    return as_dataset


def test_tfds_voc2007_through_the_same_records():
    import tensorflow_datasets as tfds

    examples = [
        {
            "image": encoded(40, 80, png=True),
            "image/filename": "000001.jpg",
            "objects": {
                "bbox": np.array([[0.25, 0.125, 0.75, 0.5]], np.float32),
                "label": np.array([14]),
                "is_difficult": np.array([True]),
            },
        },
        {
            "image": encoded(10, 10),
            "image/filename": "000002.jpg",
            "objects": {
                "bbox": np.zeros((0, 4), np.float32),
                "label": np.zeros(0, np.int64),
                "is_difficult": np.zeros(0, bool),
            },
        },
    ]
    with tfds.testing.mock_data(as_dataset_fn=voc_like_examples(examples)):
        split = tfds_voc_split("voc/2007", "test")
    assert len(split.class_names) == 20 and split.class_names[14] == "person"
    first, second = split.images
    assert first.path == "tfds:voc/2007/test/000001.jpg" and (first.width, first.height) == (80, 40)
    np.testing.assert_allclose(first.boxes, [[10, 10, 40, 30]])  # (ymin, xmin, ymax, xmax) * size -> xyxy
    assert first.labels.tolist() == [14] and first.difficult.tolist() == [True] and first.image_format == "png"
    assert read_image(first).shape == (40, 80, 3) and second.boxes.shape == (0, 4)


def test_tfds_random_mock_data_fails_inside_tfds():
    """tfds' own random mock of voc/2007 draws sequences of unequal lengths: tfds refuses it while encoding."""
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=1), pytest.raises(tf.errors.InvalidArgumentError, match="same"):
        tfds_voc_split("voc/2007", "test")


@pytest.mark.skipif(not os.path.isdir(FRUITS), reason=f"the fruits data set is not at {FRUITS}")
def test_fruits_quirks_are_handled():
    train = voc_split(FRUITS, "train")
    test = voc_split(FRUITS, "test", class_names=train.class_names)
    assert train.class_names == ["apple", "banana", "orange"]
    assert (len(train.images), len(test.images), train.num_boxes, test.num_boxes) == (240, 60, 465, 117)
    images = train.images + test.images
    assert sum(image.image_format == "png" for image in images) == 37  # PNG data behind .jpg names
    assert all(image.width > 0 and image.height > 0 for image in images)  # 37 XMLs say 0
    assert min(i.width for i in images) == 166 and max(i.width for i in images) == 3160
    assert not any(image.difficult.any() for image in images)
    for image in images:
        assert (image.boxes[:, 2:] <= [image.width, image.height]).all() and (image.boxes >= 0).all()
