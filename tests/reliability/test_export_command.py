"""Promises of `keras-spp export` on bad values (issue 10, item 13): a one-line error naming the flag and the
value, no traceback, nothing written, and an existing version refused in a command-line user's words."""

import os

import pytest

from training import cli

TINY = ["zf5_spp", "--fc-units", "16", "--num-classes", "3"]


def _export_error(capsys, *argv):
    assert cli.main(["export", *TINY, *map(str, argv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("keras-spp export: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--image-size", "20"], r"--image-size (the shorter side after resizing) must be"),
        (["--image-size", "20"], "Received: image_size=20"),
        (["--top-k", "0"], "--top-k must be an integer >= 1. Received: top_k=0"),
        (["--min-side", "10"], "--min-side 10 is below the smallest image side zf5_spp runs on, 31"),
        (["--min-side", "0"], "--min-side 0 is below the smallest image side zf5_spp runs on, 31"),
        (["--format", "tflite", "--min-side", "30"], "--min-side 30 is below the smallest image side"),
        (["--format", "tflite", "--max-images", "0"], "--max-images must be an integer >= 1"),
    ],
)
def test_bad_values_give_one_line_errors(capsys, tmp_path, argv, message):
    """Item 13: `--image-size 20`, `--top-k 0`, an explicit `--min-side` below the model's minimum (silently
    ignored for TFLite) printed tracebacks or were accepted."""
    out = tmp_path / ("m.tflite" if "tflite" in argv else "sm")
    assert message in _export_error(capsys, *argv, "--out", out)
    assert not out.exists() or not os.listdir(out)


def test_version_0_is_refused_in_terms_of_out(capsys, tmp_path):
    """Item 13: `--out .../0` printed a traceback, then "`version` must be None or ..."."""
    err = _export_error(capsys, "--out", tmp_path / "sm" / "0")
    assert f"--out {tmp_path / 'sm' / '0'}: version folders are numbered from 1; got version 0" in err


def test_an_existing_version_is_refused_in_terms_of_out(capsys, tmp_path):
    """Item 13: the existing-version error told a command-line user to "Pass version=None"."""
    (tmp_path / "sm" / "1").mkdir(parents=True)
    err = _export_error(capsys, "--out", tmp_path / "sm" / "1")
    assert "version=None" not in err and "version 1 already exists" in err
    assert f"--out {tmp_path / 'sm'} writes the next version" in err
    assert os.listdir(tmp_path / "sm" / "1") == []
