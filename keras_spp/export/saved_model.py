"""Export a Keras classifier as a SavedModel in TF Serving's versioned layout, for images of any size.

The layout is `<base_dir>/<version>/saved_model.pb` + `variables/`; TF Serving's `--model_base_path`
points at `<base_dir>` and serves the highest version. A version is written into a hidden temporary
folder beside it and renamed into place, so a server polling `<base_dir>` never sees half a version.
"""

import os
import re
import secrets
import shutil
import stat
import tempfile  # noqa: F401 - used by the docstring example

import keras
import numpy as np
import tensorflow as tf

from keras_spp.export.image_decoding import decode_image_batch, validate_sides
from keras_spp.export.input_checks import checked_images, min_input_side, runs_on_side
from keras_spp.export.temp_names import host_name, left_by_dead_writer
from keras_spp.validation import positive_int

SIGNATURES = ("serving_default", "serve_bytes")
OUTPUT_KEYS = ("probabilities", "top_k_ids", "top_k_names", "top_k_probabilities")
_VERSION = re.compile(r"^[0-9]+$")
_TMP_PREFIX = ".tmp-export-"
_TMP_NAME = re.compile(r"^\.tmp-export-(?P<host>.+)-(?P<pid>[0-9]+)-[0-9a-f]{8}$")


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
    Bad input fails that call with an InvalidArgumentError saying which image and why; the loaded model
    keeps serving. Refused: corrupt, truncated or empty bytes, not JPEG/PNG, a side outside `[min_side,
    max_side]`; for `serving_default` also a shape other than `(B, H, W, 3)`, an empty batch, and pixels that
    are NaN, infinite or beyond +-1e6 (`input_checks.PIXEL_LIMIT`; they would vanish into a confident class).
    The version folder is readable by other users as the umask allows (TF Serving often runs as another user).

    Args:
        model: a Keras classifier: float32 `(B, H, W, 3)` raw 0..255 RGB, H and W None -> softmax `(B, C)`.
        base_dir: the model's base path (TF Serving `model_base_path`); created if missing.
        padded_model: optional twin of `model` sharing its weights, with inputs `{"images": (B, H, W, 3),
            "image_sizes": int32 (B, 2)}` giving each image's valid (height, width) in a padded batch.
        class_names: optional sequence of C strings; default `"0"`, `"1"`, ...
        top_k: number of best classes returned (capped at C).
        image_size: shorter side of decoded images in `serve_bytes`, or None to keep their size.
        min_side, max_side: accepted range of every image side, in both signatures; `serve_bytes` checks
            the file header before decoding, so memory stays bounded. `min_side` below the smallest image
            `model` runs on is refused (the error names that minimum).
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
    _check_min_side(model, min_side, image_size or min_side)
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
        return outputs(model(checked_images(images, min_side, max_side), training=False))

    def serve_bytes(image_bytes):
        images, sizes = decode_image_batch(image_bytes, image_size, min_side, max_side)
        if padded_model is not None:
            return outputs(padded_model({"images": images, "image_sizes": sizes}, training=False))

        def one(i):
            return tf.cast(model(images[i : i + 1, : sizes[i, 0], : sizes[i, 1]], training=False)[0], tf.float32)

        indices = tf.range(tf.shape(images)[0])
        return outputs(tf.map_fn(one, indices, fn_output_signature=tf.TensorSpec((num_classes,), tf.float32)))

    # No `archive.track(model)`: the endpoints track the variables they use (`_all_variables`), and tracking
    # the model as well saves every weight a second time, through its Keras variable wrappers (`variables/`).
    archive = keras.export.ExportArchive()
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
    Before the rename every folder and file gets the mode the umask gives new ones (the temp folder alone
    would be private). The temp name carries this host and process id, so temp folders that a killed
    export left behind are removed by the next export on the same host.
    """
    base_dir = os.fspath(base_dir)
    os.makedirs(base_dir, exist_ok=True)
    remove_stale_temp_folders(base_dir)
    tmp = os.path.join(base_dir, f"{_TMP_PREFIX}{host_name()}-{os.getpid()}-{secrets.token_hex(4)}")
    os.mkdir(tmp, 0o777)  # the umask applies, as for any new folder
    try:
        write(tmp)
        _apply_umask_modes(tmp)
        while True:
            number = next_version(base_dir) if version is None else version
            target = os.path.join(base_dir, str(number))
            if os.path.exists(target):
                if version is not None:
                    raise FileExistsError(
                        f"Version {number} already exists at {target!r}; existing versions are never "
                        f"overwritten (the next free version is {next_version(base_dir)})."
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


def remove_stale_temp_folders(base_dir):
    """Removes the temp folders of exports to `base_dir` by processes of this host that no longer run.

    Returns the removed paths. A folder of a live process, of another host (a shared file system), or
    without a host and process id in its name (written before they were recorded) is left alone.
    """
    removed = []
    for name in sorted(os.listdir(base_dir)):
        match = _TMP_NAME.match(name)
        if match and left_by_dead_writer(match["host"], match["pid"]):
            shutil.rmtree(os.path.join(base_dir, name), ignore_errors=True)
            removed.append(os.path.join(base_dir, name))
    return removed


def _apply_umask_modes(root):
    """Gives every folder under `root` (itself included) mode 0o777 and every file 0o666, minus the umask.

    The umask is read from `root`, made by `os.mkdir(root, 0o777)`, so the process umask is never changed.
    """
    umask = 0o777 & ~stat.S_IMODE(os.stat(root).st_mode)
    for folder, _, files in os.walk(root):
        os.chmod(folder, 0o777 & ~umask)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666 & ~umask)


def _check_min_side(model, min_side, runs_on):
    """Refuses a `min_side` below the smallest image `model` runs on (it runs on `runs_on`), naming it."""
    if min_side < runs_on and not runs_on_side(model, min_side):
        raise ValueError(
            f"`min_side` must be at least the smallest image side `model` runs on, {min_input_side(model, runs_on)} "
            f"(it fails on {min_side}x{min_side} images): the exported signatures would pass such images to it. "
            f"Received: min_side={min_side}"
        )


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
            difference = np.max(np.abs(padded - probabilities)) if same else padded.shape
            raise ValueError(
                f"`padded_model` must be the padded twin of `model` (same weights); on one {side}x{side} image "
                f"they disagree: max difference {difference}"
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
