import numpy as np

from zoo.layers import IMAGENET_MEAN, IMAGENET_STD, image_normalization


def test_raw_pixels_are_normalized_without_weights():
    layer = image_normalization()
    pixels = np.random.default_rng(0).uniform(0, 255, size=(2, 3, 4, 3)).astype("float32")
    expected = (pixels - np.array(IMAGENET_MEAN)) / np.array(IMAGENET_STD)
    np.testing.assert_allclose(np.asarray(layer(pixels)), expected, rtol=1e-5, atol=1e-6)
    assert layer.count_params() == 0 and not layer.weights
