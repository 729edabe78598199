"""SPP-net's detector in one call: proposals -> conv5 once per scale -> pooled windows -> fc head ->
scores and refined boxes -> per-class NMS at IoU 0.3 -> score threshold -> at most 100 boxes.
"""

import numpy as np
import tensorflow as tf

from zoo.detection.box_coding import FAST_RCNN_VARIANCE
from zoo.detection.features import FeatureExtractor
from zoo.detection.postprocess import _check_arguments, postprocess_detections
from zoo.detection.proposals import read_image
from zoo.detection.scales import SINGLE_SCALE


class Detector:
    """Image (+ optional proposals) -> detections, as SPP-net tests (paper §4.2).

    Args:
        backbone: a chain backbone Model, RGB 0..255 -> conv5 (frozen; e.g. `zoo.backbone("zf5_spp.imagenette")`).
        head: a `zoo.detection.head.detection_head` model (scores and per-class deltas).
        class_names: the K foreground class names (index = class).
        scales: the shorter sides the image is resized to: `(688,)` or `zoo.detection.SCALES`.
        proposals: keyword arguments of `selective_search` when a call passes no boxes.
        nms_iou: per-class NMS threshold.
        min_score: the default score threshold of a call.
        max_detections: at most this many boxes an image.
        config: what `zoo.detection.loading.save_detector` writes to rebuild it (kept as is).

    Call arguments:
        image: a path, encoded bytes, or an RGB array `(H, W, 3)`.
        boxes: `(R, 4)` xyxy pixel proposals; None: selective search.
        min_score: overrides the default threshold for this call.

    Returns:
        A dict of NumPy arrays sorted by score: `boxes` float32 `(D, 4)` xyxy in the image's pixels,
        `scores` `(D,)`, `classes` int32 `(D,)` (indices into `class_names`), and `image_size` `(H, W)`.

    Example:
    >>> from zoo.detection.head import detection_head
    >>> import zoo
    >>> detector = Detector(zoo.backbone("zf5"), detection_head(2, fc_units=8), ["cat", "dog"], scales=(96,))
    >>> out = detector(np.zeros((100, 150, 3), np.uint8), boxes=[[0, 0, 99, 99]], min_score=0.0)
    >>> out["boxes"].shape[1], out["image_size"]
    (4, (100, 150))
    """

    def __init__(
        self,
        backbone,
        head,
        class_names,
        scales=SINGLE_SCALE,
        proposals=None,
        nms_iou=0.3,
        min_score=0.05,
        max_detections=100,
        config=None,
    ):
        _check_arguments(nms_iou, min_score, max_detections)
        class_names = [str(name) for name in class_names]
        deltas = head.output["deltas"].shape[-1]
        if not class_names or head.output["scores"].shape[-1] != len(class_names) + 1 or deltas != 4 * len(class_names):
            raise ValueError(
                f"The head scores {head.output['scores'].shape[-1]} columns (background first): it needs "
                f"{head.output['scores'].shape[-1] - 1} class names. Received: class_names={class_names}"
            )
        self.extractor = FeatureExtractor(backbone, scales=scales, proposals=proposals)
        self.backbone, self.head, self.class_names = backbone, head, class_names
        self.nms_iou, self.min_score, self.max_detections = nms_iou, min_score, max_detections
        self.config = dict(config or {})
        self._head = tf.function(
            lambda features: head(features, training=False),
            input_signature=[tf.TensorSpec((None, head.input.shape[-1]), tf.float32)],
        )

    @property
    def scales(self):
        return self.extractor.scales

    def __call__(self, image, boxes=None, min_score=None):
        rgb = read_image(image)
        boxes, features = self.extractor.extract(rgb, boxes)
        return self.detect_features(features, boxes, rgb.shape[:2], min_score)

    def detect_features(self, features, boxes, image_size, min_score=None):
        """Detections from already pooled features `(R, D)` of `boxes` `(R, 4)` in an image of `image_size`."""
        min_score = self.min_score if min_score is None else min_score
        _check_arguments(self.nms_iou, min_score, self.max_detections)
        image_size = (int(image_size[0]), int(image_size[1]))
        if len(boxes) == 0:
            empty = np.zeros((0,), np.float32)
            return {"boxes": np.zeros((0, 4), np.float32), "scores": empty, "classes": np.zeros((0,), np.int32),
                    "image_size": image_size}  # fmt: skip
        out = self._head(tf.constant(features, tf.float32))
        found = postprocess_detections(
            out["scores"],
            out["deltas"],
            np.asarray(boxes, np.float32),
            image_size,
            nms_iou=self.nms_iou,
            min_score=min_score,
            max_detections=self.max_detections,
            variance=FAST_RCNN_VARIANCE,
        )
        return {**{key: value.numpy() for key, value in found.items()}, "image_size": image_size}
