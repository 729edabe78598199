"""`keras-spp export`: a zoo model to a TF Serving SavedModel version, a TFLite file or a preset's weights
file, with a report.

keras-spp export zf5_spp.imagenette --format saved_model --out saved_models/zf5_spp      # next version
keras-spp export zf5_spp.imagenette --format saved_model --out saved_models/zf5_spp/3    # exactly 3
keras-spp export zf5_spp.imagenette --format tflite --quantize int8 --calibration-dir imgs/ --out zf5.tflite
keras-spp export zf5_spp --weights runs/zf5_spp --format weights --storage-dtype float16 --out x.weights.h5

`--format weights` prints the preset `weights` record of the file (path, sha256, file_size, storage_dtype).
"""

import json
import os
import tempfile

from keras_spp.export import QUANTIZATIONS
from keras_spp.validation import positive_int

FORMATS = ("saved_model", "tflite", "weights")
STORAGE_DTYPES = ("float32", "float16")  # zoo.presets.STORAGE_DTYPES; zoo is imported only when a command runs
FLAG_NAMES = {"model": "the model"}  # the library's `model` in a message is the exported one


def add_arguments(parser):
    parser.add_argument("name", help="zoo model, e.g. zf5_spp.imagenette (preset weights) or zf5_spp (random)")
    parser.add_argument("--format", choices=FORMATS, default="saved_model", help="what to write")
    parser.add_argument(
        "--out",
        help="saved_model: the model base path (next version is written) or <base>/<N> for version N "
        "(default saved_models/<arch>); tflite: the .tflite file (default <name>[.<quantize>].tflite); "
        "weights: the .weights.h5 file (default <name>.weights.h5)",
    )
    parser.add_argument("--quantize", choices=QUANTIZATIONS, default="none", help="tflite only (default none)")
    parser.add_argument(
        "--storage-dtype",
        choices=STORAGE_DTYPES,
        default="float32",
        help="weights only: dtype of the stored arrays (float16: half the file; loading restores float32)",
    )
    parser.add_argument("--calibration-dir", help="folder of JPEG/PNG images: int8 calibration data")
    parser.add_argument(
        "--eval-dir",
        help="folder of JPEG/PNG images for the TFLite report (top-1 agreement with Keras); with one "
        "subfolder per category name it also reports the accuracy delta",
    )
    parser.add_argument("--max-images", type=int, default=200, help="images read from each folder (default 200)")
    parser.add_argument("--weights", help="weights for zoo.load (a preset name, a path or 'none')")
    parser.add_argument("--num-classes", type=int, help="passed to zoo.load")
    parser.add_argument("--fc-units", type=int, help="passed to zoo.load")
    parser.add_argument("--image-size", type=int, default=224, help="serve_bytes / folder images: shorter side")
    parser.add_argument(
        "--min-side", type=int, help="smallest accepted image side (default: the model's min_input_size, else 32)"
    )
    parser.add_argument("--max-side", type=int, default=4096, help="largest accepted image side (default 4096)")
    parser.add_argument("--top-k", type=int, default=5, help="classes returned by the SavedModel (default 5)")


