"""`evaluate` of a run on its own val split: which images picked the best epoch (`--val-examples`), checked
against what training measured on them, and the scores of the others against a count by hand."""

import csv
import json

import numpy as np
import pytest

from tests.training.conftest import TINY, train_in_process
from training.selection import selection_stride, unselected_metrics


@pytest.fixture(scope="module")
def subset_run(image_folder, tmp_path_factory):
    """A run that validated on every 3rd of the 12 val images (`--val-examples 4`)."""
    out = tmp_path_factory.mktemp("subset") / "run"
    argv = TINY + ["--data", image_folder, "--sizes", "48", "--epochs", "2", "--batch-size", "4"]
    state = train_in_process([*argv, "--steps-per-epoch", "2", "--val-examples", "4", "--seed", "3", "--out", out])
    return out, state


def _rows(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_the_images_that_picked_the_epoch_are_the_ones_training_scored(subset_run, image_folder, tmp_path, capsys):
    from training import cli
    from training.data import open_splits, subsample

    out, state = subset_run
    argv = ["evaluate", "--weights", str(out), "--data", image_folder, "--size", "48", "--predictions"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 0
    assert "without the images that picked the epoch: top-1" in capsys.readouterr().out
    report = json.loads((tmp_path / "eval_val.json").read_text())
    assert report["selection"]["every"] == 3 and report["selection"]["examples"] == 4
    rows = _rows(report["views"]["center"]["predictions_csv"])
    chosen = [r for r in rows if int(r["index"]) % 3 == 0]
    assert [r["file"] for r in chosen] == list(subsample(open_splits(image_folder)[1], 4).files)
    # Training's own score of its best epoch is the score of exactly these images (3 classes: all listed).
    best = state["history"][state["best"]["epoch"] - 1]
    picked = [float(r["probabilities"].split()[r["top"].split().index(r["label"])]) for r in chosen]
    np.testing.assert_allclose(-np.mean(np.log(picked)), best["val_loss"], rtol=1e-4)
    assert np.mean([r["correct"] == "1" for r in chosen]) == pytest.approx(best["val_top1"])
    others = [r for r in rows if int(r["index"]) % 3 != 0]
    unselected = report["views"]["center"]["unselected"]
    assert unselected["count"] == len(others) == 8
    assert unselected["top1"] == pytest.approx(np.mean([r["correct"] == "1" for r in others]))


def test_without_predictions_the_report_keeps_only_the_scores(subset_run, image_folder, tmp_path):
    from training import cli

    out, _ = subset_run
    argv = ["evaluate", "--weights", str(out), "--data", image_folder, "--views", "center,full", "--size", "48"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "eval_val.json").read_text())
    for metrics in report["views"].values():
        assert set(metrics["unselected"]) == {"top1", "top5", "count"} and "predictions_csv" not in metrics
    assert not list(tmp_path.glob("predictions_*.csv"))


def test_a_run_that_validated_on_the_whole_split_leaves_nothing_unselected(mirrored_run, image_folder, tmp_path):
    from training import cli

    out, _ = mirrored_run
    assert (
        cli.main(["evaluate", "--weights", str(out), "--data", image_folder, "--size", "64", "--out", str(tmp_path)])
        == 0
    )
    report = json.loads((tmp_path / "eval_val.json").read_text())
    assert report["selection"]["every"] == 1 and report["selection"]["examples"] == 12
    assert "unselected" not in report["views"]["center"]


def test_the_final_file_other_data_another_split_or_no_run_select_nothing(subset_run, image_folder, tmp_path):
    from tests.training.conftest import write_image_folder
    from training import cli
    from training.data import open_splits

    out, _ = subset_run
    saved = json.loads((out / "run.json").read_text())
    val, best = open_splits(image_folder)[1], str(out / "best.weights.h5")
    assert selection_stride(saved, str(out / "final.weights.h5"), image_folder, val) is None  # picked by none
    argv = ["evaluate", "--weights", str(out / "final.weights.h5"), "--data", image_folder, "--size", "48"]
    assert cli.main([*argv, "--out", str(tmp_path / "final")]) == 0
    assert "selection" not in json.loads((tmp_path / "final" / "eval_val.json").read_text())
    assert selection_stride(saved, best, image_folder, val) == 3
    assert selection_stride(saved, best, image_folder + "/", val) == 3  # the same folder, spelt otherwise
    other = write_image_folder(tmp_path / "other", per_class=(2, 4))
    assert selection_stride(saved, best, other, open_splits(other)[1]) is None
    assert selection_stride({}, best, image_folder, val) is None
    renamed = {**saved, "data": {**saved["data"], "val": "test"}}
    assert selection_stride(renamed, best, image_folder, val) is None
    miscounted = {**saved, "data": {**saved["data"], "val_examples": 5}}
    with pytest.warns(UserWarning, match=r"validated on 5 examples of 'val', but 1 in 3 of these 12 is 4"):
        assert selection_stride(miscounted, best, image_folder, val) is None


def test_unselected_metrics_against_a_count_by_hand():
    predictions = {
        "label": np.array([0, 1, 2, 0, 1, 2, 0]),
        "top": np.array([[0, 1], [0, 1], [1, 0], [2, 1], [1, 0], [0, 1], [0, 2]]),
    }
    # every 3rd (0, 3, 6) picked the epoch; the others: 1 wrong but in top-2, 2 wrong, 4 right, 5 wrong
    assert unselected_metrics(predictions, 3) == {"top1": 0.25, "top5": 0.5, "count": 4}
    assert unselected_metrics(predictions, 1) is None
