"""In-graph decoding of encoded JPEG/PNG images for serving: validate, decode to RGB, resize, pad a batch.

Every check runs before the pixels are decoded, on the sizes read from the file header, so a request
can never make the server allocate more than `max_side x max_side` pixels per image. A bad image fails
its own call with an `InvalidArgumentError` naming the image and the reason; nothing is left behind, so
the next call is served normally.
"""

import os

import tensorflow as tf

from keras_spp.export.input_checks import gate
from keras_spp.validation import positive_int

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


def validate_sides(image_size, min_side, max_side):
    """Returns `(image_size, min_side, max_side)` as ints (image_size may be None) or raises ValueError."""
    min_side, max_side = positive_int(min_side, "min_side"), positive_int(max_side, "max_side")
    if min_side > max_side:
        raise ValueError(f"`min_side` must be <= `max_side`. Received: min_side={min_side}, max_side={max_side}")
    if image_size is not None and (
        isinstance(image_size, bool) or not isinstance(image_size, int) or not min_side <= image_size <= max_side
    ):
        raise ValueError(
            f"`image_size` (the shorter side after resizing) must be None or an integer in "
            f"[min_side, max_side] = [{min_side}, {max_side}]. Received: image_size={image_size!r}"
        )
    return image_size, min_side, max_side


def decode_rgb(encoded):
    """uint8 RGB `(H, W, 3)` of encoded image bytes (JPEG, PNG, GIF: first frame, BMP; grey and alpha become RGB).

    JPEGs get the exact integer inverse DCT (libjpeg's ISLOW), so the pixels are those OpenCV and PIL give
    for the same file. `tf.io.decode_image` uses libjpeg's fast approximation instead, which moves 40-80% of
    the pixels of a photo by a few levels. Every decode in keras_spp, the zoo and training goes through here,
    so serving, training, evaluation and the OpenCV-decoding detector see the same pixels.

    Example:
    >>> decode_rgb(tf.io.encode_jpeg(tf.fill((8, 12, 3), tf.constant(200, tf.uint8)))).shape
    TensorShape([8, 12, 3])
    """
    encoded = tf.convert_to_tensor(encoded, tf.string)
    return tf.cond(
        tf.io.is_jpeg(encoded),
        lambda: tf.io.decode_jpeg(encoded, channels=3, dct_method="INTEGER_ACCURATE"),
        lambda: tf.io.decode_image(encoded, channels=3, dtype=tf.uint8, expand_animations=False),
    )


