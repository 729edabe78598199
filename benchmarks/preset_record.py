"""A preset's entry for `zoo/<family>/<family>_presets.py`, from what its run and evaluations wrote (issue 11).

Prints JSON: `config` and `weights` (sha256, size and storage dtype of the exported file), and the metadata
that is measured: `num_params`; `metrics` `{dataset: {view: {top1, top5, size}}}` at `--size` (the exported
file's evaluations where there are some, else the run's, with a note; `unselected`, the score without the val
images that picked the run's best epoch, from the run's evaluation); `full_image_by_shorter_side` (every
full-view size measured); `recommended_shorter_side` (the best of those by top-1); `storage_note` (the file
against the run's float32 weights, same views); `recipe` (the train and evaluate commands as recorded, and
the export); `budget` (epochs, images seen, training hours from metrics.csv); `samples` (each photo of
samples/ classified at the recommended side). `categories` are the run's class names, or
the names of `--categories-of`, a preset with the same classes. The license and notes stay the author's.

    .venv/bin/python benchmarks/preset_record.py zf5_spp.imagenette --run runs/zf5_spp_imagenette_v3 \\
        --file saved_models/zf5_spp.imagenette/zf5_spp.imagenette.weights.h5 --file-evals runs/v3_fp16_eval \\
        --categories-of zf5_spp.imagenette --machine "2 shared CPU cores, float32, niced"
"""

import argparse
import glob
import json
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from training.run_record import command_line, read_metrics_csv  # noqa: E402 (after the path)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIEWS = ("center", "full", "10")


def read_evals(*folders):
    """`({(view, size): {"top1", "top5"}}, [commands])` of every eval_*.json below `folders`."""
    from training.evaluation import read_reports

    found, commands = {}, []
    for command, views in (r for folder in folders for r in read_reports(folder)):
        commands.append(command)
        for view, size, metrics in views:
            found[(view, size)] = _rounded(metrics)
            unselected = metrics.get("unselected")  # a run's own val split: the images that did not pick its epoch
            if unselected:
                found[(view, size)]["unselected"] = {**_rounded(unselected), "count": unselected["count"]}
    return found, [c for c in commands if c]


def _rounded(metrics):
    return {"top1": round(metrics["top1"], 4), "top5": round(metrics["top5"], 4)}


