"""SPP-net's detection features: the conv layers once per image and scale, then every window's pyramid.

`FeatureExtractor(backbone)(image, boxes)` -> `(R, C * 50)` (12,800 for ZF-5's 256 channels): the image
is resized to each scale (shorter side), the backbone runs once per scale that some box uses, each box is
pooled at its best scale (`scales.best_scales`): scaled, projected onto that scale's conv5 map
(`keras_spp.ops.project_boxes`, the paper's Appendix A rule with the backbone's stride) and pooled with
`keras_spp.ops.region_pyramid_pool`. Both the backbone and the pooling are traced once for all sizes.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_spp.layers import RegionPyramidPooling
from keras_spp.ops import project_boxes
from zoo import geometry
from zoo.detection.proposals import read_image, selective_search
from zoo.detection.scales import SINGLE_SCALE, best_scales, resized_size


class FeatureExtractor:
    """Image of any size + proposals -> pooled conv5 features of every proposal, at 1 or 5 scales.

    Args:
        backbone: a zoo name (`"zf5"`: random weights; `"zf5_spp.imagenette"`: the trained backbone) or a
            chain backbone Model, raw RGB 0..255 `(B, H, W, 3)` -> `(B, H', W', C)`.
        scales: shorter sides to resize the image to: `zoo.detection.SINGLE_SCALE` (688, the default) or
            `zoo.detection.SCALES` (480, 576, 688, 864, 1200), or any tuple of ints.
        levels: the pyramid, `(6, 3, 2, 1)` by default.
        pooling: `"max"` or `"avg"`.
        max_side: cap on the resized image's longer side (None: no cap, as in the paper).
        proposals: keyword arguments of `selective_search`, used when a call passes no boxes.
        standard_side: the side in pixels a window should have at its scale; None: the backbone's map
            side at 224 x 224 times its stride (13 * 16 = 208 for ZF-5, the released code's value).

    Call arguments:
        image: RGB `(H, W, 3)` array (uint8, or float 0..255: rounded to uint8), a file path or encoded bytes.
        boxes: `(R, 4)` pixel boxes `[x0, y0, x1, y1]`, 0-based inclusive, in the original image; None:
            selective search (see `extract` to get them back).

    Returns:
        float32 NumPy `(R, C * sum(n * n))`, the rows in the order of `boxes`.

    Example:
    >>> extractor = FeatureExtractor("zf5", scales=(96,))
    >>> image = np.zeros((100, 150, 3), np.uint8)
    >>> extractor(image, np.array([[0, 0, 149, 99], [10, 10, 60, 40]])).shape
    (2, 12800)
    """

    def __init__(
        self,
        backbone="zf5_spp.imagenette",
        scales=SINGLE_SCALE,
        levels=(6, 3, 2, 1),
        pooling="max",
        max_side=None,
        proposals=None,
        standard_side=None,
    ):
        if isinstance(backbone, str):
            import zoo

            backbone = zoo.backbone(backbone)
        if not isinstance(backbone, keras.Model):
            raise ValueError(f"`backbone` must be a zoo name or a keras.Model. Received: backbone={backbone!r}")
        scales = tuple(scales) if not isinstance(scales, int) else (scales,)
        if not scales or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in scales):
            raise ValueError(f"`scales` must be a non-empty sequence of ints >= 1. Received: scales={scales!r}")
        self.backbone = backbone
        self.scales = tuple(int(s) for s in scales)
        self.pooling_layer = RegionPyramidPooling(levels, pooling, data_format="channels_last")  # validates
        self.levels, self.pooling = self.pooling_layer.levels, self.pooling_layer.pooling
        self.max_side = max_side
        self.proposals = dict(proposals or {})
        facts = geometry.receptive_field(backbone)
        self.stride = int(facts["feature_stride"])
        self.min_input_size = geometry.min_input_size(backbone)
        # The side a window should have at its scale: the backbone's map side at 224, in pixels (13 * 16).
        if standard_side is None:
            standard_side = int(geometry.feature_size(backbone, (224, 224))[0]) * self.stride
        self.standard_side = standard_side
        channels = backbone.output.shape[-1]
        self._conv = tf.function(
            lambda images: backbone(images, training=False),
            input_signature=[tf.TensorSpec((1, None, None, 3), tf.float32)],
        )
        self._pool = tf.function(
            lambda features, windows: self.pooling_layer(features, windows),
            input_signature=[tf.TensorSpec((1, None, None, channels)), tf.TensorSpec((1, None, 4), tf.int32)],
        )

    def __call__(self, image, boxes=None):
        return self.extract(image, boxes)[1]

    def extract(self, image, boxes=None):
        """`(boxes, features)`: the boxes used (the given ones, or the proposals) and their features."""
        rgb = read_image(image)
        if boxes is None:
            boxes = selective_search(image if not isinstance(image, np.ndarray) else rgb, **self.proposals)
        boxes = _checked_boxes(boxes)
        height, width = rgb.shape[:2]
        scale_ids = best_scales(boxes, (height, width), self.scales, self.standard_side)
        units = self.backbone.output.shape[-1] * sum(n * n for n in self.levels)
        features = np.zeros((len(boxes), units), np.float32)
        for index, scale in enumerate(self.scales):
            rows = np.flatnonzero(scale_ids == index)
            if len(rows) == 0:
                continue
            conv5, (scaled_height, scaled_width) = self.conv_features(rgb, scale)
            factor = np.array([(scaled_width - 1) / max(width - 1, 1), (scaled_height - 1) / max(height - 1, 1)] * 2)
            windows = project_boxes(boxes[rows] * factor, self.stride, feature_size=conv5.shape[1:3])
            features[rows] = self._pool(conv5, tf.constant(windows[np.newaxis])).numpy()[0]
        return boxes, features

    def conv_features(self, image, scale):
        """`(conv5 (1, H', W', C) tensor, (height, width) of the resized image)` of an RGB array at `scale`."""
        import cv2

        height, width = image.shape[:2]
        size = resized_size(height, width, scale, self.max_side)
        if min(size) < self.min_input_size:
            raise ValueError(
                f"At scale {scale} the image is {size[0]}x{size[1]} pixels, smaller than the backbone's "
                f"{self.min_input_size}x{self.min_input_size} minimum. Received: image of {height}x{width}, "
                f"max_side={self.max_side}"
            )
        resized = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
        return self._conv(tf.constant(resized[np.newaxis], tf.float32)), size


def _checked_boxes(boxes):
    array = np.asarray(boxes, dtype=np.float64)
    if array.size == 0:
        return array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"`boxes` must have shape (R, 4): [x0, y0, x1, y1] pixels. Received: shape={array.shape}")
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        raise ValueError(f"`boxes` must be finite pixel coordinates. Received: boxes={array[bad][:3].tolist()}")
    return array
