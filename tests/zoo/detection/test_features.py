"""FeatureExtractor: each box's row is SpatialPyramidPooling of its projected crop of conv5 at its scale."""

import cv2
import numpy as np
import pytest

import zoo
from keras_spp.ops import project_boxes, spatial_pyramid_pool
from zoo.detection import FeatureExtractor, best_scales, resized_size

SCALES = (48, 80, 112)  # small stand-ins for (480, ..., 1200), and for 208 below: the arithmetic is the same
STANDARD_SIDE = 26


@pytest.fixture(scope="module")
def extractor():
    return FeatureExtractor(zoo.backbone("zf5"), scales=SCALES, levels=(3, 2, 1), standard_side=STANDARD_SIDE)


def expected_rows(extractor, image, boxes):
    """Written apart from the extractor: resize, conv, project, crop, SPP, box by box."""
    height, width = image.shape[:2]
    rows = []
    for box, scale_id in zip(boxes, best_scales(boxes, (height, width), SCALES, STANDARD_SIDE), strict=True):
        size = resized_size(height, width, SCALES[scale_id])
        resized = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
        conv5 = extractor.backbone(resized[np.newaxis].astype("float32")).numpy()
        factor = [(size[1] - 1) / (width - 1), (size[0] - 1) / (height - 1)] * 2
        x0, y0, x1, y1 = project_boxes(np.array(box) * factor, 16, feature_size=conv5.shape[1:3])
        rows.append(spatial_pyramid_pool(conv5[:, y0 : y1 + 1, x0 : x1 + 1], (3, 2, 1)).numpy()[0])
    return np.array(rows)


def test_rows_equal_pyramid_pooling_of_each_projected_crop_at_its_scale(extractor):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(60, 90, 3)).astype(np.uint8)
    boxes = np.array([[0, 0, 89, 59], [5, 5, 20, 30], [40, 10, 88, 58], [30, 30, 33, 33], [60, 0, 89, 15]], float)
    assert set(best_scales(boxes, (60, 90), SCALES, STANDARD_SIDE).tolist()) == {0, 1, 2}, "all three scales"
    features = extractor(image, boxes)
    assert features.shape == (5, 256 * 14) and features.dtype == np.float32
    np.testing.assert_allclose(features, expected_rows(extractor, image, boxes), rtol=1e-4, atol=1e-4)


def test_one_scale_and_the_backbone_traced_once(extractor):
    single = FeatureExtractor(extractor.backbone, scales=(64,))
    image = np.full((40, 120, 3), 128, np.uint8)
    assert single(image, [[0, 0, 119, 39]]).shape == (1, 12800)
    single(np.full((70, 30, 3), 10, np.uint8), [[0, 0, 9, 9], [1, 1, 29, 69]])
    assert single._conv.experimental_get_tracing_count() == 1
    assert single._pool.experimental_get_tracing_count() == 1


def test_bad_and_degenerate_boxes(extractor):
    image = np.zeros((30, 40, 3), np.uint8)
    assert extractor(image, np.zeros((0, 4))).shape == (0, 256 * 14)
    degenerate = [[10, 10, 10, 10], [30, 20, 5, 2], [-100, -100, 500, 500], [200, 200, 300, 300]]
    assert np.isfinite(extractor(image, degenerate)).all()
    with pytest.raises(ValueError, match=r"Received: boxes=\[\[0\.0, nan, 5\.0, 5\.0\]\]"):
        extractor(image, [[0, 0, 5, 5], [0, np.nan, 5, 5]])
    with pytest.raises(ValueError, match=r"shape=\(4,\)"):
        extractor(image, [0, 0, 5, 5])


def test_an_image_smaller_than_one_conv_cell(extractor):
    tiny = np.full((8, 8, 3), 200, np.uint8)  # under one 16-pixel cell: resized up to each scale
    assert extractor(tiny, [[0, 0, 7, 7], [2, 2, 3, 3]]).shape == (2, 256 * 14)
    capped = FeatureExtractor(extractor.backbone, scales=(480,), max_side=30)
    with pytest.raises(ValueError, match=r"30x30 pixels, smaller than the backbone's \d+x\d+ minimum"):
        capped(tiny, [[0, 0, 7, 7]])


def test_without_boxes_it_runs_selective_search(extractor):
    image = np.zeros((50, 70, 3), np.uint8)
    image[10:40, 20:60] = (200, 30, 30)
    boxes, features = extractor.extract(image)
    assert len(boxes) > 0 and features.shape == (len(boxes), 256 * 14)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"scales=\(\)"):
        FeatureExtractor(zoo.backbone("zf5"), scales=())
    with pytest.raises(ValueError, match="backbone=3"):
        FeatureExtractor(3)
    with pytest.raises(ValueError, match="pooling='sum'"):
        FeatureExtractor(zoo.backbone("zf5"), pooling="sum")