def run(args):
    import zoo
    from keras_spp import export

    if args.format != "tflite" and args.quantize != "none":
        raise ValueError("--quantize applies to --format tflite only")
    if args.format != "weights" and args.storage_dtype != "float32":
        raise ValueError(f"--storage-dtype {args.storage_dtype} applies to --format weights only")
    if args.format == "weights" and args.out and not args.out.endswith(".weights.h5"):
        raise ValueError(f"--out {args.out}: a weights file's name ends in .weights.h5")
    if args.calibration_dir and args.quantize != "int8":
        raise ValueError("--calibration-dir is calibration data for --quantize int8 only")
    if args.quantize == "int8" and not args.calibration_dir:
        raise ValueError("--quantize int8 needs --calibration-dir, a folder of representative images")
    if args.format == "saved_model":
        base, version = _saved_model_target(args.out or os.path.join("saved_models", args.name.split(".")[0]))
    metadata = _metadata(zoo, args.name)
    _check_sides(args, metadata.get("min_input_size"))
    load_kwargs = {k: v for k, v in (("num_classes", args.num_classes), ("fc_units", args.fc_units)) if v is not None}
    if args.weights is not None:
        load_kwargs["weights"] = None if args.weights.lower() == "none" else args.weights
    model = zoo.load(args.name, **load_kwargs)
    categories = metadata.get("categories")
    categories = list(categories) if categories and len(categories) == model.output_shape[-1] else None
    min_side = args.min_side or metadata.get("min_input_size") or 32
    sides = {"min_side": min_side, "max_side": args.max_side}
    if args.format == "saved_model":
        path = export.export_saved_model(
            model,
            base,
            padded_model=zoo.padded_model(model),
            class_names=categories,
            top_k=args.top_k,
            image_size=args.image_size,
            version=version,
            **sides,
        )
        report = {"format": "saved_model", "path": path, "signatures": list(export.SIGNATURES), **sides}
    elif args.format == "weights":
        from zoo.weights import save_weights_file

        out = args.out or args.name + ".weights.h5"
        report = {"format": "weights", **save_weights_file(model, out, storage_dtype=args.storage_dtype)}
    else:
        out = args.out or args.name + ("" if args.quantize == "none" else f".{args.quantize}") + ".tflite"
        folder = {"image_size": args.image_size, "limit": args.max_images, **sides}
        calibration = export.read_image_folder(args.calibration_dir, **folder)[0] if args.calibration_dir else None
        report = export.export_tflite(model, out, quantize=args.quantize, representative_images=calibration)
        report["format"] = "tflite"
        if args.quantize != "none":
            with tempfile.TemporaryDirectory() as tmp:
                float_size = export.export_tflite(model, os.path.join(tmp, "float.tflite"))["size_bytes"]
            report["size_vs_float"] = round(report["size_bytes"] / float_size, 4)
        if args.eval_dir:
            images, paths = export.read_image_folder(args.eval_dir, **folder)
            report.update(export.evaluate_tflite(model, out, images, _labels(paths, categories)))
    print(json.dumps(report, indent=2))
    return 0


def _saved_model_target(out):
    """`<base>/<N>` -> (base, N); anything else is the base path and the next version is written."""
    head, tail = os.path.split(os.path.normpath(out))
    if not tail.isdigit():
        return out, None
    base, version = head or ".", int(tail)
    if version < 1:  # checked here, before the model is built: the messages speak of --out (issue 10, item 13)
        raise ValueError(f"--out {out}: version folders are numbered from 1; got version {version}")
    if os.path.exists(out):
        raise ValueError(
            f"--out {out}: version {version} already exists and existing versions are never overwritten; "
            f"--out {base} writes the next version"
        )
    return base, version


def _check_sides(args, smallest):
    """Refuses, before anything is built, values the export would refuse later or silently ignore."""
    positive_int(args.max_images, "max_images")
    if args.min_side is not None and args.min_side < max(1, smallest or 1):
        raise ValueError(
            f"--min-side {args.min_side} is below the smallest image side {args.name} runs on, {smallest or 1}: "
            "the exported model would accept images it cannot classify"
        )


def _metadata(zoo, name):
    """The zoo's metadata of `name` (categories, min_input_size, ...), or {} when it has none."""
    try:
        return dict(zoo.get_metadata(name))
    except (KeyError, ValueError):
        return {}


def _labels(paths, categories):
    """Class ids from `<category>/...` relative paths when every first folder is a category, else None."""
    if not categories:
        return None
    index = {name: i for i, name in enumerate(categories)}
    firsts = [p.replace(os.sep, "/").split("/")[0] for p in paths]
    if not all("/" in p.replace(os.sep, "/") and f in index for p, f in zip(paths, firsts)):
        return None
    return [index[f] for f in firsts]
