"""Where labelled images come from: a local `<split>/<class>/*.jpg` folder or a tfds dataset.

Both give `Split`s with the same interface: `elements()` is a tf.data.Dataset of `(payload, label)` in a
fixed order, and `decode(payload)` turns a payload into a `(H, W, 3)` uint8 image. For a folder the payload
is the file path (read and decoded in the parallel map); for tfds it is the image tfds already decoded.
"""

import dataclasses
import hashlib
import os
import warnings

from keras_spp.export.image_decoding import IMAGE_EXTENSIONS as SERVED_EXTENSIONS
from keras_spp.validation import did_you_mean
from training.data.image_files import decode_image_file, decode_image_file_or_fail_naming_it, find_corrupt

IMAGE_EXTENSIONS = SERVED_EXTENSIONS + (".bmp", ".gif")  # training also reads what tf.io.decode_image reads


class CorruptImageWarning(UserWarning):
    """An image file could not be decoded; it is left out of the split and counted."""


@dataclasses.dataclass
class Split:
    """One split of a labelled image data set, as the input pipeline consumes it.

    Attributes:
        name: the split's name (`"train"`, `"val"`, `"validation"`, ...).
        class_names: the label names, index = label.
        num_examples: examples `elements()` yields (corrupt files already left out).
        skipped: image files left out because they could not be decoded.
        elements: callable -> tf.data.Dataset of `(payload, int32 label)`, the same order every call.
        decode: callable payload -> `(H, W, 3)` uint8 image tensor (traceable inside tf.data).
        fingerprint: a sha256 of what identifies the examples (a folder: each file's relative path, size and
            label; tfds: name, version, split, size), so a resumed run can tell that its data changed.
        files: the file of each example in `elements()` order (a folder split), or None (tfds).
    """

    name: str
    class_names: list
    num_examples: int
    skipped: int
    elements: object
    decode: object
    fingerprint: str = ""
    files: tuple = None


def _list_images(folder):
    return sorted(
        os.path.join(folder, name)
        for name in os.listdir(folder)
        if name.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(os.path.join(folder, name))
    )


def folder_split(root, split, class_names=None, check_images=True):
    """Reads `root/split/<class>/*.{jpg,jpeg,png,bmp,gif}` into a `Split`.

    Args:
        root: the data set folder.
        split: the split folder's name.
        class_names: the training split's classes (labels are their indices); None reads them from this split.
        check_images: decode every file once and leave out (and count, with a CorruptImageWarning) those
            that fail.

    Raises:
        ValueError: no such folder, no class folders, a class folder without images, or a class the
            training split does not have.
    """
    import tensorflow as tf

    folder = os.path.join(root, split)
    if not os.path.isdir(folder):
        present = (
            sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))) if os.path.isdir(root) else []
        )
        raise ValueError(f"no split folder {folder!r} (split folders found in {root!r}: {present or 'none'})")
    found = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    if not found:
        raise ValueError(f"split folder {folder!r} has no class folders; expected {folder}/<class>/*.jpg")
    if class_names is None:
        class_names = found
    unknown = [c for c in found if c not in class_names]
    if unknown:
        raise ValueError(f"split {split!r} has classes the training split lacks: {unknown[:10]}")
    paths, labels = [], []
    for label, name in enumerate(class_names):
        class_folder = os.path.join(folder, name)
        if not os.path.isdir(class_folder):
            continue
        files = _list_images(class_folder)
        if not files:
            raise ValueError(
                f"class folder {class_folder!r} has no images (expected files ending in {', '.join(IMAGE_EXTENSIONS)})"
            )
        paths.extend(files)
        labels.extend([label] * len(files))
    skipped = 0
    if check_images:
        corrupt = find_corrupt(paths)
        if corrupt:
            shown = ", ".join(paths[i] for i in corrupt[:5]) + (" ..." if len(corrupt) > 5 else "")
            warnings.warn(
                f"skipping {len(corrupt)} of {len(paths)} images in {folder!r} that do not decode: {shown}",
                CorruptImageWarning,
                stacklevel=2,
            )
            bad = set(corrupt)
            paths = [p for i, p in enumerate(paths) if i not in bad]
            labels = [y for i, y in enumerate(labels) if i not in bad]
            skipped = len(corrupt)
    if not paths:
        raise ValueError(f"split folder {folder!r} has no readable images")

    def elements():
        return tf.data.Dataset.from_tensor_slices((tf.constant(paths), tf.constant(labels, tf.int32)))

    digest = hashlib.sha256()
    for path, label in zip(paths, labels, strict=True):
        digest.update(f"{os.path.relpath(path, folder)}\0{os.path.getsize(path)}\0{label}\n".encode())
    decode = decode_image_file if check_images else decode_image_file_or_fail_naming_it
    return Split(split, list(class_names), len(paths), skipped, elements, decode, digest.hexdigest(), tuple(paths))


def _tfds_builder(name, data_dir):
    import tensorflow_datasets as tfds

    if not isinstance(name, str):
        return name
    try:
        return tfds.builder(name, data_dir=data_dir)
    except Exception as error:  # tfds raises DatasetNotFoundError, registry errors, config errors
        hint = did_you_mean(name.split("/")[0].split(":")[0], tfds.list_builders(), cutoff=0.6)
        raise ValueError(
            f"`data` {name!r} is neither an existing folder nor a usable tfds dataset ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}). {hint if hint.startswith('Did') else ''}"
        ) from None


