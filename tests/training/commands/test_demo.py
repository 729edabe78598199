"""`keras-spp demo`: the shipped preset classifies the sample photos at their own sizes, beside the truth."""

import re

import zoo
from training import cli
from training.commands.demo import SAMPLES, true_label


def test_demo_classifies_every_sample_beside_its_true_label_and_batching_changes_nothing(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    photos = sorted(p.stem for p in SAMPLES.glob("*.jpg"))
    assert len(photos) >= 8
    rows = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in photos}
    assert sorted(rows) == photos
    sizes = {re.search(r" (\d+)x(\d+) ", line).groups() for line in rows.values()}
    assert len(sizes) >= 3  # square and non-square photos, each at its own size
    for line in rows.values():
        assert len(re.findall(r"\d\.\d\d (ok|MISS)", line)) == 2, line  # as stored, at the recommended side
    side = zoo.get_metadata("zf5_spp.imagenette")["recommended_shorter_side"]
    assert re.search(rf"top-1 right: \d/\d+ as stored, \d/\d+ at shorter side {side}", out)
    assert "every photo pools to 12800 features" in out
    gap = float(re.search(r"largest difference from one-by-one ([0-9.e+-]+)", out).group(1))
    assert gap < 1e-4


def test_true_labels_come_from_file_names():
    categories = ["English springer", "golf ball", "gas pump"]
    assert true_label("English_springer_wide", categories) == "English springer"
    assert true_label("golf_ball", categories) == "golf ball"
    assert true_label("my-cat", categories) == "?"
