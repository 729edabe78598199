"""Selective-search proposals: sorted and repeatable, cached by image bytes and settings, wide images."""

import numpy as np
import pytest

import zoo.detection.proposals as proposals_module
from zoo.detection import selective_search


def blocks_image(height, width, seed=0):
    """A synthetic RGB photo: a few flat coloured rectangles on a noisy background."""
    rng = np.random.default_rng(seed)
    image = rng.integers(90, 110, size=(height, width, 3)).astype(np.uint8)
    for _ in range(5):
        y0, x0 = rng.integers(0, height - 4), rng.integers(0, width - 4)
        y1, x1 = y0 + rng.integers(4, height // 2 + 5), x0 + rng.integers(4, width // 3 + 5)
        image[y0:y1, x0:x1] = rng.integers(0, 255, 3)
    return image


def test_boxes_are_inside_the_image_sorted_and_repeatable():
    image = blocks_image(90, 120)
    first, second = selective_search(image), selective_search(image)
    np.testing.assert_array_equal(first, second)
    assert len(first) > 5 and first.dtype == np.float32
    assert (first[:, :2] >= 0).all() and (first[:, 2] <= 119).all() and (first[:, 3] <= 89).all()
    assert (first[:, 2:] >= first[:, :2]).all()
    area = (first[:, 2] - first[:, 0] + 1) * (first[:, 3] - first[:, 1] + 1)
    assert (np.diff(area) <= 0).all(), "largest first"
    np.testing.assert_array_equal(selective_search(image, top_n=3), first[:3])


def test_boxes_of_a_downscaled_search_are_scaled_back():
    image = blocks_image(200, 300)
    boxes = selective_search(image, max_side=100)
    assert boxes[:, 2].max() > 250 and boxes[:, 3].max() > 150, "boxes span the full-size image"
    assert (boxes[:, 2] <= 299).all() and (boxes[:, 3] <= 199).all()


def test_a_very_wide_image_gets_proposals():
    image = blocks_image(60, 400, seed=3)  # aspect 6.7; old OpenCV builds crashed above about 2.4
    boxes = selective_search(image, max_side=None)
    assert len(boxes) > 0 and (boxes[:, 2] <= 399).all()


def test_cache_hit_returns_identical_boxes_without_searching(tmp_path, monkeypatch):
    import cv2

    path = tmp_path / "photo.jpg"  # PNG data under a .jpg name, as in the fruits set
    path.write_bytes(cv2.imencode(".png", blocks_image(80, 100, seed=1))[1].tobytes())
    first = selective_search(str(path), cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1

    def fail(*args):
        raise AssertionError("searched again despite the cache")

    monkeypatch.setattr(proposals_module, "_search", fail)
    np.testing.assert_array_equal(selective_search(str(path), cache_dir=tmp_path / "cache"), first)
    np.testing.assert_array_equal(selective_search(path.read_bytes(), cache_dir=tmp_path / "cache"), first)
    with pytest.raises(AssertionError, match="searched again"):  # other settings: another key
        selective_search(str(path), mode="single", cache_dir=tmp_path / "cache")


@pytest.mark.parametrize(
    "kwargs, match",
    [({"mode": "best"}, "mode='best'"), ({"max_side": 0}, "max_side=0"), ({"top_n": 0}, "top_n=0")],
)
def test_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        selective_search(np.zeros((20, 20, 3), np.uint8), **kwargs)


def test_bad_images():
    with pytest.raises(ValueError, match="do not decode"):
        selective_search(b"not an image")
    with pytest.raises(ValueError, match=r"shape=\(20, 20\)"):
        selective_search(np.zeros((20, 20)))
