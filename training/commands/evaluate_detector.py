"""`keras-spp evaluate-detector`: VOC07 AP at IoU 0.5 of a detector on a VOC-format split.

    keras-spp evaluate-detector --model sppnet_zf5.fruits --data ../shared/data/fruits --split test

Writes `eval_<split>_<n>scale.json` (per class and mean AP, 11-point and all-point) and its PR-curve PNG in
`--out` (default: the run folder, else the current folder), and prints the means.
"""

import os
import sys


def add_arguments(parser):
    parser.add_argument("--model", default="sppnet_zf5.fruits", help="a detector preset or a train-detector run")
    parser.add_argument("--data", required=True, help="DIR/<split>/*.jpg + *.xml, or a VOCdevkit year folder")
    parser.add_argument("--split", default="test", help="a split, or SPLIT:N, the images train-detector held out")
    parser.add_argument("--seed", type=int, default=0, help="with SPLIT:N, train-detector's --seed")
    parser.add_argument("--scales", help="override the detector's scales: 688, or 480,576,688,864,1200")
    parser.add_argument("--min-score", type=float, default=0.001, help="keep boxes scoring at least this")
    parser.add_argument("--out", help="report folder")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))


def run(args):
    import zoo
    from training.data.holdout import carve, parse_holdout
    from training.data.voc import voc_split
    from training.detection_evaluation import evaluate_detector, write_detection_report
    from training.run_record import git_commit
    from zoo.detection.scales import parse_scales

    scales = parse_scales(args.scales) if args.scales else None
    detector = zoo.load(args.model, scales=scales)
    name, amount = parse_holdout(args.split)
    split = voc_split(args.data, name, detector.class_names)
    if amount is not None:
        split = carve(split, amount, args.seed)[1]
    report = evaluate_detector(detector, split, min_score=args.min_score, verbose=args.verbose)
    for name, ap in report["classes"].items():
        print(f"{name:>20}: AP {ap['ap_11point']:.4f} (11-point)  {ap['ap_all_point']:.4f} (all-point)")
    print(f"mAP@0.5 {report['map_11point']:.4f} (VOC07 11-point)  {report['map_all_point']:.4f} (all-point)")
    report.update(model=args.model, data=args.data, split=args.split, command=sys.argv, git=git_commit())
    out = args.out or (args.model if os.path.isdir(args.model) else ".")
    paths = write_detection_report(report, out, f"eval_{args.split.replace(':', '')}_{len(detector.scales)}scale")
    print(f"wrote {paths[0]} and {paths[1]}", flush=True)
    return 0
