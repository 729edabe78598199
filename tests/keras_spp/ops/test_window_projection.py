"""project_boxes: the paper's Appendix A projection on hand-worked boxes, clamping, collapse, bad input."""

import doctest

import numpy as np
import pytest
import tensorflow as tf

import keras_spp.ops.window_projection as window_projection_module
from keras_spp.ops import project_boxes


def test_hand_worked_boxes():
    boxes = [
        [35, 40, 200, 130],  # floor(35/16)=2, floor(40/16)=2, ceil(200/16)-2=11, ceil(130/16)-2=7
        [0, 0, 223, 223],  # a whole 224x224 image: the whole 13x13 map
        [16, 32, 47, 79],  # 1, 2, ceil(47/16)-2=1, ceil(79/16)-2=3
        [100, 100, 110, 110],  # left 6 > right 5: inverts, collapses to floor(11/2)=5
    ]
    expected = [[2, 2, 11, 7], [0, 0, 12, 12], [1, 2, 1, 3], [5, 5, 5, 5]]
    np.testing.assert_array_equal(project_boxes(boxes, stride=16), expected)
    np.testing.assert_array_equal(project_boxes([[10, 20, 90, 41]], stride=8), [[1, 2, 10, 4]])


def test_clamped_into_the_feature_map():
    boxes = [[-40, -5, 5000, 3000], [900, 900, 950, 950], [-100, -100, -50, -60]]
    result = project_boxes(np.array(boxes), stride=16, feature_size=(10, 20))
    np.testing.assert_array_equal(result, [[0, 0, 19, 9], [19, 9, 19, 9], [0, 0, 0, 0]])


def test_degenerate_and_inverted_boxes_give_one_cell():
    result = project_boxes([[64, 64, 64, 64], [200, 150, 100, 50]], stride=16, feature_size=(40, 40))
    # [4, 4, 2, 2] -> centre 3; [12, 9, 5, 2] -> centres 8 and 5
    np.testing.assert_array_equal(result, [[3, 3, 3, 3], [8, 5, 8, 5]])


def test_an_image_smaller_than_one_cell_maps_every_box_to_cell_zero():
    result = project_boxes([[0, 0, 9, 9], [3, 2, 5, 7]], stride=16, feature_size=(1, 1))
    np.testing.assert_array_equal(result, np.zeros((2, 4)))


def test_tensor_input_in_a_graph_gives_the_numpy_numbers():
    boxes = np.random.default_rng(0).uniform(-50, 700, size=(3, 7, 4)).astype("float32")
    graph = tf.function(lambda b, size: project_boxes(b, stride=16, feature_size=(size[0], size[1])))
    result = graph(tf.constant(boxes), tf.constant([30, 41]))
    assert result.dtype == tf.int32
    np.testing.assert_array_equal(result.numpy(), project_boxes(boxes, stride=16, feature_size=(30, 41)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_boxes_raise_naming_them(bad):
    boxes = np.array([[0, 0, 10, 10], [1, 2, bad, 4]])
    with pytest.raises(ValueError, match=r"Received: boxes=\[\[1\.0, 2\.0, (nan|inf|-inf), 4\.0\]\]"):
        project_boxes(boxes)
    with pytest.raises(ValueError, match="finite"):
        project_boxes(tf.constant(boxes))


def test_non_finite_boxes_fail_in_a_graph():
    graph = tf.function(lambda b: project_boxes(b))
    with pytest.raises(tf.errors.InvalidArgumentError, match="finite"):
        graph(tf.constant([[0.0, np.nan, 3.0, 4.0]]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"boxes": [[1, 2, 3]]}, r"\(\.\.\., 4\)"),
        ({"boxes": [[1, 2, 3, 4]], "stride": 0}, "stride=0"),
        ({"boxes": [[1, 2, 3, 4]], "stride": 1.5}, "stride=1.5"),
        ({"boxes": [[1, 2, 3, 4]], "feature_size": (0, 5)}, r"feature_size=\(0, 5\)"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        project_boxes(**kwargs)


def test_docstring_examples():
    result = doctest.testmod(window_projection_module)
    assert result.failed == 0 and result.attempted > 0
