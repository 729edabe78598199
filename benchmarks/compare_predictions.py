"""Two classifiers compared image by image on one split: top-1 of each and McNemar's exact test.

Reads the predictions CSVs of `keras-spp evaluate --predictions` (the same split: the same files and labels
in the same order, checked) and prints, for the first against each other: top-1 of both, the difference,
the images only one of them gets right, and the two-sided p-value of McNemar's exact test (under "no
difference" each of those discordant images is A's or B's with probability 1/2). The images are shared,
so this paired test sees differences that the two accuracies' standard errors (0.7 points each on 3,925
images at 78%) would hide; docs/RESULTS.md uses it for the paper's directions.

    .venv/bin/python benchmarks/compare_predictions.py runs/ablation/zf5_224/eval_224/predictions_val_center.csv \\
        runs/ablation/zf5_spp_224/eval_224/predictions_val_center.csv
"""

import argparse
import csv
import math
import os
import sys


def read_predictions(path):
    """`(files, labels, correct)` lists of a predictions CSV, in its order."""
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    if not rows or not {"file", "label", "correct"} <= set(rows[0]):
        raise ValueError(f"{path!r} is not a predictions CSV of `keras-spp evaluate --predictions`")
    return [r["file"] for r in rows], [int(r["label"]) for r in rows], [r["correct"] == "1" for r in rows]


def mcnemar_exact(only_a, only_b):
    """Two-sided p-value of McNemar's exact test on the discordant counts (a binomial test at 1/2).

    Example:
    >>> mcnemar_exact(1, 9)  # 2 * (1 + 10) / 2**10
    0.021484375
    """
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(only_a, only_b) + 1))
    return min(1.0, 2 * tail / 2**n)


def compare(a, b):
    """`{"count", "top1_a", "top1_b", "difference", "only_a", "only_b", "p_value"}` of two predictions CSVs."""
    files_a, labels_a, right_a = read_predictions(a)
    files_b, labels_b, right_b = read_predictions(b)
    if labels_a != labels_b or files_a != files_b:
        raise ValueError(f"{a!r} and {b!r} are not of the same images in the same order (files or labels differ)")
    only_a = sum(x and not y for x, y in zip(right_a, right_b, strict=True))
    only_b = sum(y and not x for x, y in zip(right_a, right_b, strict=True))
    count = len(labels_a)
    top1_a, top1_b = sum(right_a) / count, sum(right_b) / count
    return {
        "count": count,
        "top1_a": top1_a,
        "top1_b": top1_b,
        "difference": top1_b - top1_a,
        "only_a": only_a,
        "only_b": only_b,
        "p_value": mcnemar_exact(only_a, only_b),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", help="predictions CSV of model A")
    parser.add_argument("others", nargs="+", help="predictions CSVs of the models compared with A")
    args = parser.parse_args(argv)
    print("| A | B | images | top-1 A | top-1 B | B - A (points) | only A right | only B right | McNemar p |")
    print("|---|---|---|---|---|---|---|---|---|")
    for other in args.others:
        r = compare(args.first, other)
        print(
            f"| {_short(args.first)} | {_short(other)} | {r['count']} | {100 * r['top1_a']:.2f} | "
            f"{100 * r['top1_b']:.2f} | {100 * r['difference']:+.2f} | {r['only_a']} | {r['only_b']} | "
            f"{r['p_value']:.3g} |"
        )
    return 0


def _short(path):
    """`runs/ablation/zf5_224/eval_224/predictions_val_center.csv` -> `zf5_224/eval_224 center`."""
    parts = os.path.normpath(path).split(os.sep)
    view = os.path.splitext(parts[-1])[0].rsplit("_", 1)[-1]
    return f"{'/'.join(parts[-3:-1])} {view}"


if __name__ == "__main__":
    sys.exit(main())
