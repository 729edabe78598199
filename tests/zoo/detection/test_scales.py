"""Scale choice of SPP-net's detector on hand-worked boxes."""

import numpy as np

from zoo.detection import SCALES, best_scales, resized_size


def test_hand_worked_scale_choice():
    # 480 x 640 image, min side 480: expected = round(208 * 480 / sqrt(area))
    boxes = [
        [0, 0, 223, 223],  # 224 x 224: 445.7 -> 446, nearest 480
        [0, 0, 99, 99],  # 100 x 100: 998.4 -> 998, nearest 864 (134 away; 1200: 202)
        [0, 0, 49, 49],  # 50 x 50: 1996.8 -> 1997, nearest 1200
        [0, 0, 159, 159],  # 160 x 160: 624 -> nearest 576 (48 away; 688: 64)
        [10, 10, 10, 10],  # one pixel: 99840 -> 1200
        [0, 0, 639, 479],  # the whole image: 288 -> 480
    ]
    assert best_scales(boxes, (480, 640), SCALES).tolist() == [0, 3, 4, 1, 4, 0]


def test_one_scale_and_ties():
    assert best_scales([[0, 0, 9, 9], [0, 0, 999, 999]], (500, 500), (688,)).tolist() == [0, 0]
    # expected 632 (a 158 x 158 box in a 480-side image: 208 * 480 / 158 = 631.9) is 56 from 576 and 688
    assert best_scales([[0, 0, 157, 157]], (480, 640), (576, 688)).tolist() == [0]


def test_degenerate_boxes_count_as_one_pixel():
    assert best_scales([[5, 5, 2, 2]], (480, 640)).tolist() == [4]
    assert best_scales(np.zeros((0, 4)), (480, 640)).shape == (0,)


def test_resized_size():
    assert resized_size(480, 640, 688) == (688, 917)
    assert resized_size(1000, 300, 480) == (1600, 480)
    assert resized_size(300, 1000, 688, max_side=1500) == (450, 1500)
    assert resized_size(1, 1, 688) == (688, 688)
