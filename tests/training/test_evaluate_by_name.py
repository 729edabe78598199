"""`keras-spp evaluate` matches class folders to the model's categories by name or id, never by position."""

import json
import shutil

import numpy as np
import pytest

from tests.training.conftest import REPO
from training import cli

# The bundled samples, by category name (as typed by a user), by a mixed spelling, and by wnid.
BY_NAME = {"church": "church", "golf ball": "golf_ball", "parachute": "parachute", "tench": "tench"}
BY_ID = {"n03028079": "church", "n03445777": "golf_ball", "n03888257": "parachute", "n01440764": "tench"}
MIXED = {"Church": "church", "golf_ball": "golf_ball", "n03888257": "parachute", "tench": "tench"}


def sample_folder(root, folders):
    for folder, sample in folders.items():
        (root / "val" / folder).mkdir(parents=True)
        shutil.copy(f"{REPO}/samples/{sample}.jpg", root / "val" / folder / f"{sample}.jpg")
    return str(root)


def evaluate(data, out, capsys):
    assert (
        cli.main(["evaluate", "--model", "zf5_spp.imagenette", "--data", data, "--size", "144", "--out", str(out)]) == 0
    )
    capsys.readouterr()
    return json.loads((out / "eval_val.json").read_text())


def test_folders_named_by_category_or_id_give_the_same_numbers(tmp_path, capsys):
    reports = [
        evaluate(sample_folder(tmp_path / kind, folders), tmp_path / f"out_{kind}", capsys)
        for kind, folders in (("name", BY_NAME), ("id", BY_ID), ("mixed", MIXED))
    ]
    confusions = [np.array(report["views"]["center"]["confusion"]) for report in reports]
    for report, confusion in zip(reports, confusions, strict=True):
        assert report["class_names"][8] == "golf ball" and confusion.shape == (10, 10)
        # Each photo is counted in the row of its own category: 0 tench, 4 church, 8 golf ball, 9 parachute.
        assert confusion.sum(axis=1).tolist() == [1, 0, 0, 0, 1, 0, 0, 0, 1, 1]
        for metric in ("top1", "top5", "count", "confusion"):
            assert report["views"]["center"][metric] == reports[0]["views"]["center"][metric]
        # The folders sort differently, so the losses are summed in another order: equal to rounding.
        assert report["views"]["center"]["loss"] == pytest.approx(reports[0]["views"]["center"]["loss"], rel=1e-12)


def test_a_folder_that_names_no_category_is_refused_with_the_list(tmp_path, capsys):
    data = sample_folder(tmp_path, {"church": "church", "dog": "tench"})
    assert cli.main(["evaluate", "--model", "zf5_spp.imagenette", "--data", data]) == 2
    error = capsys.readouterr().err
    assert "class folders ['dog'] match none of the model's categories" in error
    assert "'English springer'" in error and "'n02102040'" in error and "\n" not in error.strip()
