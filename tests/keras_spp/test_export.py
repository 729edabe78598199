"""Export: the SavedModel (TF Serving layout, both signatures) and TFLite files give the Keras numbers.

Tiny classifiers (two valid convolutions, SPP, softmax) keep every test fast; their padded twin shares
the layers and maps pixel sizes to feature-map sizes exactly, as the zoo's padded models do.
"""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
import tensorflow as tf

from keras_spp.export import (
    OUTPUT_KEYS,
    decode_image_batch,
    decode_image_bytes,
    export_saved_model,
    export_tflite,
    next_version,
)
from tests.keras_spp.export_models import (
    CLASS_NAMES,
    NUM_CLASSES,
    SHORT_SIDE,
    SIZES,
    resized_outside,
    tiny_classifiers,
)


def test_versioned_layout_and_saved_model_cli(exported):
    path, _ = exported
    assert os.path.basename(path) == "1"
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert os.path.isdir(os.path.join(path, "variables"))
    assert [n for n in os.listdir(os.path.dirname(path)) if not n.startswith(".")] == ["1"]
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run([cli, "show", "--dir", path, "--all"], capture_output=True, text=True, check=True).stdout
    blocks = {
        name: shown.split(f"signature_def['{name}']:")[1].split("signature_def[")[0]
        for name in ("serve_bytes", "serving_default")
    }
    default, raw = blocks["serving_default"], blocks["serve_bytes"]
    assert "inputs['images'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, -1, -1, 3)" in default
    assert "inputs['image_bytes'] tensor_info:\n        dtype: DT_STRING\n        shape: (-1)" in raw
    for block in (default, raw):
        assert "outputs['probabilities'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 3)" in block
        assert "outputs['top_k_ids'] tensor_info:\n        dtype: DT_INT32\n        shape: (-1, 2)" in block
        assert "outputs['top_k_names'] tensor_info:\n        dtype: DT_STRING\n        shape: (-1, 2)" in block
        assert "outputs['top_k_probabilities'] tensor_info:\n        dtype: DT_FLOAT\n        shape: (-1, 2)" in block


def test_serving_default_equals_keras_at_two_sizes(classifiers, exported):
    model, _ = classifiers
    serve = exported[1].signatures["serving_default"]
    rng = np.random.default_rng(2)
    for height, width in SIZES:
        images = rng.uniform(0, 255, (2, height, width, 3)).astype("float32")
        out = serve(images=tf.constant(images))
        expected = model.predict(images, verbose=0)
        np.testing.assert_allclose(out["probabilities"].numpy(), expected, rtol=1e-5, atol=1e-6)
        top = np.argsort(-expected, axis=1)[:, :2]
        np.testing.assert_array_equal(out["top_k_ids"].numpy(), top)
        np.testing.assert_array_equal(out["top_k_names"].numpy().astype(str), np.array(CLASS_NAMES)[top])
        np.testing.assert_allclose(out["top_k_probabilities"].numpy(), np.take_along_axis(expected, top, 1), rtol=1e-5)


def test_serve_bytes_mixed_batch_equals_keras_per_image(classifiers, exported, encoded_images):
    model, _ = classifiers
    batch = encoded_images["jpegs"] + encoded_images["pngs"] + [encoded_images["gray"], encoded_images["rgba"]]
    out = exported[1].signatures["serve_bytes"](image_bytes=tf.constant(batch))
    assert out["probabilities"].shape == (len(batch), NUM_CLASSES)
    for i, encoded in enumerate(batch):
        expected = model.predict(resized_outside(encoded, SHORT_SIDE)[np.newaxis], verbose=0)[0]
        np.testing.assert_allclose(
            out["probabilities"][i].numpy(), expected, rtol=1e-4, atol=1e-6, err_msg=f"image {i}"
        )


def test_serve_bytes_on_jpeg_equals_outside_decode_then_serving_default(exported, encoded_images):
    signatures = exported[1].signatures
    for encoded in encoded_images["jpegs"][:2]:
        raw = signatures["serve_bytes"](image_bytes=tf.constant([encoded]))
        image = resized_outside(encoded, SHORT_SIDE)
        assert min(image.shape[:2]) == SHORT_SIDE
        dense = signatures["serving_default"](images=tf.constant(image[np.newaxis]))
        for key in OUTPUT_KEYS:
            if key == "top_k_names":
                np.testing.assert_array_equal(raw[key].numpy(), dense[key].numpy())
            else:
                np.testing.assert_allclose(raw[key].numpy(), dense[key].numpy(), rtol=1e-5, atol=1e-6)


