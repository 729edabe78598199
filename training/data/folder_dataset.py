"""A folder of class subfolders as a `tf.data.Dataset` for Keras `fit`: mixed input sizes, one per batch.

Keras' `PyDataset` fails when the input size changes between batches, and `keras.utils.
image_dataset_from_directory` gives one size; SPP-net trains on several. This is the Python form of what
`keras-spp train` feeds its own loop.
"""

import os

import tensorflow as tf

from training.data import augment
from training.data.pipeline import resize_side_for
from training.data.sources import folder_split


def image_dataset_from_folder(
    folder,
    sizes=(224,),
    batch_size=32,
    *,
    training=True,
    full_image=False,
    shuffle=None,
    seed=0,
    crop=None,
    min_area=None,
    jitter=0.0,
    max_aspect=2.0,
    class_names=None,
    check_images=True,
):
    """`folder/<class>/*.jpg` -> batches `(images, labels)`, each batch at one size of `sizes`, in turn.

    Args:
        folder: a folder with one subfolder of JPEG/PNG/BMP/GIF files per class.
        sizes: the input sizes, used batch after batch in turn (`(224, 180)`: 224, 180, 224, ...).
        batch_size: examples per batch (the last one may be smaller).
        training: random crops (the paper's, or `min_area` windows), flips and `jitter`; else the
            central crop (shorter side at 256/224 of the size), or with `full_image` the whole image.
        full_image: batches `({"images", "image_sizes"}, labels)` for `zoo.padded_model`: each image's
            shorter side at the batch's size, aspect kept (longer side cut at `max_aspect` times), zero-padded.
        shuffle: default `training`; the order is reshuffled every pass, from `seed`.
        crop: training crops are cut at this size, then resized to the batch's (default the largest size).
        min_area, jitter, max_aspect: see `training.data.augment` (`train_crop`, `train_full_image`).
        class_names: the labels' order (default the sorted subfolders); also the dataset's `class_names`.
        check_images: decode every file once and leave out those that fail (with a warning).

    Returns:
        A `tf.data.Dataset` of float32 RGB 0..255 images `(B, S, S, 3)` (or the padded dict) and int32 labels,
        with `class_names` set as in `keras.utils.image_dataset_from_directory`.

    Example:
    >>> data = image_dataset_from_folder("flowers/train", sizes=(224, 180), batch_size=32)  # doctest: +SKIP
    >>> model.fit(data, epochs=3)  # doctest: +SKIP
    """
    sizes = [int(s) for s in ([sizes] if isinstance(sizes, int) else sizes)]
    if not sizes or min(sizes) < 1:
        raise ValueError(f"`sizes` must be one or more positive ints. Received: sizes={sizes}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
    folder = os.path.normpath(os.fspath(folder))
    split = folder_split(os.path.dirname(folder) or ".", os.path.basename(folder), class_names, check_images)
    crop = int(crop or max(sizes))
    shuffle = training if shuffle is None else shuffle

    def view(image, size, example_seed):
        if full_image and training:
            return augment.train_full_image(image, example_seed, size, max_aspect, jitter)
        if full_image:
            return augment.full_image(image, size, max_aspect)
        if training:
            side = crop if min_area else max(crop, size)
            return augment.train_crop(image, example_seed, size, side, resize_side_for(side), jitter, min_area)
        return augment.center_crop(image, size, resize_side_for(size))

    def transform(index, element):
        payload, label = element
        image = tf.cast(split.decode(payload), tf.float32)
        example_seed = tf.stack([tf.cast(seed, tf.int64), index])
        branch = tf.cast((index // batch_size) % len(sizes), tf.int32)
        image = tf.switch_case(branch, [lambda s=s: view(image, s, example_seed) for s in sizes])
        image = tf.ensure_shape(image, [None, None, 3])
        return ((image, tf.shape(image)[:2]) if full_image else image), label

    dataset = split.elements()
    if shuffle:
        dataset = dataset.shuffle(split.num_examples, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.enumerate().map(transform, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if full_image:
        dataset = dataset.padded_batch(batch_size, padded_shapes=(([None, None, 3], [2]), []))
        dataset = dataset.map(lambda x, y: ({"images": x[0], "image_sizes": x[1]}, y))
    else:
        dataset = dataset.batch(batch_size)
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    dataset.class_names = list(split.class_names)
    return dataset
