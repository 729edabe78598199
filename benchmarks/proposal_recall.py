"""Recall of selective-search proposals on a VOC-style folder (issue 12): which mode and image size to use.

Usage: .venv/bin/python benchmarks/proposal_recall.py [--data ../shared/data/fruits/test] [--settings fast:500]

For each setting (`mode:max_side`), runs `zoo.detection.selective_search` on every image and reports the
boxes per image, seconds per image and the share of ground-truth boxes that some proposal overlaps with
IoU >= 0.5 and >= 0.7 (all proposals, and the first --top-n of the sorted list).
"""

import argparse
import glob
import os
import time
import xml.etree.ElementTree as ElementTree

import numpy as np

from zoo.detection import selective_search


def voc_boxes(xml_path):
    """Ground-truth boxes `[x0, y0, x1, y1]` of a VOC XML file, 0-based inclusive (VOC's 1-based minus 1)."""
    root = ElementTree.parse(xml_path).getroot()
    boxes = []
    for box in root.iter("bndbox"):
        boxes.append([float(box.find(tag).text) - 1 for tag in ("xmin", "ymin", "xmax", "ymax")])
    return np.array(boxes, np.float64).reshape(-1, 4)


def best_iou(truth, proposals):
    """For each ground-truth box `(G, 4)`, its largest IoU with any proposal `(R, 4)` (inclusive pixels)."""
    if len(proposals) == 0:
        return np.zeros(len(truth))
    ix0 = np.maximum(truth[:, None, 0], proposals[None, :, 0])
    iy0 = np.maximum(truth[:, None, 1], proposals[None, :, 1])
    ix1 = np.minimum(truth[:, None, 2], proposals[None, :, 2])
    iy1 = np.minimum(truth[:, None, 3], proposals[None, :, 3])
    inter = np.clip(ix1 - ix0 + 1, 0, None) * np.clip(iy1 - iy0 + 1, 0, None)

    def area(b):
        return (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)

    union = area(truth)[:, None] + area(proposals)[None, :] - inter
    return (inter / union).max(axis=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "fruits", "test")
    parser.add_argument("--data", default=default_data)
    parser.add_argument("--settings", default="fast:300,fast:500,fast:800,quality:500")
    parser.add_argument("--top-n", type=int, default=2000)
    args = parser.parse_args()
    images = sorted(glob.glob(os.path.join(args.data, "*.jpg")))
    truths = [voc_boxes(path[:-4] + ".xml") for path in images]
    print(f"{len(images)} images, {sum(len(t) for t in truths)} ground-truth boxes in {os.path.abspath(args.data)}")
    header = f"{'mode':8} {'side':>5} {'boxes/img (min-max)':>21} {'s/img':>6} {'R@0.5':>6} {'R@0.7':>6}"
    print(f"{header}  top {args.top_n}: R@0.5 R@0.7")
    for setting in args.settings.split(","):
        mode, side = setting.split(":")
        counts, seconds, ious, ious_top = [], [], [], []
        for path, truth in zip(images, truths, strict=True):
            start = time.perf_counter()
            boxes = selective_search(path, mode=mode, max_side=None if side == "none" else int(side))
            seconds.append(time.perf_counter() - start)
            counts.append(len(boxes))
            ious.append(best_iou(truth, boxes))
            ious_top.append(best_iou(truth, boxes[: args.top_n]))
        ious, ious_top = np.concatenate(ious), np.concatenate(ious_top)
        print(
            f"{mode:8} {side:>5} {np.mean(counts):8.0f} ({min(counts):4d}-{max(counts):5d}) {np.mean(seconds):6.2f} "
            f"{np.mean(ious >= 0.5):6.3f} {np.mean(ious >= 0.7):6.3f}  {'':>5}{np.mean(ious_top >= 0.5):5.3f} "
            f"{np.mean(ious_top >= 0.7):5.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
