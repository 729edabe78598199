"""`keras-spp demo`: the shipped preset classifies the sample photos at three sizes, alone and batched."""

import re

from training import cli
from training.commands.demo import SAMPLES, SIZES


def test_demo_classifies_every_sample_at_every_size_and_batching_changes_nothing(capsys):
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    photos = sorted(p.stem for p in SAMPLES.glob("*.jpg"))
    assert len(photos) >= 3
    rows = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in photos}
    assert sorted(rows) == photos
    for line in rows.values():
        assert len(re.findall(r"\d\.\d\d", line)) == len(SIZES), line  # one scored class per size
    assert "every size below pools to 12800 features" in out
    gap = float(re.search(r"largest difference from one-by-one ([0-9.e+-]+)", out).group(1))
    assert gap < 1e-4
