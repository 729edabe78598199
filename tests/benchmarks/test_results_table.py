"""benchmarks/results_table.py: docs/RESULTS.md's rows from what a real (tiny) `keras-spp train` and
`keras-spp evaluate` wrote, a plan's rows not run yet or in progress, and the docs' plans themselves."""

import json
import os
import shlex
import shutil

import pytest

from tests.benchmarks.conftest import benchmark_script, keras_spp
from tests.training.conftest import REPO, TINY, write_image_folder

results_table = benchmark_script("results_table")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    data = write_image_folder(root / "data", per_class=(4, 2))
    train = ["train", *TINY, "--data", data, "--sizes", "64,48", "--epochs", "2", "--batch-size", "4"]
    train += ["--steps-per-epoch", "2", "--val-examples", "3", "--out", root / "runs" / "tiny"]
    evaluate = ["evaluate", "--weights", root / "runs" / "tiny", "--data", data, "--views", "center,full"]
    evaluate += ["--size", "64", "--out", root / "runs" / "tiny" / "eval_64"]
    with pytest.MonkeyPatch.context() as monkeypatch:
        keras_spp(monkeypatch, *train)
        keras_spp(monkeypatch, *evaluate)
    return root, shlex.join(["keras-spp", *map(str, train)]), shlex.join(["keras-spp", *map(str, evaluate)])


def plan(root, rows):
    path = root / "plan.json"
    path.write_text(json.dumps([{"label": label, "run": run, "commands": commands} for label, run, commands in rows]))
    return str(path)


def cells(output, label):
    (line,) = [line for line in output.splitlines() if line.startswith(f"| {label} |")]
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_a_finished_run_its_evaluation_and_a_planned_row(tiny_run, capsys):
    root, train, evaluate = tiny_run
    later = train.replace("runs/tiny", "runs/later")
    rows = [("tiny", "runs/tiny", [train, "keras-spp evaluate (planned)"]), ("later", "runs/later", [later])]
    assert results_table.main(["--plan", plan(root, rows), "--runs-root", str(root)]) == 0
    output = capsys.readouterr().out
    record = json.loads((root / "runs" / "tiny" / "run.json").read_text())
    report = json.loads((root / "runs" / "tiny" / "eval_64" / "eval_val.json").read_text())
    center, full = report["views"]["center"], report["views"]["full"]
    best = max(h["val_top1"] for h in record["metrics"]["history"])
    assert cells(output, "tiny") == [
        "tiny",
        "`zf5_spp`",
        "yes",
        "64,48",
        "2",
        f"{2 * record['steps_per_epoch'] * 4:,}",
        f"{sum(h['seconds'] for h in record['metrics']['history']) / 3600:.2f}",
        f"{100 * center['top1']:.1f} / {100 * center['top5']:.1f} (64; "
        f"{100 * center['unselected']['top1']:.1f} without the subset)",
        f"{100 * full['top1']:.1f} / {100 * full['top5']:.1f} ({report['full_size']}; "
        f"{100 * full['unselected']['top1']:.1f} without the subset)",
        "—",
        f"{100 * best:.1f}",
    ]
    assert train in output and evaluate in output, "the commands the run and the evaluation recorded"
    assert "keras-spp evaluate (planned)" not in output, "made evaluations replace the planned ones"
    assert cells(output, "later")[3:5] == ["64,48", "not run yet"] and later in output


def test_an_unfinished_run_is_in_progress_and_a_run_of_another_command_is_refused(tiny_run, capsys):
    root, train, _ = tiny_run
    shutil.copytree(root / "runs" / "tiny", root / "runs" / "cut", dirs_exist_ok=True)
    os.remove(root / "runs" / "cut" / "run.json")
    metrics = (root / "runs" / "cut" / "metrics.csv").read_text().splitlines()
    (root / "runs" / "cut" / "metrics.csv").write_text("\n".join(metrics[:2]) + "\n")  # the header + epoch 1
    rows = [("cut", "runs/cut", [train.replace("runs/tiny", "runs/cut")])]
    assert results_table.main(["--plan", plan(root, rows), "--runs-root", str(root)]) == 0
    assert cells(capsys.readouterr().out, "cut")[4] == "in progress (1/2)"
    other = [("tiny", "runs/tiny", [train.replace("--epochs 2", "--epochs 3")])]
    with pytest.raises(
        ValueError, match="runs/tiny: run.json records zf5_spp, 2 epochs, .* asks for zf5_spp, 3 epochs"
    ):
        results_table.main(["--plan", plan(root, other), "--runs-root", str(root)])
    with pytest.raises(ValueError, match="first command is `keras-spp train ...`. Received: 'cp a b'"):
        results_table.main(["--plan", plan(root, [("x", "runs/x", ["cp a b"])]), "--runs-root", str(root)])


def test_a_shipped_preset_row_comes_from_its_metadata(capsys):
    import zoo

    assert results_table.main(["--presets", "zf5_spp.imagenette"]) == 0
    output = capsys.readouterr().out
    metadata = zoo.get_metadata("zf5_spp.imagenette")
    center = metadata["metrics"]["imagenette"]["center"]
    row = cells(output, "preset `zf5_spp.imagenette`")
    assert row[4:6] == [str(metadata["budget"]["epochs"]), f"{metadata['budget']['images_seen']:,}"]
    unselected = f"; {100 * center['top1_unselected']:.1f} without the subset" if "top1_unselected" in center else ""
    assert row[7] == f"{100 * center['top1']:.1f} / {100 * center['top5']:.1f} ({center['size']}{unselected})"
    assert all(command in output for command in metadata["recipe"])
    # A preset measured without the val subset that picked its epoch (benchmarks/preset_record.py) says so.
    center = {"top1": 0.8, "top5": 0.95, "top1_unselected": 0.7912, "size": 224}
    assert results_table._cell(center, 224) == "80.0 / 95.0 (224; 79.1 without the subset)"


@pytest.mark.parametrize("name", ["ablation_plan.json", "presets_plan.json"])
def test_the_docs_plans_are_valid_train_commands(name, capsys):
    """Each row of docs/RESULTS.md's plans: a train command the parser accepts, a zoo model, one budget."""
    import zoo

    with open(os.path.join(REPO, "docs", name)) as file:
        rows = json.load(file)
    parsed = [results_table.parse_train_command(row["commands"][0]) for row in rows]
    assert all(args.model in zoo.list_models() and args.out == row["run"] for args, row in zip(parsed, rows))
    assert all(c.startswith("keras-spp evaluate --weights " + row["run"]) for row in rows for c in row["commands"][1:])
    if name == "ablation_plan.json":  # one budget per row: only the model and the sizes differ
        flags = [{k: v for k, v in vars(args).items() if k not in ("model", "sizes", "out")} for args in parsed]
        assert all(f == flags[0] for f in flags)
