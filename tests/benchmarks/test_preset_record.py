"""benchmarks/preset_record.py: a preset's measured metadata from a real (tiny) run, its evaluations and the
float16 file `keras-spp export` wrote, checked against those files and against the zoo's preset schema."""

import csv
import hashlib
import json
import os

import pytest

from tests.benchmarks.conftest import benchmark_script, keras_spp
from tests.training.conftest import CLASSES, REPO, TINY, write_image_folder

preset_record = benchmark_script("preset_record")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """(run, exported float16 file, its evaluation folder) of a tiny zf5_spp run evaluated at 64 and 80."""
    root = tmp_path_factory.mktemp("preset")
    data, run, file = write_image_folder(root / "data", per_class=(4, 3)), root / "run", root / "tiny.weights.h5"
    with pytest.MonkeyPatch.context() as mp:
        keras_spp(mp, "train", *TINY, "--data", data, "--sizes", "64,48:1/64", "--epochs", "2", "--batch-size", "4",
                  "--steps-per-epoch", "2", "--val-examples", "2", "--out", run)  # fmt: skip
        for full in (64, 80):
            keras_spp(mp, "evaluate", "--weights", run, "--data", data, "--views", "center,full", "--size", "64",
                      "--full-size", full, "--out", run / f"eval_{full}")  # fmt: skip
        keras_spp(mp, "export", "zf5_spp", "--weights", run, "--format", "weights", "--storage-dtype", "float16",
                  "--out", file)  # fmt: skip
        model = ["--model", "zf5_spp", "--weights", file, "--num-classes", 3, "--fc-units", 16]
        keras_spp(mp, "evaluate", *model, "--data", data, "--views", "center,full", "--size", 64, "--full-size", 64,
                  "--out", root / "16")  # fmt: skip
    return run, file, root / "16"


def test_the_record_is_what_the_files_say(shipped):
    from zoo.presets import Preset

    run, file, file_evals = shipped
    entry = preset_record.preset_record("zf5_spp.tiny", str(run), str(file), [str(file_evals)], size=64, machine="CI")
    Preset.from_dict("zf5_spp.tiny", {**entry, "metadata": {**entry["metadata"], "license": "Apache-2.0"}})
    assert entry["config"] == {
        "num_classes": 3,
        "fc_units": 16,
        "dropout": json.load(open(run / "run.json"))["dropout"],
    }
    weights = entry["weights"]
    assert weights["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest() and weights["storage_dtype"] == "float16"
    assert weights["file_size"] == file.stat().st_size and weights["path"] == str(file)
    metadata = entry["metadata"]
    stored = json.load(open(file_evals / "eval_val.json"))["views"]
    run_evals = {s: json.load(open(run / f"eval_{s}" / "eval_val.json"))["views"] for s in (64, 80)}
    for view in ("center", "full"):  # the shipped file's numbers, at --size
        got = metadata["metrics"]["data"][view]
        assert (got["top1"], got["top5"], got["size"]) == (
            round(stored[view]["top1"], 4),
            round(stored[view]["top5"], 4),
            64,
        )
        unselected = run_evals[64][view]["unselected"]  # 7 of the 9 val images: the bare file's eval lacks them
        assert (got["top1_unselected"], got["top5_unselected"]) == (
            round(unselected["top1"], 4),
            round(unselected["top5"], 4),
        )
        assert got["unselected_note"] == (
            "on the 7 val images the run did not pick its best epoch on; measured with the run's float32 weights"
        )
    assert metadata["full_image_by_shorter_side"]["80"]["top1"] == round(run_evals[80]["full"]["top1"], 4)
    best = max((64, 80), key=lambda s: round(run_evals[s]["full"]["top1"], 4))
    assert metadata["recommended_shorter_side"] == best
    assert metadata["storage_note"].startswith(f"center 64: top-1 {100 * run_evals[64]['center']['top1']:.2f} -> ")
    with open(run / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    budget = metadata["budget"]
    assert (budget["epochs"], budget["images_seen"], budget["sizes"]) == (2, 2 * 2 * 4, "64,48:1/64")
    assert budget["hours"] == pytest.approx(sum(float(r["seconds"]) for r in rows) / 3600, rel=5e-3)
    assert (
        metadata["recipe"][0].startswith("keras-spp train --model zf5_spp")
        and "--storage-dtype float16" in metadata["recipe"][1]
    )
    assert len(metadata["recipe"]) == 5  # train, export, the file's evaluation, the run's two
    assert metadata["categories"] == list(CLASSES) and metadata["input_sizes"]["train"] == [64, 48]
    photos = sorted(f for f in os.listdir(os.path.join(REPO, "samples")) if f.endswith(".jpg"))
    assert sorted(metadata["samples"]) == photos and set(metadata["samples"].values()) <= set(CLASSES)


def test_a_run_of_another_model_or_other_classes_is_refused(shipped):
    run, file, _ = shipped
    with pytest.raises(ValueError, match="not a `keras-spp train` run of 'convnet5_spp'"):
        preset_record.preset_record("convnet5_spp.tiny", str(run), str(file))
    with pytest.raises(ValueError, match="'zf5_spp.imagenette' has other classes than the run"):
        preset_record.preset_record("zf5_spp.tiny", str(run), str(file), categories_of="zf5_spp.imagenette")
