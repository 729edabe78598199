"""SPP-net's detector (paper Section 4): proposals, image scales, conv5 computed once per image and scale,
every proposal's pooled feature from it, box coding, window sampling and post-processing (NMS).

Example:
>>> from zoo.detection import SCALES, selective_search, best_scales
>>> SCALES
(480, 576, 688, 864, 1200)
"""

from zoo.detection.features import FeatureExtractor
from zoo.detection.proposals import decode_image, read_image, selective_search
from zoo.detection.scales import SCALES, SINGLE_SCALE, best_scales, resized_size

__all__ = [
    "FeatureExtractor",
    "SCALES",
    "SINGLE_SCALE",
    "best_scales",
    "decode_image",
    "read_image",
    "resized_size",
    "selective_search",
]
