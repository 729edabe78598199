"""Decoding the image files of a folder split: the up-front check that finds corrupt files, and, for a split
read without it, a decode that fails naming the file (issue 10, item 14)."""

import re


def decode_image_file(path):
    """Reads and decodes one JPEG/PNG/BMP/GIF file (the format is sniffed, not taken from the name; JPEGs
    exactly, as OpenCV and serving decode them: `keras_spp.export.decode_rgb`)."""
    import tensorflow as tf

    from keras_spp.export import decode_rgb

    image = decode_rgb(tf.io.read_file(path))
    image.set_shape([None, None, 3])
    return image


CORRUPT_FILE = "does not decode to an image"


def decode_image_file_or_fail_naming_it(path):
    """`decode_image_file`, but a file that does not decode fails with an error naming it.

    For splits read without the up-front check (`check_images=False`): an op error inside tf.data cannot be
    caught or reworded, so the decode runs in a one-element dataset with `ignore_errors` and an empty image
    (what no readable file gives) fails a check whose message is the path (`corrupt_file_error`).
    """
    import tensorflow as tf

    from keras_spp.export.input_checks import gate

    decoded = tf.data.Dataset.from_tensors(path).map(decode_image_file).ignore_errors()
    empty = tf.data.Dataset.from_tensors(tf.zeros((0, 0, 3), tf.uint8))
    image = decoded.concatenate(empty).take(1).get_single_element()
    image = gate(tf.size(image) > 0, ["image file '", path, f"' {CORRUPT_FILE}"], image)
    return tf.ensure_shape(image, (None, None, 3))


def corrupt_file_error(error):
    """A one-line ValueError naming the file for the error of `decode_image_file_or_fail_naming_it`, else None."""
    match = re.search(rf"image file \\?'(.*?)\\?' {CORRUPT_FILE}", str(error))  # TF may escape the quotes
    if match is None:
        return None
    path = match[1].replace("\\'", "'")
    return ValueError(
        f"image file {path!r} {CORRUPT_FILE} (corrupt, truncated, or not JPEG/PNG/BMP/GIF) and "
        "`no_check_images` skipped the check that leaves such files out: remove the file, or drop `no_check_images`"
    )


def find_corrupt(paths):
    """Indices of the files in `paths` that do not decode to a non-empty RGB image (one parallel pass)."""
    import tensorflow as tf

    if not paths:
        return []

    def check(index, path):
        shape = tf.shape(decode_image_file(path))
        tf.debugging.assert_positive(shape[0] * shape[1])
        return index

    dataset = tf.data.Dataset.from_tensor_slices((tf.range(len(paths), dtype=tf.int64), paths))
    dataset = dataset.map(check, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False).ignore_errors()
    good = set(int(i) for i in dataset.batch(4096).unbatch().as_numpy_iterator())
    return [i for i in range(len(paths)) if i not in good]
