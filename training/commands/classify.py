"""`keras-spp classify`: the top classes of your own photos, each at its own aspect ratio.

    keras-spp classify photo.jpg other.png                       # the default preset, top 3
    keras-spp classify photo.jpg --model runs/flowers --json     # a run folder (its class names)

Each photo keeps its aspect ratio; its shorter side is resized to the model's recommended size (the preset's
`recommended_shorter_side`, else 224), or `--size`. `--json` prints one object per line:
`{"image": path, "width": W, "height": H, "top": [{"label": name, "index": i, "score": p}, ...]}`.
"""

import json
import os

DEFAULT_MODEL = "zf5_spp.imagenette"


def add_arguments(parser):
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="JPEG/PNG/BMP/GIF files")
    parser.add_argument(
        "--model", default=DEFAULT_MODEL, help="a zoo preset, or a run folder / weights file of `keras-spp train`"
    )
    parser.add_argument("--top", type=int, default=3, help="classes shown per photo")
    parser.add_argument("--size", type=int, help="shorter side in pixels (default: the model's recommended one)")
    parser.add_argument("--weights-sha256", help="expected sha256 of a --model weights file")
    parser.add_argument("--json", action="store_true", help="one JSON object per photo and line")


def run(args):
    import zoo
    from zoo.runs import run_weights

    missing = [path for path in args.images if not os.path.isfile(path)]
    if missing:
        raise FileNotFoundError(f"No such image file(s): {missing}")
    if os.path.exists(args.model):
        path, record = run_weights(args.model)
        if not record or not record.get("model"):
            raise ValueError(f"--model {args.model!r}: no run.json beside it names its architecture")
        model = zoo.load(record["model"], weights=path, sha256=args.weights_sha256)
    else:
        model = zoo.load(args.model)
    for result in zoo.classify(model, args.images, top=args.top, shorter_side=args.size):
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            best = ", ".join(f"{t['label']} {t['score']:.2f}" for t in result["top"])
            print(f"{result['image']} ({result['width']}x{result['height']}): {best}", flush=True)
    return 0
