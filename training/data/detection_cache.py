"""Training windows of the detector over conv5 maps computed once per image, scale and flip (SPP-net §4.1).

Each image's conv5 map at every scale it needs is computed once and kept on disk as float16 `.npy`, keyed by
the image bytes' sha256, the scale, the flip and the backbone weights' hash (a retrained backbone never
reads stale maps); proposals are cached by `selective_search` beside them. Windows are pooled from the
maps at train time (a 688-scale map is ~1 MB; its ~700 windows' 12,800-d features would be ~18 MB).
"""

import dataclasses
import hashlib
import os

import numpy as np

from keras_spp.ops import project_boxes
from training.data.voc import read_image
from zoo.detection.box_coding import FAST_RCNN_VARIANCE, flip_boxes
from zoo.detection.proposals import selective_search
from zoo.detection.scales import best_scales
from zoo.detection.window_sampling import label_windows

# How the cached maps' pixels were decoded: "islow" since JPEGs decode exactly (`keras_spp.export.decode_rgb`,
# as OpenCV does for the detector); maps of TF's fast approximate decode (an unnamed folder) are not reused.
PIXELS = "islow"


@dataclasses.dataclass
class PreparedImage:
    """One image (or its mirror) ready for training or evaluation.

    Attributes:
        maps: per scale index, the cached conv5 map's path (None for a scale no window uses).
        boxes: float32 `(R, 4)` xyxy pixel windows (train: ground truth + proposals; eval: proposals).
        windows: int32 `(R, 4)` feature-map cells of each window at its scale.
        scale_ids: `(R,)` index of each window's scale.
        labels: int32 `(R,)` class + 1, 0 background, -1 ignored (all -1 for evaluation).
        targets: float32 `(R, 4)` regression targets (scaled by `FAST_RCNN_VARIANCE`).
        image_size: `(height, width)`.
    """

    maps: list
    boxes: np.ndarray
    windows: np.ndarray
    scale_ids: np.ndarray
    labels: np.ndarray
    targets: np.ndarray
    image_size: tuple


def backbone_hash(backbone):
    """The first 16 hex digits of the sha256 of the backbone's weights (float32 bytes)."""
    digest = hashlib.sha256()
    for weight in backbone.weights:
        digest.update(np.ascontiguousarray(weight.numpy(), dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]


def image_bytes(record):
    if record.data is not None:
        return record.data
    with open(record.path, "rb") as f:
        return f.read()


def prepare_image(record, extractor, cache_dir, flip=False, train=True, backbone_tag=None):
    """A `PreparedImage` of a `VocImage`, computing (or reading) its proposals and conv5 maps.

    Args:
        record: a `training.data.voc.VocImage`.
        extractor: the `zoo.detection.FeatureExtractor` (backbone, scales, proposal settings).
        cache_dir: the cache folder (`proposals/`, `conv5/<backbone hash>-<PIXELS>/`).
        flip: mirror the image, its proposals and its boxes left-right.
        train: label the windows (ground truth added as foreground, ignored windows dropped); False keeps
            the proposals as they are, for evaluation.
        backbone_tag: `backbone_hash(extractor.backbone)`; None: computed (pass it for many images).
    """
    data = image_bytes(record)
    sha = hashlib.sha256(data).hexdigest()
    tag = backbone_tag or backbone_hash(extractor.backbone)
    rgb = None
    settings = {"mode": "fast", "max_side": 500, **extractor.proposals}
    boxes = selective_search(data, cache_dir=os.path.join(cache_dir, "proposals"), **settings)
    height, width = record.height, record.width
    gt_mask = ~np.asarray(record.difficult, bool)
    gt_boxes = np.asarray(record.boxes, np.float32)[gt_mask]
    gt_labels = np.asarray(record.labels, np.int32)[gt_mask]
    if flip:
        boxes = np.clip(flip_boxes(boxes, width - 1), 0, None)
        gt_boxes = np.clip(flip_boxes(gt_boxes, width - 1), 0, None)
    if train:
        boxes = np.concatenate([gt_boxes, boxes]).astype(np.float32)
        labels, targets, _ = label_windows(boxes, gt_boxes, gt_labels, variance=FAST_RCNN_VARIANCE)
        keep = labels >= 0
        boxes, labels, targets = boxes[keep], labels[keep], targets[keep]
    else:
        labels = np.full(len(boxes), -1, np.int32)
        targets = np.zeros((len(boxes), 4), np.float32)
    scale_ids = best_scales(boxes, (height, width), extractor.scales, extractor.standard_side)
    windows = np.zeros((len(boxes), 4), np.int32)
    maps = [None] * len(extractor.scales)
    folder = os.path.join(cache_dir, "conv5", f"{tag}-{PIXELS}")
    for index, scale in enumerate(extractor.scales):
        rows = np.flatnonzero(scale_ids == index)
        if len(rows) == 0:
            continue
        path = os.path.join(folder, f"{sha}_{scale}_{int(flip)}.npy")
        if not os.path.isfile(path):
            if rgb is None:
                rgb = read_image(record)
                rgb = np.ascontiguousarray(rgb[:, ::-1]) if flip else rgb
            conv5, _ = extractor.conv_features(rgb, scale)
            _save(path, conv5.numpy()[0].astype(np.float16))
        feature_size = np.load(path, mmap_mode="r").shape[:2]
        maps[index] = path
        scaled = _scaled_size(height, width, scale, extractor)
        factor = np.array([(scaled[1] - 1) / max(width - 1, 1), (scaled[0] - 1) / max(height - 1, 1)] * 2)
        windows[rows] = project_boxes(boxes[rows] * factor, extractor.stride, feature_size=feature_size)
    return PreparedImage(maps, boxes, windows, scale_ids, labels, targets, (height, width))


def pooled_features(prepared, rows, pool):
    """Pooled features `(len(rows), D)` of some windows of a `PreparedImage`, with `pool(map, windows)`."""
    import tensorflow as tf

    out = None
    for index, path in enumerate(prepared.maps):
        mine = np.flatnonzero(prepared.scale_ids[rows] == index)
        if path is None or len(mine) == 0:
            continue
        conv5 = tf.constant(np.load(path)[np.newaxis], tf.float32)
        values = pool(conv5, tf.constant(prepared.windows[rows][mine][np.newaxis])).numpy()[0]
        if out is None:
            out = np.zeros((len(rows), values.shape[-1]), np.float32)
        out[mine] = values
    return out


def _scaled_size(height, width, scale, extractor):
    from zoo.detection.scales import resized_size

    return resized_size(height, width, scale, extractor.max_side)


def _save(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp.npy"
    np.save(temporary, array)
    os.replace(temporary, path)