def tfds_split(name_or_builder, split, data_dir=None, image_key="image", label_key="label", download=True):
    """One split of a tfds data set (a registered name such as `"imagenette/full-size-v2"`, or a builder).

    The builder is prepared (downloaded) first when `download` is true and it is not prepared yet.
    Labels must be a `ClassLabel` feature; grayscale images are repeated to RGB.
    """
    import tensorflow as tf
    import tensorflow_datasets as tfds

    from keras_spp.export import decode_rgb

    builder = _tfds_builder(name_or_builder, data_dir)
    if download and not _is_prepared(builder):
        builder.download_and_prepare()
    info = builder.info
    num_examples = _tfds_num_examples(builder, split)
    for key in (image_key, label_key):
        if key not in info.features:
            raise ValueError(f"tfds dataset {info.name!r} has no feature {key!r}; it has {sorted(info.features)}")
    class_names = list(getattr(info.features[label_key], "names", None) or [])
    if not class_names:
        raise ValueError(f"tfds feature {label_key!r} of {info.name!r} is not a ClassLabel with names")

    # Encoded image features are decoded here, as folder files are (JPEGs exactly: `decode_rgb`).
    encoded = isinstance(info.features[image_key], tfds.features.Image)
    decoders = {image_key: tfds.decode.SkipDecoding()} if encoded else None

    def elements():
        dataset = builder.as_dataset(split=split, shuffle_files=False, decoders=decoders)
        return dataset.map(lambda ex: (ex[image_key], tf.cast(ex[label_key], tf.int32)))

    def decode(image):
        image = decode_rgb(image) if encoded else tf.convert_to_tensor(image)
        image = tf.cond(tf.shape(image)[-1] == 1, lambda: tf.tile(image, [1, 1, 3]), lambda: image[..., :3])
        image.set_shape([None, None, 3])
        return tf.cast(image, tf.uint8)

    identity = f"{info.full_name}\0{split}\0{num_examples}\0{class_names}"
    return Split(split, class_names, num_examples, 0, elements, decode, hashlib.sha256(identity.encode()).hexdigest())


def _tfds_num_examples(builder, split):
    """The split's size from the metadata (slices like "train[:10%]" too); counted when there is none."""
    try:
        return int(builder.info.splits[split].num_examples)
    except Exception:
        if builder.info.splits:
            raise ValueError(
                f"tfds dataset {builder.info.name!r} has no split {split!r}; it has {sorted(builder.info.splits)}"
            ) from None
    try:  # no split metadata (e.g. tfds.testing.mock_data): count
        return int(builder.as_dataset(split=split).reduce(0, lambda n, _: n + 1))
    except Exception as error:
        raise ValueError(f"tfds dataset {builder.info.name!r}: cannot read split {split!r} ({error})") from None


def _is_prepared(builder):
    try:
        return bool(builder.info.splits) and os.path.isdir(builder.data_dir) and bool(os.listdir(builder.data_dir))
    except Exception:
        return False


def open_splits(data, train_split=None, val_split=None, data_dir=None, require_val=False, check_images=True):
    """The (train, val) `Split`s of `data`: a folder path or a tfds name/builder. `val` may be None.

    Default split names: `train` and `val` for a folder; `train` and `validation` (else `test`) for tfds.
    A missing validation split gives a warning (or a ValueError when `require_val`). Pass `train_split=False`
    to open only the validation split (evaluation); its classes then come from the train folder if present.
    """
    if isinstance(data, str) and (os.path.isdir(data) or data.startswith((".", "/", "~"))):
        root = os.path.expanduser(data)
        if not os.path.isdir(root):
            raise FileNotFoundError(f"`data` folder {data!r} does not exist")
        train_name = train_split or "train"
        val_name = val_split or "val"
        train = None
        if train_split is not False:
            train = folder_split(root, train_name, check_images=check_images)
        classes = train.class_names if train else None
        if train is None and os.path.isdir(os.path.join(root, train_name)):
            classes = sorted(
                d
                for d in os.listdir(os.path.join(root, train_name))
                if os.path.isdir(os.path.join(root, train_name, d))
            )
        val = None
        if os.path.isdir(os.path.join(root, val_name)) or require_val:
            val = folder_split(root, val_name, classes, check_images=check_images)
        return train, _missing_val(val, data, val_name, require_val)
    builder = _tfds_builder(data, data_dir)
    if not _is_prepared(builder):
        builder.download_and_prepare()
    train = None if train_split is False else tfds_split(builder, train_split or "train")
    splits = builder.info.splits or ("validation", "val", "test")  # no metadata: try the usual names
    val_name = val_split or next((s for s in ("validation", "val", "test") if s in splits), None)
    val = tfds_split(builder, val_name) if val_name and (val_name in splits or val_split or require_val) else None
    return train, _missing_val(val, data, val_name, require_val)


def subsample_stride(num_examples, count):
    """k such that every k-th of `num_examples` examples (the 0th, k-th, ...) are about `count` of them."""
    return max(1, -(-int(num_examples) // max(int(count), 1)))


def subsample(split, count):
    """`split` cut to about `count` evenly spaced examples (every k-th), e.g. a quick per-epoch validation."""
    stride = subsample_stride(split.num_examples, count)
    if stride == 1:
        return split
    kept = -(-split.num_examples // stride)
    files = split.files[::stride] if split.files is not None else None
    return dataclasses.replace(
        split, num_examples=kept, elements=lambda: split.elements().shard(stride, 0), files=files
    )


def _missing_val(val, data, name, require_val):
    if val is None:
        if require_val:
            raise ValueError(f"`data` {data!r} has no split {name!r}")
        warnings.warn(
            f"`data` {data!r} has no validation split {name!r}: best.weights.h5 will be the last epoch", stacklevel=3
        )
    return val
