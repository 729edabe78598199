"""The rows of docs/RESULTS.md, generated from what runs wrote: nothing in the table is typed by hand.

A row is a `keras-spp train` run folder (run.json, metrics.csv, and the eval_*.json that `keras-spp
evaluate --out <run>/...` wrote anywhere below it) or a shipped preset (its metadata). A plan (JSON: a list
of `{"label", "run", "commands"}`, the first command the `keras-spp train` one) names the rows of an
experiment before they exist: a row whose run folder is missing prints as "not run yet", one with fewer
epochs in metrics.csv than its command asks for as "in progress", and the commands are printed under the
table either way. A run whose run.json records another model, sizes or epochs than its plan's command is
refused.

    .venv/bin/python benchmarks/results_table.py --plan docs/results_plan.json --runs-root .
    .venv/bin/python benchmarks/results_table.py runs/zf5_spp_imagenette_v2 --presets zf5_spp.imagenette
"""

import argparse
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from training.run_record import read_metrics_csv  # noqa: E402 (after the path)

VIEWS = ("center", "full", "10")
HEADER = (
    "| row | model | SPP | train sizes | epochs | images seen | train hours | center top-1 / top-5 "
    "| full image top-1 / top-5 | 10-view top-1 / top-5 | best val top-1 (subset) |"
)


def parse_train_command(command):
    """The parsed flags of a `keras-spp train ...` command line (ValueError for any other command)."""
    from training.commands import train

    words = shlex.split(command)
    while words and (words[0] == "nice" or words[0].startswith("-") or words[0].isdigit()):
        words = words[1:]  # nice -n 19 ...
    if len(words) < 2 or os.path.basename(words[0]) != "keras-spp" or words[1] != "train":
        raise ValueError(f"A row's first command is `keras-spp train ...`. Received: {command!r}")
    parser = argparse.ArgumentParser(prog="keras-spp train")
    train.add_arguments(parser)
    return parser.parse_args(words[2:])


def sizes_text(sizes, full_image=False, size_range=None):
    """A run.json's sizes as `--sizes` writes them: `[[[128, 112], 20], [[224, 180], None]]` ->
    `"128,112:20/224,180"`, `[224, 180]` -> `"224,180"`; a size range and full-image training said so."""
    text = f"range {size_range[0]}-{size_range[1]}" if size_range else _flag_sizes({"sizes": sizes})
    return text + (" full image" if full_image else "")


def read_evals(folder):
    """`{view: ["top1 / top5 (size)", ...]}` and the evaluate commands, from every eval_*.json below `folder`."""
    from training.evaluation import read_reports

    cells, commands = {}, []
    for command, views in read_reports(folder):
        commands.append(command)
        for view, size, metrics in views:
            cells.setdefault(view, []).append(_cell(metrics, size))
    return cells, commands


def _cell(metrics, size):
    """ "top1 / top5 (size)", and the top-1 without the val subset that picked the epoch where it is known: an
    evaluation's `unselected`, a preset's `top1_unselected`."""
    unselected = (metrics.get("unselected") or {}).get("top1", metrics.get("top1_unselected"))
    without = f"; {100 * unselected:.1f} without the subset" if unselected is not None else ""
    return f"{100 * metrics['top1']:.1f} / {100 * metrics['top5']:.1f} ({size}{without})"


