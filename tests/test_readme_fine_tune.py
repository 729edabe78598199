"""The README's "Fine-tune on your own images": its Python snippet and its commands run as written, on a tiny
generated image folder (paths, sizes, batch sizes and epochs substituted)."""

import glob
import json
import os
import re
import shlex

import numpy as np

from tests.training.conftest import CLASSES, write_image_folder

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def section_blocks(title):
    """The fenced code blocks of a README section, as (language, code)."""
    text = open(README).read()
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w*)\n(.*?)```", section, flags=re.S)


PYTHON = (
    ("my_photos", "{root}/data"),
    ("(224, 180)", "(64, 48)"),
    ("(224,)", "(64,)"),
    ("batch_size=32", "batch_size=8"),
    ("epochs=5", "epochs=1"),
)
COMMANDS = (
    ("runs/my_photos", "{root}/run"),
    ("my_photos", "{root}/data"),
    ("--sizes 224,180", "--sizes 64,48"),
    ("--epochs 6", "--epochs 2"),
    ("--batch-size 32", "--batch-size 8"),
)


def substitute(code, root, replacements):
    """`code` on the tiny data under `root`; each replaced text must be in it (the README and test agree)."""
    for old, new in replacements:
        assert old in code, old
        code = code.replace(old, new.format(root=root))
    return code


def test_the_python_fine_tuning_snippet_runs_with_mixed_sizes(tmp_path):
    write_image_folder(tmp_path / "data")
    ((language, code),) = [block for block in section_blocks("Fine-tune on your own images") if block[0] == "python"]
    namespace = {}
    exec(compile(substitute(code, tmp_path, PYTHON), "README.md", "exec"), namespace)  # noqa: S102
    model, train = namespace["model"], namespace["train"]
    assert train.class_names == list(CLASSES) and model.output_shape == (None, 3)
    shapes = {tuple(images.shape[1:3]) for images, _ in train}
    assert shapes == {(64, 64), (48, 48)}  # one size per batch, both used
    assert os.path.getsize(tmp_path / "data.weights.h5") > 0
    assert namespace["backbone"].trainable


def test_the_fine_tuning_commands_run(tmp_path, capsys):
    from training import cli

    write_image_folder(tmp_path / "data")
    (code,) = [code for language, code in section_blocks("Fine-tune on your own images") if language != "python"]
    commands = [line for line in substitute(code, tmp_path, COMMANDS).splitlines() if line.startswith("keras-spp ")]
    assert [c.split()[1] for c in commands] == ["train", "evaluate", "classify"]
    for command in commands:
        argv = []
        for arg in shlex.split(command)[1:]:
            argv += sorted(glob.glob(arg)) if "*" in arg else [arg]
        if argv[0] == "train":
            argv += ["--verbose", "0", "--jitter", "0"]
        assert cli.main(argv) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["parent"] == "zf5_spp.imagenette" and run["class_names"] == list(CLASSES)
    assert run["metrics"]["history"][-1]["loss"] < run["metrics"]["history"][0]["loss"]
    report = json.loads((tmp_path / "run" / "eval_val.json").read_text())
    assert set(report["views"]) == {"center", "full"}
    labels = re.findall(r"\): (\w+) \d\.\d\d", printed)
    assert len(labels) == 12 and set(labels) <= set(CLASSES)
    assert np.isfinite(report["views"]["center"]["loss"])
