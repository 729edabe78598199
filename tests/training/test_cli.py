"""`training.cli`: a user's mistake is one line and exit status 2; `--debug` shows the traceback instead."""

import pytest

from training import cli


def test_a_library_error_is_one_line_naming_the_flag(capsys, tmp_path):
    assert cli.main(["train", "--model", "zf5_spp", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("keras-spp train: error: --data folder") and err.count("\n") == 1


def test_debug_re_raises_with_the_traceback(tmp_path):
    with pytest.raises(FileNotFoundError, match="`data` folder"):
        cli.main(
            ["--debug", "train", "--model", "zf5_spp", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path)]
        )
    with pytest.raises(FileNotFoundError):
        cli.main(
            ["train", "--model", "zf5_spp", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path), "--debug"]
        )