def run_row(label, folder, planned=None):
    """(markdown row, commands) of a run folder; `planned` is its plan's commands, if any."""
    record = None
    if os.path.isfile(os.path.join(folder, "run.json")):
        with open(os.path.join(folder, "run.json")) as file:
            record = json.load(file)
    history = read_metrics_csv(folder)
    args = parse_train_command(planned[0]) if planned else None
    if record is not None:
        config = record["config"]
        model, epochs = record["model"], config["epochs"]
        sizes = sizes_text(config["sizes"], config["full_image"], config.get("size_range"))
        if args is not None and (args.model, args.epochs, args.sizes) != (model, epochs, _flag_sizes(config)):
            raise ValueError(
                f"{folder}: run.json records {model}, {epochs} epochs, sizes {sizes}; its plan's command asks for "
                f"{args.model}, {args.epochs} epochs, sizes {args.sizes}: not the planned run"
            )
        train_command = shlex.join(record["command"])
    elif args is not None:
        model, epochs, train_command = args.model, args.epochs, planned[0]
        sizes = args.sizes + (" full image" if args.full_image else "")
    else:
        raise ValueError(f"{folder} has no run.json and no plan names its command")
    done = len(history)
    if not os.path.isdir(folder):
        status = "not run yet"
    elif done < epochs or record is None:
        status = f"in progress ({done}/{epochs})"
    else:
        status = str(epochs)
    seen = "—"
    if record is not None and done:
        seen = f"{done * record['steps_per_epoch'] * config['batch_size']:,}"
    hours = f"{sum(float(r['seconds']) for r in history) / 3600:.2f}" if history else "—"
    best = max((float(r["val_top1"]) for r in history if r.get("val_top1")), default=None)
    cells, eval_commands = read_evals(folder) if os.path.isdir(folder) else ({}, [])
    import zoo

    spp = "yes" if zoo.get_metadata(model)["spp"] else "no"
    views = ["; ".join(cells.get(view, [])) or "—" for view in VIEWS]
    best_text = f"{100 * best:.1f}" if best is not None else "—"
    row = [label, f"`{model}`", spp, sizes, status, seen, hours, *views, best_text]
    # Evaluations not made yet: the planned ones (the row's cells say "—" until they are).
    commands = [train_command] + (eval_commands or list((planned or [])[1:]))
    return "| " + " | ".join(row) + " |", commands


def _flag_sizes(config):
    """A run.json config's sizes written back as the `--sizes` flag text (for comparison with a plan)."""
    from training.commands.train import format_size_stages

    return format_size_stages(config["sizes"])


def preset_row(name):
    """(markdown row, commands) of a shipped preset, from its metadata (first dataset of its metrics)."""
    import zoo

    metadata = zoo.get_metadata(name)
    views = next(iter(metadata["metrics"].values()))
    cells = []
    for view in VIEWS:
        metrics = views.get(view)
        cells.append(_cell(metrics, metrics["size"]) if metrics else "—")
    budget = metadata["budget"]
    train_sizes = budget.get("sizes") or metadata["input_sizes"].get("train")
    hours = "—" if budget["hours"] is None else f"{budget['hours']:.2f}"
    row = [f"preset `{name}`", f"`{metadata['architecture']}`", "yes" if metadata["spp"] else "no", str(train_sizes)]
    row += [str(budget["epochs"]), f"{budget['images_seen']:,}", hours, *cells, "—"]
    return "| " + " | ".join(row) + " |", list(metadata["recipe"])


def table(rows):
    """The markdown table and, under it, each row's commands."""
    lines = [HEADER, "|" + "---|" * HEADER.count(" | ") + "---|"]
    lines += [row for _, row, _ in rows]
    lines.append("")
    for label, _, commands in rows:
        lines += [f"{label}:", "", "```", *commands, "```", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="*", help="run folders of keras-spp train")
    parser.add_argument("--plan", help="JSON list of {label, run, commands}: rows of an experiment")
    parser.add_argument("--runs-root", default=".", help="folder the plan's run paths are relative to")
    parser.add_argument("--presets", nargs="*", default=[], help="shipped presets, e.g. zf5_spp.imagenette")
    args = parser.parse_args(argv)
    rows = []
    if args.plan:
        with open(args.plan) as file:
            for entry in json.load(file):
                folder = os.path.join(args.runs_root, entry["run"])
                rows.append((entry["label"], *run_row(entry["label"], folder, entry["commands"])))
    for folder in args.runs:
        label = os.path.basename(os.path.normpath(folder))
        rows.append((label, *run_row(label, folder)))
    for name in args.presets:
        rows.append((f"preset {name}", *preset_row(name)))
    if not rows:
        parser.error("nothing to tabulate: give run folders, --plan or --presets")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
