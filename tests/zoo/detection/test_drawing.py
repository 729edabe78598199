"""Detections drawn with Keras' draw_bounding_boxes, one colour a class, written as PNG."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.detection.drawing import PALETTE, draw_detections, write_detections_png


def test_boxes_in_class_colours_and_the_input_left_alone():
    image = np.full((120, 160, 3), 200, np.uint8)
    picture = draw_detections(image, [[10, 20, 60, 100], [80, 30, 150, 110]], [0, 2], [0.9, 0.4], ["a", "b", "c"])
    assert picture.shape == image.shape and picture.dtype == np.uint8 and (image == 200).all()
    assert picture[60, 10].tolist() == list(PALETTE[0]) and picture[70, 150].tolist() == list(PALETTE[2])
    assert (picture[60, 35] == 200).all()  # inside a box: untouched
    assert (draw_detections(image, np.zeros((0, 4)), []) == image).all()


def test_png_round_trip_and_bad_input(tmp_path):
    image = np.random.default_rng(0).integers(0, 255, size=(50, 70, 3)).astype(np.float32)
    path = write_detections_png(tmp_path / "d.png", image, [[5, 5, 30, 40]], [1])
    decoded = tf.io.decode_png(tf.io.read_file(str(path))).numpy()
    assert decoded.shape == (50, 70, 3) and decoded[20, 5].tolist() == list(PALETTE[1])
    with pytest.raises(ValueError, match="one entry a detection"):
        draw_detections(image, [[5, 5, 30, 40]], [1, 2])
    with pytest.raises(ValueError, match=r"image.shape=\(50, 70\)"):
        draw_detections(image[..., 0], [[5, 5, 30, 40]], [1])
