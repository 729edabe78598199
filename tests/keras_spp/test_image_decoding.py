"""`decode_rgb`: JPEGs decode to exactly the pixels OpenCV and PIL give, everywhere the project decodes."""

import io

import cv2
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_spp.export import decode_image_bytes, decode_rgb


def photo_like(height, width, seed=0):
    """Smooth gradients plus noise: a JPEG of it has the mid-frequency detail where IDCTs differ."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / max(width, 1), y * 255 / max(height, 1), (x + y) % 256], axis=-1)
    return np.clip(base + rng.normal(0, 25, (height, width, 3)), 0, 255).astype(np.uint8)


def opencv_rgb(data):
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def pil_rgb(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize("chroma_downsampling", [True, False])
@pytest.mark.parametrize("shape", [(1, 1), (17, 31), (120, 90)])
def test_a_jpeg_decodes_to_the_pixels_of_opencv_and_pil(shape, chroma_downsampling):
    data = tf.io.encode_jpeg(photo_like(*shape), quality=90, chroma_downsampling=chroma_downsampling).numpy()
    decoded = decode_rgb(data).numpy()
    assert decoded.dtype == np.uint8 and decoded.shape == shape + (3,)
    np.testing.assert_array_equal(decoded, opencv_rgb(data))
    np.testing.assert_array_equal(decoded, pil_rgb(data))


def test_a_grey_jpeg_and_png_gif_bmp_become_the_same_rgb_as_pil():
    grey = photo_like(23, 41)[..., :1]
    rgba = np.concatenate([photo_like(23, 41, seed=1), np.full((23, 41, 1), 77, np.uint8)], axis=-1)
    files = {"grey jpeg": tf.io.encode_jpeg(grey).numpy(), "rgba png": tf.io.encode_png(rgba).numpy()}
    for kind in ("GIF", "BMP"):
        buffer = io.BytesIO()
        Image.fromarray(photo_like(23, 41, seed=2)).save(buffer, format=kind)
        files[kind] = buffer.getvalue()
    for name, data in files.items():
        np.testing.assert_array_equal(decode_rgb(data).numpy(), pil_rgb(data), err_msg=name)


def test_in_a_graph_and_in_serving_the_pixels_are_the_same():
    data = tf.io.encode_jpeg(photo_like(40, 56)).numpy()
    mapped = next(iter(tf.data.Dataset.from_tensors(data).map(decode_rgb))).numpy()
    served = decode_image_bytes(data, image_size=None).numpy()
    np.testing.assert_array_equal(mapped, opencv_rgb(data))
    np.testing.assert_array_equal(served, opencv_rgb(data).astype(np.float32))