def decode_image_bytes(encoded, image_size=224, min_side=32, max_side=4096, index=None):
    """Decodes one encoded JPEG or PNG to float32 RGB 0..255, shorter side resized to `image_size`.

    Grayscale and RGBA files become RGB (alpha dropped); JPEGs decode exactly (`decode_rgb`). The aspect
    ratio is kept; when the longer side would exceed `max_side` the image is scaled to make it exactly
    `max_side` instead. Resizing is bilinear with antialiasing. Works eagerly and inside a `tf.function`.

    Args:
        encoded: scalar string tensor, the bytes of a JPEG or PNG file.
        image_size: the shorter side after resizing, or None to keep the decoded size.
        min_side: files (and resized images) with a side below this are refused.
        max_side: files with a side above this are refused before decoding; no resized side exceeds it.
        index: optional int scalar, the image's position in its batch, quoted in error messages.

    Returns:
        float32 `(height, width, 3)`, values in [0, 255].

    Raises:
        tf.errors.InvalidArgumentError: empty string, not a JPEG or PNG, a corrupt or truncated file, a
            side outside `[min_side, max_side]`.

    Example:
    >>> png = tf.io.encode_png(tf.zeros((40, 80, 3), tf.uint8))
    >>> decode_image_bytes(png, image_size=64).shape
    TensorShape([64, 128, 3])
    """
    image_size, min_side, max_side = validate_sides(image_size, min_side, max_side)
    encoded = tf.convert_to_tensor(encoded, tf.string)
    what = "the image" if index is None else tf.strings.format("image {} of the batch", index)
    length = tf.strings.length(encoded)
    encoded = gate(length > 0, [what, " is an empty string: expected the bytes of a JPEG or PNG file"], encoded)
    head = tf.strings.substr(encoded, 0, len(PNG_MAGIC))
    is_jpeg = tf.strings.substr(head, 0, len(JPEG_MAGIC)) == JPEG_MAGIC
    is_png = tf.logical_and(tf.equal(head, PNG_MAGIC), length >= 24)
    encoded = gate(
        tf.logical_or(is_jpeg, is_png),
        [
            what,
            tf.strings.format(" ({} bytes) is not a JPEG or PNG file (wrong signature or truncated header)", length),
        ],
        encoded,
    )
    height, width = tf.unstack(tf.cond(is_jpeg, lambda: _jpeg_shape(encoded, what), lambda: _png_shape(encoded, what)))
    encoded = gate(
        tf.reduce_all(tf.stack([height >= min_side, width >= min_side, height <= max_side, width <= max_side])),
        [
            what,
            tf.strings.format(" is {}x{} pixels; both sides must be in [{}, {}]", (height, width, min_side, max_side)),
        ],
        encoded,
    )
    image = _or_fallback(encoded, decode_rgb, tf.zeros((0, 0, 3), tf.uint8))
    image = gate(
        tf.size(image) > 0,  # the header said both sides are >= min_side >= 1: empty means the decoder failed
        [what, " is a corrupt or truncated ", tf.where(is_jpeg, "JPEG", "PNG"), " file: decoding it failed"],
        image,
    )
    image = tf.ensure_shape(image, (None, None, 3))
    image = tf.cast(image, tf.float32)
    if image_size is None:
        return image
    new_height, new_width = _resized_extent(tf.shape(image)[0], tf.shape(image)[1], image_size, max_side)
    image = gate(
        tf.minimum(new_height, new_width) >= min_side,
        [
            what,
            tf.strings.format(
                " is {}x{} pixels: keeping its longer side <= {} makes its shorter side {} < min_side={}",
                (height, width, max_side, tf.minimum(new_height, new_width), min_side),
            ),
        ],
        image,
    )
    return tf.image.resize(image, tf.stack([new_height, new_width]), method="bilinear", antialias=True)


def decode_image_batch(encoded, image_size=224, min_side=32, max_side=4096):
    """Decodes a batch of encoded JPEG/PNG images of any sizes into one zero-padded batch and its sizes.

    Args:
        encoded: string tensor `(B,)`, B >= 1.
        image_size, min_side, max_side: as for `decode_image_bytes`.

    Returns:
        `(images, sizes)`: float32 `(B, H_max, W_max, 3)`, each image top-left aligned and padded with 0,
        and int32 `(B, 2)` the `(height, width)` of each image, ready for a padded SPP model.

    Example:
    >>> pngs = [tf.io.encode_png(tf.zeros((h, w, 3), tf.uint8)) for h, w in ((40, 80), (50, 50))]
    >>> images, sizes = decode_image_batch(tf.stack(pngs), image_size=32)
    >>> images.shape, sizes.numpy().tolist()
    (TensorShape([2, 32, 64, 3]), [[32, 64], [32, 32]])
    """
    validate_sides(image_size, min_side, max_side)
    encoded = tf.convert_to_tensor(encoded, tf.string)
    if encoded.shape.rank != 1:
        raise ValueError(f"`encoded` must be a 1-D batch of strings. Received: shape={encoded.shape}")
    count = tf.shape(encoded)[0]
    count = gate(count > 0, ["the batch is empty: send at least one encoded image"], count)
    pixels = tf.TensorArray(tf.float32, size=count, infer_shape=False, element_shape=tf.TensorShape([None, 3]))
    sizes = tf.TensorArray(tf.int32, size=count, element_shape=tf.TensorShape([2]))

    def body(i, pixels, sizes):
        image = decode_image_bytes(encoded[i], image_size, min_side, max_side, index=i)
        return i + 1, pixels.write(i, tf.reshape(image, (-1, 3))), sizes.write(i, tf.shape(image)[:2])

    _, pixels, sizes = tf.while_loop(lambda i, *_: i < count, body, (tf.constant(0), pixels, sizes))
    sizes = sizes.stack()
    row_lengths = [sizes[:, 0], tf.repeat(sizes[:, 1], sizes[:, 0])]
    ragged = tf.RaggedTensor.from_nested_row_lengths(pixels.concat(), row_lengths)
    return ragged.to_tensor(), sizes