def test_grayscale_and_rgba_become_rgb():
    gray = np.arange(40 * 50, dtype=np.uint8).reshape(40, 50, 1)
    rgba = np.concatenate([np.full((40, 50, 3), 9, np.uint8), np.full((40, 50, 1), 200, np.uint8)], axis=-1)
    decoded_gray = decode_image_bytes(tf.io.encode_png(gray), image_size=None).numpy()
    decoded_rgba = decode_image_bytes(tf.io.encode_png(rgba), image_size=None).numpy()
    np.testing.assert_array_equal(decoded_gray, np.repeat(gray, 3, axis=-1).astype("float32"))
    np.testing.assert_array_equal(decoded_rgba, np.full((40, 50, 3), 9, "float32"))


def test_resize_keeps_aspect_and_caps_the_longer_side():
    wide = tf.io.encode_png(np.zeros((40, 100, 3), np.uint8))
    assert decode_image_bytes(wide, image_size=64).shape == (64, 160, 3)
    assert decode_image_bytes(wide, image_size=64, max_side=120).shape == (48, 120, 3)
    images, sizes = decode_image_batch(
        tf.stack([wide, tf.io.encode_png(np.full((90, 45, 3), 255, np.uint8))]), image_size=32
    )
    assert images.shape == (2, 64, 80, 3)
    assert sizes.numpy().tolist() == [[32, 80], [64, 32]]
    assert float(tf.reduce_max(images[1, :, 32:])) == 0.0  # padding right of the narrow image


def test_oversized_header_is_refused_before_decoding():
    png = bytearray(tf.io.encode_png(np.zeros((40, 40, 3), np.uint8)).numpy())
    png[16:24] = (100_000).to_bytes(4, "big") * 2  # a decompression bomb: 10^10 pixels declared
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"the image is 100000x100000 pixels; both sides must be in \[32, 4096\]"
    ):
        decode_image_bytes(bytes(png))


def test_export_twice_gives_version_2_and_leaves_version_1_alone(classifiers, tmp_path):
    model, _ = classifiers
    first = export_saved_model(model, tmp_path, image_size=SHORT_SIDE)
    before = {p: os.path.getmtime(os.path.join(first, p)) for p in ("saved_model.pb", "variables")}
    with open(os.path.join(first, "saved_model.pb"), "rb") as f:
        first_bytes = f.read()
    assert next_version(tmp_path) == 2
    second = export_saved_model(model, tmp_path, image_size=SHORT_SIDE)
    assert os.path.basename(second) == "2"
    assert sorted(os.listdir(tmp_path)) == ["1", "2"]  # no temporary folder left behind
    assert before == {p: os.path.getmtime(os.path.join(first, p)) for p in before}
    with open(os.path.join(first, "saved_model.pb"), "rb") as f:
        assert f.read() == first_bytes
    with pytest.raises(FileExistsError, match="Version 1 already exists"):
        export_saved_model(model, tmp_path, image_size=SHORT_SIDE, version=1)
    assert sorted(os.listdir(tmp_path)) == ["1", "2"]


def test_serve_bytes_without_padded_model_classifies_one_by_one(classifiers, exported, encoded_images, tmp_path):
    model, _ = classifiers
    path = export_saved_model(model, tmp_path, class_names=CLASS_NAMES, top_k=2, image_size=SHORT_SIDE, max_side=256)
    batch = tf.constant(encoded_images["jpegs"][:3])
    alone = tf.saved_model.load(path).signatures["serve_bytes"](image_bytes=batch)["probabilities"]
    padded = exported[1].signatures["serve_bytes"](image_bytes=batch)["probabilities"]
    np.testing.assert_allclose(alone.numpy(), padded.numpy(), rtol=1e-5, atol=1e-6)


