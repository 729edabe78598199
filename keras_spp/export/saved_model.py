"""Export a Keras classifier as a SavedModel in TF Serving's versioned layout, for images of any size.

The layout is `<base_dir>/<version>/saved_model.pb` + `variables/`; TF Serving's `--model_base_path`
points at `<base_dir>` and serves the highest version. A version is written into a hidden temporary
folder beside it and renamed into place, so a server polling `<base_dir>` never sees half a version.
"""

import os
import re
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from keras_spp.export.image_decoding import decode_image_batch, validate_sides
from keras_spp.validation import positive_int

SIGNATURES = ("serving_default", "serve_bytes")
OUTPUT_KEYS = ("probabilities", "top_k_ids", "top_k_names", "top_k_probabilities")
_VERSION = re.compile(r"^[0-9]+$")


def export_saved_model(
    model,
    base_dir,
    *,
    padded_model=None,
    class_names=None,
    top_k=5,
    image_size=224,
    min_side=32,
    max_side=4096,
    version=None,
):
    """Writes `model` as the next version of a TF Serving model under `base_dir`; returns its path.

    Signatures (both return `probabilities` float32 `(B, C)`, `top_k_ids` int32 `(B, k)`, `top_k_names`
    string `(B, k)` and `top_k_probabilities` float32 `(B, k)`, k = min(top_k, C)):
    - `serving_default`: `images` float32 `(B, H, W, 3)`, raw RGB 0..255, any H and W in
      `[min_side, max_side]`, passed to `model` as they are.
    - `serve_bytes`: `image_bytes` string `(B,)`, encoded JPEG or PNG files of any sizes, decoded in the
      graph (see `decode_image_batch`), shorter side resized to `image_size`, zero-padded into one batch
      and classified by `padded_model` with the per-image sizes; without a `padded_model`, each image is
      classified alone by `model` (same numbers, one call per image).
    Bad input (corrupt or empty bytes, not JPEG/PNG, a side outside `[min_side, max_side]`) fails that
    call with an InvalidArgumentError saying which image and why; the loaded model keeps serving.

    Args:
        model: a Keras classifier: float32 `(B, H, W, 3)` raw 0..255 RGB, H and W None -> softmax `(B, C)`.
        base_dir: the model's base path (TF Serving `model_base_path`); created if missing.
        padded_model: optional twin of `model` sharing its weights, with inputs `{"images": (B, H, W, 3),
            "image_sizes": int32 (B, 2)}` giving each image's valid (height, width) in a padded batch.
        class_names: optional sequence of C strings; default `"0"`, `"1"`, ...
        top_k: number of best classes returned (capped at C).
        image_size: shorter side of decoded images in `serve_bytes`, or None to keep their size.
        min_side, max_side: accepted range of every image side, in both signatures; `serve_bytes` checks
            the file header before decoding, so memory stays bounded.
        version: optional int version to write; it must not exist. Default: highest existing + 1 (or 1).

    Returns:
        The path `<base_dir>/<version>` written.

    Example:
    >>> inputs = keras.Input((None, None, 3))
    >>> x = keras.layers.Conv2D(4, 3)(inputs)
    >>> outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalMaxPooling2D()(x))
    >>> path = export_saved_model(keras.Model(inputs, outputs), tempfile.mkdtemp(), image_size=64)
    >>> os.path.basename(path)
    '1'
    """
    image_size, min_side, max_side = validate_sides(image_size, min_side, max_side)
    positive_int(top_k, "top_k")
    positive_int(version, "version", allow_none=True)
    num_classes = _check_classifier(model, padded_model, image_size or min_side)
    names = _class_names(class_names, num_classes)
    k = min(top_k, num_classes)

    def outputs(probabilities):
        probabilities = tf.cast(probabilities, tf.float32)
        best = tf.math.top_k(probabilities, k)
        return {
            "probabilities": probabilities,
            "top_k_ids": best.indices,
            "top_k_names": tf.gather(tf.constant(names), best.indices),
            "top_k_probabilities": best.values,
        }

    def serve_images(images):
        shape = tf.shape(images)
        sides_ok = tf.reduce_all(tf.logical_and(shape[1:3] >= min_side, shape[1:3] <= max_side))
        message = tf.strings.format(
            "images are {}x{} pixels; both sides must be in [{}, {}]", (shape[1], shape[2], min_side, max_side)
        )
        with tf.control_dependencies([tf.debugging.Assert(sides_ok, [message])]):
            images = tf.identity(images)
        return outputs(model(images, training=False))

    def serve_bytes(image_bytes):
        images, sizes = decode_image_batch(image_bytes, image_size, min_side, max_side)
        if padded_model is not None:
            return outputs(padded_model({"images": images, "image_sizes": sizes}, training=False))

        def one(i):
            return tf.cast(model(images[i : i + 1, : sizes[i, 0], : sizes[i, 1]], training=False)[0], tf.float32)

        indices = tf.range(tf.shape(images)[0])
        return outputs(tf.map_fn(one, indices, fn_output_signature=tf.TensorSpec((num_classes,), tf.float32)))

    archive = keras.export.ExportArchive()
    archive.track(model)
    if padded_model is not None:
        archive.track(padded_model)
    archive.add_endpoint(
        "serving_default",
        serve_images,
        input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32, name="images")],
    )
    archive.add_endpoint(
        "serve_bytes", serve_bytes, input_signature=[tf.TensorSpec((None,), tf.string, name="image_bytes")]
    )
    return _write_version(base_dir, version, lambda path: archive.write_out(path, verbose=False))