def preset_record(name, run, file, file_evals=(), size=224, dataset=None, categories_of=None, machine=None):
    """The preset entry as a dict (see the module docstring)."""
    import zoo
    from training.commands.train import format_size_stages
    from zoo.loading import SAVED_MODELS
    from zoo.runs import read_run_record
    from zoo.weights import sha256_of, storage_dtype_of

    model_name = name.split(".")[0]
    record = read_run_record(run)
    if record is None or record.get("model") != model_name:
        raise ValueError(f"{run!r} is not a `keras-spp train` run of {model_name!r} (its run.json names the model)")
    config = {k: record[k] for k in ("num_classes", "fc_units", "dropout")}
    history = read_metrics_csv(run)
    run_metrics, run_commands = read_evals(run)
    file_metrics, file_commands = read_evals(*file_evals)
    metrics = {}
    for view in VIEWS:
        from_file = (view, size) in file_metrics
        found = file_metrics.get((view, size)) or run_metrics.get((view, size))
        if found is None:
            continue
        metrics[view] = {"top1": found["top1"], "top5": found["top5"], "size": size}
        if not from_file:
            metrics[view]["note"] = "float32 weights (the run's file)"
        # A bare file's evaluation cannot know which val images picked the epoch: the run's own can.
        unselected = found.get("unselected") or run_metrics.get((view, size), {}).get("unselected")
        if unselected:
            borrowed = from_file and "unselected" not in found
            metrics[view].update(top1_unselected=unselected["top1"], top5_unselected=unselected["top5"])
            metrics[view]["unselected_note"] = (
                f"on the {unselected['count']} val images the run did not pick its best epoch on"
                + ("; measured with the run's float32 weights" if borrowed else "")
            )
    full = {str(s): m for (view, s), m in sorted(run_metrics.items()) if view == "full"}
    side = max(full, key=lambda s: full[s]["top1"]) if full else None
    storage = storage_dtype_of(file)
    notes = [
        f"{view} {s}: top-1 {100 * run_metrics[(view, s)]['top1']:.2f} -> {100 * m['top1']:.2f} "
        f"({100 * (m['top1'] - run_metrics[(view, s)]['top1']):+.2f} points), top-5 "
        f"{100 * (m['top5'] - run_metrics[(view, s)]['top5']):+.2f}"
        for (view, s), m in sorted(file_metrics.items())
        if (view, s) in run_metrics
    ]
    path = os.path.abspath(file)
    relative = os.path.relpath(path, SAVED_MODELS)
    model = zoo.load(model_name, weights=file, **config)
    categories, named = record.get("class_names"), {}
    if categories_of:
        known = zoo.get_metadata(categories_of)
        if list(known.get("category_ids") or known["categories"]) != list(categories):
            raise ValueError(f"{categories_of!r} has other classes than the run: {categories}")
        categories = known["categories"]
        named = {"category_ids": known["category_ids"]} if known.get("category_ids") else {}
    model.metadata = {"categories": categories, "recommended_shorter_side": int(side) if side else size}
    photos = sorted(glob.glob(os.path.join(REPO, "samples", "*.jpg")))
    samples = {os.path.basename(r["image"]): r["top"][0]["label"] for r in zoo.classify(model, photos, top=1)}
    train_config = record["config"]
    export = (
        f"keras-spp export {model_name} --weights {run} --format weights --storage-dtype {storage} "
        f"--out {os.path.relpath(path, REPO)}"
    )
    return {
        "config": config,
        "weights": {
            "path": relative if not relative.startswith("..") else path,
            "url": None,
            "sha256": sha256_of(file),
            "file_size": os.path.getsize(file),
            "storage_dtype": storage,
        },
        "metadata": {
            "num_params": model.count_params(),
            "categories": categories,
            **named,
            "input_sizes": {
                "train": sorted({size for stage in _stages(train_config["sizes"]) for size in stage}, reverse=True),
                "eval": f"any size of at least {zoo.get_metadata(model_name)['min_input_size']} (min_input_size)",
            },
            "recommended_shorter_side": int(side) if side else None,
            "metrics": {dataset or os.path.basename(os.path.normpath(train_config["data"])): metrics},
            "full_image_by_shorter_side": full,
            "storage_note": "; ".join(notes) or None,
            "recipe": [shlex.join(command_line(record["command"])), export, *file_commands, *run_commands],
            "samples": samples,
            "budget": {
                "epochs": len(history),
                "images_seen": len(history) * record["steps_per_epoch"] * train_config["batch_size"],
                "hours": float(f"{sum(float(r['seconds']) for r in history) / 3600:.3g}"),
                "machine": machine,
                "sizes": format_size_stages(train_config["sizes"]),
            },
        },
    }


def _stages(sizes):
    """run.json's sizes as a list of size tuples, one per stage."""
    return [s for s, _ in sizes] if sizes and isinstance(sizes[0], (list, tuple)) else [sizes]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the preset, e.g. convnet5_spp.imagenette")
    parser.add_argument("--run", required=True, help="the keras-spp train run folder (evaluations below it)")
    parser.add_argument("--file", required=True, help="the exported weights file (keras-spp export)")
    parser.add_argument("--file-evals", nargs="*", default=[], help="folders of the file's keras-spp evaluate")
    parser.add_argument("--size", type=int, default=224, help="the size of the metrics' views")
    parser.add_argument("--dataset", help="metrics key (default: the run's data folder name)")
    parser.add_argument("--categories-of", help="a preset whose category names the run's class ids map to")
    parser.add_argument("--machine", help="the budget's machine, in words")
    args = parser.parse_args(argv)
    entry = preset_record(
        args.name, args.run, args.file, args.file_evals, args.size, args.dataset, args.categories_of, args.machine
    )
    print(json.dumps({args.name: entry}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
