"""`keras-spp detect`: objects in images with an SPP-net detector.

    keras-spp detect photo.jpg --model sppnet_zf5.fruits --json --out drawn/

With `--json`, one line per image, in order:
`{"image": path, "width": W, "height": H, "detections": [{"box": [x0, y0, x1, y1], "label": name, "score": s}]}`
(boxes in the image's pixels, sorted by score, at most 100). Without it, one line per detection. `--out`
writes each image with its boxes drawn as `<out>/<image name>.png`.
"""

import json
import os


def add_arguments(parser):
    parser.add_argument("images", nargs="+", help="image files (JPEG, PNG, ...)")
    parser.add_argument("--model", default="sppnet_zf5.fruits", help="a detector preset or a train-detector run")
    parser.add_argument("--json", action="store_true", help="one JSON object per image on stdout")
    parser.add_argument("--out", help="folder for PNG drawings of the detections")
    parser.add_argument(
        "--min-score", type=float, help="drop boxes below it (default 0.01 with --json, for a fair mAP; else 0.5)"
    )
    parser.add_argument("--scales", help="override the detector's scales: 688, or 480,576,688,864,1200")


def run(args):
    import zoo
    from zoo.detection.drawing import write_detections_png
    from zoo.detection.proposals import read_image
    from zoo.detection.scales import parse_scales

    missing = [path for path in args.images if not os.path.isfile(path)]
    if missing:
        raise FileNotFoundError(f"No such image file: {missing[0]}")
    min_score = args.min_score if args.min_score is not None else (0.01 if args.json else 0.5)
    detector = zoo.load(args.model, scales=parse_scales(args.scales) if args.scales else None)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    for path in args.images:
        try:
            rgb = read_image(path)
        except ValueError as error:
            raise ValueError(f"`{path}` is not a readable image: {error}") from None
        found = detector(rgb, min_score=min_score)
        detections = [
            {"box": [round(float(v), 2) for v in box], "label": detector.class_names[int(k)], "score": float(s)}
            for box, k, s in zip(found["boxes"], found["classes"], found["scores"], strict=True)
        ]
        height, width = rgb.shape[:2]
        if args.json:
            print(json.dumps({"image": path, "width": width, "height": height, "detections": detections}), flush=True)
        else:
            print(f"{path}: {len(detections)} detection(s)")
            for d in detections:
                print(f"  {d['label']:>12} {d['score']:.3f} {d['box']}")
        if args.out:
            name = os.path.splitext(os.path.basename(path))[0] + ".png"
            write_detections_png(
                os.path.join(args.out, name),
                rgb,
                found["boxes"],
                found["classes"],
                found["scores"],
                detector.class_names,
            )
    return 0