def next_version(base_dir):
    """The version number the next export to `base_dir` gets: highest numeric subfolder + 1, or 1."""
    if not tf.io.gfile.isdir(base_dir):
        return 1
    versions = [int(n.rstrip("/")) for n in tf.io.gfile.listdir(base_dir) if _VERSION.match(n.rstrip("/"))]
    return max(versions, default=0) + 1


def _write_version(base_dir, version, write):
    """Runs `write(tmp_path)` into a hidden temp folder of `base_dir`, then renames it to the version.

    The rename is atomic and fails if the version exists, so an existing version is never touched; with
    `version=None` a concurrent exporter that took the number first makes this one take the next number.
    """
    base_dir = os.fspath(base_dir)
    os.makedirs(base_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-export-", dir=base_dir)
    try:
        write(tmp)
        while True:
            number = next_version(base_dir) if version is None else version
            target = os.path.join(base_dir, str(number))
            if os.path.exists(target):
                if version is not None:
                    raise FileExistsError(
                        f"Version {number} already exists at {target!r}; existing versions are never "
                        f"overwritten. Pass version=None to write version {next_version(base_dir)}."
                    )
                continue
            try:
                os.rename(tmp, target)
            except OSError:
                if os.path.exists(target) and version is None:
                    continue
                raise
            return target
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def _check_classifier(model, padded_model, side):
    """Runs `model` (and `padded_model`) once on a `side x side` image; returns the number of classes."""
    if not callable(model):
        raise ValueError(f"`model` must be a Keras classifier. Received: {model!r}")
    probe = np.random.default_rng(0).uniform(0, 255, (1, side, side, 3)).astype("float32")
    try:
        probabilities = np.asarray(model(probe, training=False))
    except Exception as error:
        raise ValueError(
            f"`model` must map float32 images (B, H, W, 3) of any size to class probabilities (B, C); "
            f"calling it on a {side}x{side} image failed: {error}"
        ) from error
    if probabilities.ndim != 2:
        raise ValueError(f"`model` must output probabilities (B, C). Received output shape {probabilities.shape}")
    if padded_model is not None:
        sizes = np.array([[side, side]], "int32")
        padded = np.asarray(padded_model({"images": probe, "image_sizes": sizes}, training=False))
        if padded.shape != probabilities.shape or not np.allclose(padded, probabilities, atol=1e-4):
            same = padded.shape == probabilities.shape
            raise ValueError(
                f"`padded_model` must be the padded twin of `model` (same weights); on one {side}x{side} image "
                f"they disagree: max difference {np.max(np.abs(padded - probabilities)) if same else padded.shape}"
            )
    return probabilities.shape[1]


def _class_names(class_names, num_classes):
    if class_names is None:
        return [str(i) for i in range(num_classes)]
    names = list(class_names)
    if len(names) != num_classes or not all(isinstance(n, str) for n in names):
        raise ValueError(
            f"`class_names` must be {num_classes} strings, one per output of the model. "
            f"Received {len(names)} values: {names[:5]}{'...' if len(names) > 5 else ''}"
        )
    return names
