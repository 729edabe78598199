"""SavedModel export of a detector: an RGB image of any size and its proposals -> boxes, scores, classes.

Proposals stay outside the graph (selective search is OpenCV code); everything after them is in it: the
resizing to each scale (bilinear, rounded to uint8 pixels as OpenCV's resize gives), conv5 once per scale,
each window's scale, projection, region pyramid pooling, the fc head and post-processing (per-class NMS,
score threshold, top 100).
"""

import tensorflow as tf

from keras_spp.ops import project_boxes
from zoo.detection.box_coding import FAST_RCNN_VARIANCE
from zoo.detection.postprocess import postprocess_detections

SIGNATURE_KEYS = ("boxes", "scores", "classes")


class DetectorModule(tf.Module):
    """A `tf.Module` whose `serve(image, proposals)` runs a `Detector` after its proposals (see module doc)."""

    def __init__(self, detector):
        super().__init__()
        self.backbone, self.head = detector.backbone, detector.head
        self.pooling = detector.extractor.pooling_layer
        self.scales = tuple(detector.scales)
        self.stride, self.standard_side = detector.extractor.stride, detector.extractor.standard_side
        self.settings = (detector.nms_iou, detector.min_score, detector.max_detections)
        self.class_names = tf.constant(detector.class_names)

    @tf.function(
        input_signature=[
            tf.TensorSpec((None, None, 3), tf.uint8, "image"),
            tf.TensorSpec((None, 4), tf.float32, "proposals"),
        ]
    )
    def serve(self, image, proposals):
        size = tf.shape(image)[:2]
        height, width = tf.cast(size[0], tf.float32), tf.cast(size[1], tf.float32)
        short = tf.minimum(height, width)
        sides = tf.maximum(proposals[:, 2:] - proposals[:, :2] + 1, 1.0)
        expected = tf.round(self.standard_side * short / tf.sqrt(sides[:, 0] * sides[:, 1]))
        scale_ids = tf.argmin(tf.abs(tf.constant(self.scales, tf.float32)[None] - expected[:, None]), axis=1)
        count = tf.shape(proposals)[0]
        units = self.head.input.shape[-1]
        features = tf.zeros([count, units], tf.float32)
        for index, scale in enumerate(self.scales):
            factor = scale / short
            scaled = tf.cast(tf.round(height * factor), tf.int32), tf.cast(tf.round(width * factor), tf.int32)
            resized = tf.image.resize(tf.cast(image, tf.float32)[None], tf.stack(scaled), antialias=False)
            resized = tf.round(tf.clip_by_value(resized, 0, 255))
            conv5 = self.backbone(resized, training=False)
            rows = tf.where(tf.equal(scale_ids, index))[:, 0]
            new_h, new_w = tf.cast(scaled[0], tf.float32), tf.cast(scaled[1], tf.float32)
            xy = tf.stack([(new_w - 1) / tf.maximum(width - 1, 1), (new_h - 1) / tf.maximum(height - 1, 1)])
            windows = project_boxes(
                tf.gather(proposals, rows) * tf.tile(xy, [2]), self.stride, (tf.shape(conv5)[1], tf.shape(conv5)[2])
            )
            pooled = self.pooling(conv5, windows[None])[0]
            features = tf.tensor_scatter_nd_update(features, rows[:, None], pooled)
        out = self.head(features, training=False)
        nms_iou, min_score, max_detections = self.settings
        found = postprocess_detections(
            out["scores"], out["deltas"], proposals, size, nms_iou, min_score, max_detections, FAST_RCNN_VARIANCE
        )
        return {key: found[key] for key in SIGNATURE_KEYS}


def export_detector(detector, path):
    """Writes `detector` as a SavedModel at `path` with a `serving_default` signature.

    Args:
        detector: a `zoo.detection.detector.Detector`.
        path: the SavedModel folder.

    Signature `serving_default(image, proposals)`: `image` uint8 `(H, W, 3)` RGB of any size, `proposals`
    float32 `(R, 4)` xyxy pixels (R may be 0) -> `boxes` float32 `(D, 4)`, `scores` `(D,)`, `classes` int32
    `(D,)` (indices into the detector's `class_names`, also saved as the module's `class_names`).

    Returns:
        `path`.
    """
    module = DetectorModule(detector)
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.serve})
    return str(path)