def read_image_folder(directory, image_size=224, min_side=32, max_side=4096, limit=None):
    """Decodes the JPEG/PNG files under `directory` (recursively, sorted) like `serve_bytes` does.

    Args:
        directory: folder to search; files are matched by extension (.jpg, .jpeg, .png, any case).
        image_size, min_side, max_side: as for `decode_image_bytes`.
        limit: optional maximum number of files (the first ones in sorted order).

    Returns:
        `(images, paths)`: a list of float32 `(h, w, 3)` NumPy arrays and their paths relative to `directory`.
    """
    if not tf.io.gfile.isdir(directory):
        raise ValueError(f"Not a directory: {directory!r}")
    paths = []
    for root, _, files in tf.io.gfile.walk(directory):
        paths.extend(os.path.join(root, f) for f in files if f.lower().endswith(IMAGE_EXTENSIONS))
    paths = sorted(paths)[:limit]
    if not paths:
        raise ValueError(f"No {'/'.join(IMAGE_EXTENSIONS)} files under {directory!r}")
    images = [decode_image_bytes(tf.io.read_file(p), image_size, min_side, max_side).numpy() for p in paths]
    return images, [os.path.relpath(p, directory) for p in paths]


def _or_fallback(encoded, fn, fallback):
    """`fn(encoded)`, or `fallback` when `fn` fails (a decoder error on corrupt bytes), so that the caller can
    fail with a message naming the image: an op error inside a graph cannot be caught or reworded, but a
    one-element `tf.data` pipeline with `ignore_errors` drops it. `fallback` must be a value `fn` never
    returns, of a shape compatible with its result."""
    dataset = tf.data.Dataset.from_tensors(encoded).map(fn).ignore_errors()
    return dataset.concatenate(tf.data.Dataset.from_tensors(fallback)).take(1).get_single_element()


def _jpeg_shape(encoded, what):
    """(height, width) from a JPEG's frame header, without decoding; fails naming the image when unreadable."""
    shape = _or_fallback(encoded, lambda e: tf.image.extract_jpeg_shape(e)[:2], tf.constant([-1, -1]))
    return gate(shape[0] >= 0, [what, " is a corrupt or truncated JPEG file: its header cannot be read"], shape)


def _png_shape(encoded, what):
    """(height, width) from a PNG's IHDR chunk (bytes 16..24, big-endian), without decoding."""
    ihdr = tf.strings.substr(encoded, 12, 4) == b"IHDR"
    encoded = gate(ihdr, [what, " is a corrupt PNG file: no IHDR header chunk"], encoded)
    width_height = tf.io.decode_raw(tf.strings.substr(encoded, 16, 8), tf.int32, little_endian=False)
    return tf.stack([width_height[1], width_height[0]])


def _resized_extent(height, width, image_size, max_side):
    """Target (height, width): shorter side `image_size`, aspect kept, longer side capped at `max_side`."""
    height, width = tf.cast(height, tf.float64), tf.cast(width, tf.float64)
    scale = tf.minimum(image_size / tf.minimum(height, width), max_side / tf.maximum(height, width))
    new = tf.maximum(tf.round(tf.stack([height, width]) * scale), 1.0)
    return tf.unstack(tf.cast(new, tf.int32))
