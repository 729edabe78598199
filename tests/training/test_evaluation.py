"""Evaluation: center / full / 10-view agree on a model whose answer is known; the CLI's report and PNGs."""

import json
import os

import keras
import numpy as np
import pytest

from tests.training.conftest import CLASSES, colour_classifier, write_image_folder
from training.data import open_splits
from training.evaluation import evaluate_model, topk_metrics


def test_views_agree_on_a_model_whose_answer_is_known(colour_split):
    model, padded = colour_classifier()
    results = evaluate_model(
        model, colour_split, views=("center", "full", "10"), size=48, batch_size=4, padded_model=padded
    )
    for view, metrics in results.items():
        assert metrics["count"] == 15, view
        assert metrics["top1"] == 1.0 and metrics["top5"] == 1.0, view
        assert np.trace(metrics["confusion"]) == 15 and np.sum(metrics["confusion"]) == 15
    losses = [results[v]["loss"] for v in ("center", "full", "10")]
    np.testing.assert_allclose(losses, losses[0], rtol=0.05)


class _LargestBatch(keras.layers.Layer):
    """Passes its input on and keeps the largest batch it was called with."""

    def build(self, input_shape):
        self.largest = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False)

    def call(self, x):
        import tensorflow as tf

        self.largest.assign(tf.maximum(self.largest, tf.shape(x)[0]))
        return x


def test_ten_views_keep_each_model_call_to_the_batch_size(colour_split):
    """10 views of 12 images are 120 crops: a batch of 12 must hold one image (10 crops), same answer."""
    model, _ = colour_classifier()
    spy = _LargestBatch()
    images = keras.Input((None, None, 3))
    watched = keras.Model(images, model(spy(images)))
    small = evaluate_model(watched, colour_split, views=("10",), size=48, batch_size=12)["10"]
    assert int(spy.largest.numpy()) == 10
    large = evaluate_model(model, colour_split, views=("10",), size=48, batch_size=150)["10"]
    assert small["count"] == large["count"] == 15 and small["confusion"] == large["confusion"]
    np.testing.assert_allclose(small["loss"], large["loss"], rtol=1e-6)
    evaluate_model(watched, colour_split, views=("10",), size=48, batch_size=3)
    assert int(spy.largest.numpy()) == 10  # fewer than 10 crops asked: one image at a time


def test_full_view_pools_only_each_image_not_its_padding(colour_split):
    """A padded batch's zeros would pull the mean colour down; the sizes keep the answer exact."""
    model, padded = colour_classifier()
    single = evaluate_model(model, colour_split, views=("full",), size=48, batch_size=1, padded_model=padded)
    batched = evaluate_model(model, colour_split, views=("full",), size=48, batch_size=6, padded_model=padded)
    np.testing.assert_allclose(single["full"]["loss"], batched["full"]["loss"], rtol=1e-5)


def test_a_fixed_size_model_has_a_full_view_of_square_images_at_its_size(colour_split, tmp_path):
    """Imagenette's val files are 224x224: a no-SPP net's full view at 224 is each file as it is."""
    any_size, _ = colour_classifier()
    images = keras.Input((40, 40, 3))
    fixed = keras.Model(images, any_size.get_layer("head")(any_size.layers[1](images)), name="fixed40")
    squares = open_splits(write_image_folder(tmp_path, per_class=(1, 4), sizes=(40, 40), seed=7))[1]
    full = evaluate_model(fixed, squares, views=("full",), size=40, full_size=40, batch_size=5)["full"]
    reference = evaluate_model(any_size, squares, views=("full",), size=40, full_size=40, batch_size=5)["full"]
    assert full["count"] == 12 and full["confusion"] == reference["confusion"]
    np.testing.assert_allclose(full["loss"], reference["loss"], rtol=1e-6)
    with pytest.raises(
        ValueError, match=r"'fixed40' takes only \(40, 40\).*\(shorter side 40\) of an image is \(\d+, \d+\)"
    ):
        evaluate_model(fixed, colour_split, views=("full",), size=40, full_size=40, batch_size=5)
    with pytest.raises(ValueError, match=r"shorter side \(`full_size`\) of 40.*Received: full_size=46"):
        evaluate_model(fixed, squares, views=("full",), size=40, batch_size=5)


def test_topk_metrics_against_hand_counts():
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.4, 0.35, 0.25]])
    labels = np.array([1, 2, 2, 1])
    metrics = topk_metrics(probs, labels, 3)
    assert metrics["top1"] == 0.5 and metrics["top5"] == 1.0 and metrics["count"] == 4
    assert metrics["confusion"] == [[0, 0, 0], [1, 1, 0], [1, 0, 1]]
    np.testing.assert_allclose(metrics["loss"], -np.mean(np.log([0.6, 0.3, 0.5, 0.35])))
    two = topk_metrics(probs[:, :2], np.array([1, 0, 1, 0]), 2)  # fewer than 5 classes: top-5 is all
    assert two["top5"] == 1.0


def test_cli_reports_json_and_confusion_pngs_for_a_trained_run(mirrored_run, image_folder, capsys):
    from training import cli

    out, state = mirrored_run
    weights = str(out / "best.weights.h5")
    assert (
        cli.main(
            [
                "evaluate",
                "--weights",
                weights,
                "--data",
                image_folder,
                "--views",
                "center,full,10",
                "--size",
                "64",
                "--batch-size",
                "5",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "center crop: top-1" in printed and "10 views" in printed
    report = json.loads((out / "eval_val.json").read_text())
    assert report["model"] == "zf5_spp" and report["class_names"] == list(CLASSES)
    assert set(report["views"]) == {"center", "full", "10"} and report["full_size"] == 73  # 64 * 256 / 224
    for metrics in report["views"].values():
        assert metrics["count"] == 12 and 0 <= metrics["top1"] <= metrics["top5"] <= 1
        assert os.path.getsize(metrics["confusion_png"]) > 0
    # The center view at the training size is what training measured for the best epoch.
    best = state["history"][state["best"]["epoch"] - 1]
    np.testing.assert_allclose(report["views"]["center"]["top1"], best["val_top1"])
    np.testing.assert_allclose(report["views"]["center"]["loss"], best["val_loss"], rtol=1e-4)


def test_cli_refuses_a_full_view_for_a_fixed_size_model(image_folder, capsys):
    from training import cli

    assert cli.main(["evaluate", "--model", "zf5", "--fc-units", "16", "--data", image_folder, "--views", "full"]) == 2
    assert "takes only (224, 224)" in capsys.readouterr().err
    assert cli.main(["evaluate", "--model", "zf5_spp", "--data", image_folder, "--views", "center,top3"]) == 2
    assert "--views must be" in capsys.readouterr().err


def test_mirrored_evaluation_matches_one_device(colour_split):
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")[:2]])
    with strategy.scope():
        model, padded = colour_classifier()
    one = evaluate_model(model, colour_split, views=("center", "full"), size=40, batch_size=4, padded_model=padded)
    two = evaluate_model(
        model, colour_split, views=("center", "full"), size=40, batch_size=4, padded_model=padded, strategy=strategy
    )
    for view in ("center", "full"):
        assert two[view]["count"] == one[view]["count"] == 15
        assert two[view]["confusion"] == one[view]["confusion"]
        np.testing.assert_allclose(two[view]["loss"], one[view]["loss"], rtol=1e-6)
