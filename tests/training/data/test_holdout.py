"""The validation subset carved out of a split: parsing, determinism by name and seed, the rest kept."""

import numpy as np
import pytest

from training.data.holdout import carve, holdout_names, parse_holdout
from training.data.voc import VocImage, VocSplit


def _split(names):
    empty = np.zeros((0, 4), np.float32)
    images = [VocImage(f"/data/train/{n}", 10, 10, empty, np.zeros(0, np.int32), np.zeros(0, bool)) for n in names]
    return VocSplit("train", ["a"], images)


def test_parse_holdout_counts_fractions_and_plain_names():
    assert parse_holdout("train:40") == ("train", 40)
    assert parse_holdout("train:0.15") == ("train", 0.15)
    assert parse_holdout("test") == ("test", None) and parse_holdout(None) == (None, None)
    for bad in ("train:0", "train:1.5", "train:x", ":3", "train:-2"):
        with pytest.raises(ValueError, match="SPLIT:N"):
            parse_holdout(bad)


def test_holdout_depends_on_names_and_seed_not_on_order():
    names = [f"img_{i}.jpg" for i in range(50)]
    held = holdout_names(names, 10, seed=0)
    assert len(held) == 10 and held == holdout_names(names[::-1], 10, seed=0)
    assert held != holdout_names(names, 10, seed=1)
    assert len(holdout_names(names, 0.15)) == 8  # round(7.5)
    assert len(held ^ holdout_names(names + ["new.jpg"], 10, seed=0)) <= 2  # a new image moves at most one
    with pytest.raises(ValueError, match="none to train on"):
        holdout_names(names, 50)


def test_carve_splits_the_images_in_order_without_overlap():
    split = _split([f"img_{i}.jpg" for i in range(20)])
    rest, held = carve(split, 5, seed=3)
    assert len(held.images) == 5 and len(rest.images) == 15
    assert (held.name, rest.name) == ("train:5", "train-5")
    paths = [r.path for r in rest.images] + [r.path for r in held.images]
    assert sorted(paths) == sorted(r.path for r in split.images)
    order = [r.path for r in split.images]
    assert [r.path for r in rest.images] == [p for p in order if p in {r.path for r in rest.images}]
