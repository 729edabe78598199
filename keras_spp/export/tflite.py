"""Export a Keras classifier to TFLite with dynamic height and width, optionally quantized, and run it.

The file has one signature, `serving_default`: `images` float32 `(B, H, W, 3)` raw 0..255 (every dim
dynamic; call `resize_tensor_input` before `allocate_tensors`) -> `probabilities` float32 `(B, C)`. Only
TFLite builtin ops are allowed, so it runs with the plain LiteRT interpreter, no Flex delegate.
"""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from keras_spp.export.image_decoding import read_image_folder
from keras_spp.export.input_checks import min_input_side, runs_on_side

QUANTIZATIONS = ("none", "float16", "dynamic", "int8")


def export_tflite(
    model, path, *, quantize="none", representative_images=None, image_size=224, max_calibration_images=200, verify=True
):
    """Converts `model` to a `.tflite` file with dynamic H and W, builtin ops only; returns a report dict.

    Args:
        model: a Keras classifier, float32 `(B, H, W, 3)` raw 0..255 with H and W None -> `(B, C)`.
        path: the `.tflite` file to write (its folder is created).
        quantize: `"none"` (float32), `"float16"` (float16 weights), `"dynamic"` (int8 weights, float
            activations) or `"int8"` (int8 weights and activations, calibrated; float32 input and output).
        representative_images: for `"int8"` only (required there): a folder of JPEG/PNG files (decoded
            like `serve_bytes`, shorter side `image_size`) or an iterable of float32 `(h, w, 3)` arrays.
        image_size: shorter side of the calibration images read from a folder.
        max_calibration_images: at most this many images are used for calibration.
        verify: run the converted file once with LiteRT (default delegates, XNNPACK included) on an
            `image_size` square image (for int8 the first calibration image) before writing it, and
            report the largest probability difference to Keras. Skipped when ai-edge-litert is missing.

    Returns:
        `{"path": path, "quantize": quantize, "size_bytes": int, "min_input_side": int}`, plus
        `"probe_max_abs_diff"` when verified. `min_input_side` is the smallest image side the Keras model
        runs on (found by trying it); it is stored in the file's metadata and `TFLiteClassifier` refuses
        smaller images, since the converted graph would answer for some of them (assertions are dropped).

    Raises:
        RuntimeError: the converted model does not run in LiteRT (nothing is written).

    Example:
    >>> inputs = keras.Input((None, None, 3))
    >>> x = keras.layers.GlobalMaxPooling2D()(keras.layers.Conv2D(4, 3)(inputs))
    >>> model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    >>> export_tflite(model, os.path.join(tempfile.mkdtemp(), "m.tflite"))["size_bytes"] > 0
    True
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"`quantize` must be one of {QUANTIZATIONS}. Received: quantize={quantize!r}")
    if (quantize == "int8") != (representative_images is not None):
        raise ValueError(
            "`representative_images` (a folder or a list of images) is required for quantize='int8' and used "
            f"by it only. Received: quantize={quantize!r}, representative_images={type(representative_images).__name__}"
        )
    with tempfile.TemporaryDirectory() as saved_model_dir:
        archive = keras.export.ExportArchive()
        archive.track(model)
        archive.add_endpoint(
            "serving_default",
            lambda images: {"probabilities": tf.cast(model(images, training=False), tf.float32)},
            input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32, name="images")],
        )
        archive.write_out(saved_model_dir, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if quantize != "none":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == "float16":
            converter.target_spec.supported_types = [tf.float16]
        side = image_size or 224
        if not runs_on_side(model, side):
            raise ValueError(f"`model` must run on float32 images (1, {side}, {side}, 3) (side `image_size`)")
        min_side = min_input_side(model, side)  # the deployed file refuses what Keras refuses
        probe = np.random.default_rng(0).uniform(0, 255, (side, side, 3)).astype("float32")
        if quantize == "int8":
            images = _calibration_images(representative_images, image_size, max_calibration_images)
            converter.representative_dataset = lambda: ([image[np.newaxis]] for image in images)
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            probe = images[0]
        flatbuffer = _with_min_input_side(converter.convert(), min_side)
    report = {"quantize": quantize, "size_bytes": len(flatbuffer), "min_input_side": min_side}
    if verify:
        report.update(_verify(model, flatbuffer, probe[np.newaxis], quantize))
    path = os.fspath(path)
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(flatbuffer)
    return {"path": path, **report}


class TFLiteClassifier:
    """Runs a `.tflite` classifier written by `export_tflite` with the LiteRT interpreter, any image size.

    Not thread-safe (one interpreter); make one per thread. Needs the `ai-edge-litert` package.

    Args:
        model: path of a `.tflite` file, or its bytes.
        num_threads: interpreter threads (None: LiteRT's default).
        min_side: smallest accepted image side; default the model's minimum that `export_tflite` recorded
            in the file (None for a file without it: no check).

    Call arguments:
        images: float32 `(B, H, W, 3)` raw 0..255, B >= 1, both sides >= `min_side`; the input is resized
            when the shape changes. Other shapes raise ValueError naming the shape and what was expected.

    Returns: float32 `(B, C)` probabilities (a NumPy array).

    Example:
    >>> classifier = TFLiteClassifier("zf5_spp.tflite")           # doctest: +SKIP
    >>> classifier(np.zeros((1, 180, 240, 3), "float32")).shape  # doctest: +SKIP
    (1, 10)
    """

    def __init__(self, model, num_threads=None, min_side=None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as error:
            raise ImportError(
                "Running a .tflite file needs the LiteRT interpreter: pip install ai-edge-litert"
            ) from error
        if isinstance(model, (bytes, bytearray)):
            content = bytes(model)
        else:
            with open(os.fspath(model), "rb") as f:
                content = f.read()
        self.interpreter = Interpreter(model_content=content, num_threads=num_threads)
        self.min_side = _read_min_input_side(content) if min_side is None else int(min_side)
        self._input = self.interpreter.get_input_details()[0]["index"]
        self._output = self.interpreter.get_output_details()[0]["index"]
        self._shape = None

    def __call__(self, images):
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[-1] != 3:
            raise ValueError(f"Expected images (B, H, W, 3). Received: shape={images.shape}")
        if images.shape[0] == 0:
            raise ValueError(f"The batch is empty: expected at least one image. Received: shape={images.shape}")
        if self.min_side is not None and min(images.shape[1:3]) < self.min_side:
            raise ValueError(
                f"Images must be at least {self.min_side}x{self.min_side} pixels, the smallest input the model "
                f"runs on in Keras. Received: {images.shape[1]}x{images.shape[2]} (shape={images.shape})"
            )
        if images.shape != self._shape:
            self.interpreter.resize_tensor_input(self._input, images.shape, strict=True)
            self.interpreter.allocate_tensors()
            self._shape = images.shape
        self.interpreter.set_tensor(self._input, images)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output).copy()


def evaluate_tflite(model, tflite_model, images, labels=None):
    """Compares a TFLite classifier with its Keras model image by image: agreement and accuracy delta.

    Args:
        model: the Keras classifier.
        tflite_model: a `.tflite` path or bytes, or a `TFLiteClassifier`.
        images: iterable of float32 `(h, w, 3)` arrays, each of any size.
        labels: optional true class ids, one per image.

    Returns:
        dict: `images` (count), `top1_agreement` (fraction of images where both pick the same class),
        `max_abs_diff` (largest probability difference), and with labels `keras_accuracy`,
        `tflite_accuracy`, `accuracy_delta` (tflite minus keras).
    """
    runner = tflite_model if isinstance(tflite_model, TFLiteClassifier) else TFLiteClassifier(tflite_model)
    keras_top, lite_top, max_diff = [], [], 0.0
    for image in images:
        batch = np.asarray(image, "float32")[np.newaxis]
        expected = np.asarray(model(batch, training=False), "float32")
        got = runner(batch)
        keras_top.append(int(expected.argmax()))
        lite_top.append(int(got.argmax()))
        max_diff = max(max_diff, float(np.abs(got - expected).max()))
    if not keras_top:
        raise ValueError("`images` is empty: nothing to evaluate")
    keras_top, lite_top = np.array(keras_top), np.array(lite_top)
    agreement = float(np.mean(keras_top == lite_top))
    report = {"images": len(keras_top), "top1_agreement": agreement, "max_abs_diff": max_diff}
    if labels is not None:
        labels = np.asarray(list(labels))
        if labels.shape != keras_top.shape:
            raise ValueError(
                f"`labels` must give one class id per image: {len(keras_top)} images, {labels.shape} labels"
            )
        report["keras_accuracy"] = float(np.mean(keras_top == labels))
        report["tflite_accuracy"] = float(np.mean(lite_top == labels))
        report["accuracy_delta"] = report["tflite_accuracy"] - report["keras_accuracy"]
    return report


def _verify(model, flatbuffer, image, quantize):
    """Runs the converted model once in LiteRT; raises RuntimeError when it cannot run."""
    try:
        runner = TFLiteClassifier(flatbuffer)
    except ImportError:
        return {}
    try:
        got = runner(image)
    except (RuntimeError, ValueError) as error:
        raise RuntimeError(
            f"The {quantize!r} TFLite conversion succeeded but LiteRT cannot run the result on a "
            f"{image.shape[1]}x{image.shape[2]} image (nothing written): {str(error).rstrip('.')}. With int8, a "
            "layer that pads with an extreme constant (e.g. the dtype's lowest value) ruins the calibrated ranges; "
            "pad with a value from the data instead."
        ) from error
    expected = np.asarray(model(image, training=False), "float32")
    return {"probe_max_abs_diff": float(np.abs(got - expected).max())}


def _calibration_images(source, image_size, limit):
    if isinstance(source, (str, os.PathLike)):
        return read_image_folder(source, image_size=image_size, limit=limit)[0]
    images = [np.asarray(image, "float32") for _, image in zip(range(limit), source, strict=False)]
    if not images or any(image.ndim != 3 or image.shape[-1] != 3 for image in images):
        raise ValueError("`representative_images` must hold at least one float32 (h, w, 3) image")
    return images


_MIN_SIDE_METADATA = "keras_spp.min_input_side"


def _with_min_input_side(flatbuffer, min_side):
    """The `.tflite` flatbuffer with `min_side` stored as model metadata (name `keras_spp.min_input_side`)."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(str(int(min_side)).encode(), np.uint8)
    model.buffers.append(buffer)
    metadata = schema.MetadataT()
    metadata.name, metadata.buffer = _MIN_SIDE_METADATA, len(model.buffers) - 1
    model.metadata = (model.metadata or []) + [metadata]
    return flatbuffer_utils.convert_object_to_bytearray(model)


def _read_min_input_side(content):
    """The minimum side `export_tflite` stored in a `.tflite` flatbuffer, or None."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAs(content, 0)
    for i in range(model.MetadataLength()):
        if model.Metadata(i).Name() == _MIN_SIDE_METADATA.encode():
            return int(bytes(model.Buffers(model.Metadata(i).Buffer()).DataAsNumpy()).decode())
    return None
