"""Each image's answer (`evaluate --predictions`): rows in the split's order, checked image by image against
the model run on that file alone, on one device and two, and the CSV the CLI writes."""

import csv
import io
import json

import numpy as np
import pytest

from tests.training.conftest import CLASSES, colour_classifier
from training.evaluation import evaluate_model, predictions_csv


def _alone(model, path, size):
    """The center view of one file through `model`, computed without the evaluation pipeline."""
    import tensorflow as tf

    from keras_spp.export import decode_rgb
    from training.data import augment, resize_side_for

    image = decode_rgb(tf.io.read_file(path))
    crop = tf.round(augment.center_crop(image, size, resize_side_for(size)))
    return model.predict(crop[None], verbose=0)[0]


def test_rows_follow_the_split_and_match_each_image_alone(colour_split):
    import tensorflow as tf

    model, padded = colour_classifier()
    strategy = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")[:2]])
    with strategy.scope():
        mirrored_model, mirrored_padded = colour_classifier()
    kwargs = {"views": ("center", "full"), "size": 40, "batch_size": 4, "predictions": True}
    one = evaluate_model(model, colour_split, padded_model=padded, **kwargs)
    two = evaluate_model(mirrored_model, colour_split, padded_model=mirrored_padded, strategy=strategy, **kwargs)
    files = [p.decode() for p, _ in colour_split.elements().as_numpy_iterator()]
    labels = [int(y) for _, y in colour_split.elements().as_numpy_iterator()]
    assert files == list(colour_split.files) and len(files) == 15
    predictions = one["center"]["predictions"]
    assert predictions["label"].tolist() == labels and predictions["top"].shape == (15, 3)
    for i, path in enumerate(files):
        probs = _alone(model, path, 40)
        assert predictions["top"][i].tolist() == np.argsort(-probs, kind="stable").tolist()
        np.testing.assert_allclose(predictions["probability"][i], np.sort(probs)[::-1], rtol=1e-5)
    assert np.mean(predictions["top"][:, 0] == predictions["label"]) == one["center"]["top1"]
    for view in ("center", "full"):
        for key in ("label", "top"):
            assert two[view]["predictions"][key].tolist() == one[view]["predictions"][key].tolist(), (view, key)


def test_the_csv_names_files_classes_and_whether_each_is_right():
    predictions = {
        "label": np.array([2, 0]),
        "top": np.array([[2, 1, 0], [1, 0, 2]]),
        "probability": np.array([[0.7, 0.2, 0.1], [0.5, 0.4, 0.1]]),
    }
    rows = list(csv.DictReader(io.StringIO(predictions_csv(predictions, list(CLASSES), ["a.jpg", "b.jpg"]))))
    assert [(r["index"], r["file"], r["label_name"], r["correct"]) for r in rows] == [
        ("0", "a.jpg", "red", "1"),
        ("1", "b.jpg", "blue", "0"),
    ]
    assert rows[1]["top"] == "1 0 2" and rows[1]["top_names"] == "green|blue|red"
    assert rows[0]["probabilities"] == "0.700000 0.200000 0.100000"
    assert [r["file"] for r in csv.DictReader(io.StringIO(predictions_csv(predictions, list(CLASSES))))] == ["", ""]
    with pytest.raises(ValueError, match="1 files for 2 predictions"):
        predictions_csv(predictions, list(CLASSES), ["a.jpg"])


def test_the_cli_writes_one_row_per_image(mirrored_run, image_folder, tmp_path):
    from training import cli

    out, _ = mirrored_run
    argv = ["evaluate", "--weights", str(out), "--data", image_folder, "--views", "center,10", "--size", "64"]
    assert cli.main([*argv, "--predictions", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "eval_val.json").read_text())
    for view in ("center", "10"):
        path = report["views"][view]["predictions_csv"]
        with open(path, newline="") as file:
            rows = list(csv.DictReader(file))
        assert len(rows) == report["views"][view]["count"] == 12
        assert np.mean([r["correct"] == "1" for r in rows]) == pytest.approx(report["views"][view]["top1"])
        assert all(r["file"].startswith(image_folder) and f"/{r['label_name']}/" in r["file"] for r in rows)
