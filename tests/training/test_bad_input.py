"""Bad input gives clear errors (exit status 2, the bad value quoted); a corrupt image is skipped and counted."""

import json
import os
import shutil

import pytest

from tests.training.conftest import TINY, write_image_folder
from training import cli
from training.data import CorruptImageWarning, folder_split, open_splits
from training.strategy import make_strategy


def train_error(capsys, *argv):
    assert cli.main(["train", *TINY, *[str(a) for a in argv]]) == 2
    return capsys.readouterr().err


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory):
    return write_image_folder(tmp_path_factory.mktemp("small"), per_class=(2, 1), sizes=(40, 60), seed=9)


def test_missing_folder(capsys, tmp_path):
    err = train_error(capsys, "--data", tmp_path / "nowhere", "--out", tmp_path / "o")
    assert "does not exist" in err and "nowhere" in err
    err = train_error(capsys, "--data", tmp_path, "--out", tmp_path / "o")
    assert "no split folder" in err and "train" in err


def test_empty_class_folder(capsys, small_folder, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(small_folder, root)
    os.makedirs(root / "train" / "empty")
    err = train_error(capsys, "--data", root, "--out", tmp_path / "o")
    assert "has no images" in err and "empty" in err


def test_corrupt_images_are_skipped_with_a_warning_and_counted(small_folder, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(small_folder, root)
    for name in ("broken.jpg", "truncated.jpg"):
        data = (
            b"\xff\xd8\xff\xe0 not a JPEG"
            if name == "broken.jpg"
            else open(root / "train/red/0.jpg", "rb").read()[:200]
        )
        (root / "train" / "blue" / name).write_bytes(data)
    (root / "train" / "blue" / "notes.txt").write_text("not an image, not counted")
    with pytest.warns(CorruptImageWarning, match="skipping 2 of 8 images"):
        split = folder_split(str(root), "train")
    assert (split.num_examples, split.skipped) == (6, 2)
    with pytest.warns(CorruptImageWarning):
        assert (
            cli.main(
                [
                    "train",
                    *TINY,
                    "--data",
                    str(root),
                    "--epochs",
                    "1",
                    "--batch-size",
                    "2",
                    "--steps-per-epoch",
                    "1",
                    "--sizes",
                    "32",
                    "--out",
                    str(tmp_path / "run"),
                ]
            )
            == 0
        )
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["data"]["train_skipped"] == 2 and run["data"]["train_examples"] == 6


def test_unknown_model_lists_close_matches(capsys, small_folder, tmp_path):
    err = train_error(capsys, "--model", "zf5_sp", "--data", small_folder, "--out", tmp_path / "o")
    assert "unknown model 'zf5_sp'" in err and "zf5_spp" in err


def test_unknown_strategy(capsys, small_folder):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", *TINY, "--data", small_folder, "--strategy", "parameter_server"])
    assert exit_info.value.code == 2 and "invalid choice: 'parameter_server'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown strategy 'parameter_server'"):
        make_strategy("parameter_server")


def test_malformed_tf_config(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {}}')
    with pytest.raises(ValueError, match="TF_CONFIG must be JSON like"):
        make_strategy("multi_worker")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--sizes", "224,abc"], "--sizes must be comma-separated integers; got '224,abc'"),
        (["--sizes", "0"], "--sizes must be one or more positive integers"),
        (["--size-range", "224"], "--size-range must be 2 positive integers"),
        (["--epochs", "0"], "--epochs must be positive; got 0"),
        (["--strategy", "mirrored", "--batch-size", "3"], "--batch-size 3 must be a multiple of the 2 replicas"),
    ],
)
def test_bad_values_are_quoted(capsys, small_folder, tmp_path, argv, message):
    assert message in train_error(capsys, "--data", small_folder, "--out", tmp_path / "o", *argv)


def test_unknown_tfds_name(capsys, tmp_path):
    err = train_error(capsys, "--data", "imagenettte", "--out", tmp_path / "o")
    assert "neither an existing folder nor a usable tfds dataset" in err and "imagenette" in err


def test_resume_without_checkpoint(capsys, small_folder, tmp_path):
    err = train_error(capsys, "--data", small_folder, "--out", tmp_path / "o", "--resume")
    assert "--resume: no checkpoint" in err


def test_val_split_with_a_class_the_train_split_lacks(small_folder, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(small_folder, root)
    shutil.copytree(root / "val" / "red", root / "val" / "purple")
    with pytest.raises(ValueError, match=r"classes the training split lacks: \['purple'\]"):
        open_splits(str(root))


def test_missing_val_split_warns_and_trains_without_validation(small_folder, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(os.path.join(small_folder, "train"), root / "train")
    with pytest.warns(UserWarning, match="no validation split 'val'"):
        train, val = open_splits(str(root))
    assert val is None and train.num_examples == 6