def _bad_inputs(encoded_images):
    jpeg = encoded_images["jpegs"][0]
    return {
        "corrupt": (jpeg[:300] + bytes(range(256)) * 2 + jpeg[812:], "JPEG"),
        "truncated": (jpeg[: len(jpeg) // 2], "JPEG"),
        "empty": (b"", "image 1 of the batch is an empty string"),
        "text": (b"label,score\ncat,0.9\n" * 4, r"image 1 of the batch \(80 bytes\) is not a JPEG or PNG"),
        "1x1": (
            tf.io.encode_png(np.zeros((1, 1, 3), np.uint8)).numpy(),
            r"image 1 of the batch is 1x1 pixels; both sides must be in \[32, 256\]",
        ),
        "too large": (
            tf.io.encode_png(np.zeros((40, 300, 3), np.uint8)).numpy(),
            r"is 40x300 pixels; both sides must be in \[32, 256\]",
        ),
    }


@pytest.mark.parametrize("kind", ["corrupt", "truncated", "empty", "text", "1x1", "too large"])
def test_bad_bytes_fail_that_call_and_the_model_keeps_serving(exported, encoded_images, kind):
    serve = exported[1].signatures["serve_bytes"]
    good = encoded_images["jpegs"][1]
    expected = serve(image_bytes=tf.constant([good]))["probabilities"].numpy()
    bad, message = _bad_inputs(encoded_images)[kind]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        serve(image_bytes=tf.constant([good, bad]))
    np.testing.assert_array_equal(serve(image_bytes=tf.constant([good]))["probabilities"].numpy(), expected)


def test_bad_float_images_and_empty_batch_fail_cleanly(exported):
    signatures = exported[1].signatures
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"images are 1x1 pixels; both sides must be in \[32, 256\]"
    ):
        signatures["serving_default"](images=tf.zeros((1, 1, 1, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"images are 40x300 pixels"):
        signatures["serving_default"](images=tf.zeros((1, 40, 300, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="the batch is empty"):
        signatures["serve_bytes"](image_bytes=tf.constant([], tf.string))
    assert signatures["serving_default"](images=tf.zeros((1, 40, 50, 3)))["probabilities"].shape == (1, 3)


def test_eight_threads_of_mixed_sizes_equal_single_thread(exported, encoded_images):
    signatures = exported[1].signatures
    rng = np.random.default_rng(3)
    sizes = [(40, 40), (48, 64), (71, 53), (33, 90), (64, 48)]
    calls = []
    for i in range(25):
        if i % 2:
            calls.append(
                ("serve_bytes", tf.constant([encoded_images["jpegs"][j % 4] for j in range(i % 3 + 1 + i // 10)]))
            )
        else:
            calls.append(
                ("serving_default", tf.constant(rng.uniform(0, 255, (1 + i % 2, *sizes[i % 5], 3)).astype("float32")))
            )

    def run(name, tensor):
        key = "images" if name == "serving_default" else "image_bytes"
        return signatures[name](**{key: tensor})["probabilities"].numpy()

    expected = [run(*call) for call in calls]
    results, errors = {}, []

    def worker(thread):
        try:
            for i in range(25):
                results[thread, i] = run(*calls[(i + thread) % 25])
        except Exception as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 200
    for (thread, i), got in results.items():
        np.testing.assert_allclose(got, expected[(i + thread) % 25], rtol=1e-6, atol=1e-7)


def test_bad_arguments_are_refused_quoting_the_value(classifiers, tmp_path):
    model, _ = classifiers
    _, other_padded = tiny_classifiers(seed=1)  # a padded twin of another model (other weights)
    cases = [
        (dict(top_k=0), r"`top_k` must be an integer >= 1. Received: top_k=0"),
        (dict(version=0), r"`version` must be None or an integer >= 1. Received: version=0"),
        (dict(min_side=64, max_side=48), r"`min_side` must be <= `max_side`. Received: min_side=64, max_side=48"),
        (dict(image_size=16), r"`image_size` .* Received: image_size=16"),
        (dict(class_names=["cat", "dog"]), r"`class_names` must be 3 strings.*Received 2 values: \['cat', 'dog'\]"),
        (dict(padded_model=other_padded), r"`padded_model` must be the padded twin of `model`"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            export_saved_model(model, tmp_path, **kwargs)
    assert not os.listdir(tmp_path)
    with pytest.raises(ValueError, match=r"`quantize` must be one of .* Received: quantize='int4'"):
        export_tflite(model, tmp_path / "m.tflite", quantize="int4")
    with pytest.raises(ValueError, match="`representative_images` .* is required for quantize='int8'"):
        export_tflite(model, tmp_path / "m.tflite", quantize="int8")
