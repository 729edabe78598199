"""keras-spp model zoo: the SPP-net paper's ZF-5, Convnet*-5, Overfeat-5 and Overfeat-7, with and without
spatial pyramid pooling, a registry and one-call loading.

Example:
>>> import zoo
>>> model = zoo.load("zf5_spp", num_classes=10, fc_units=1024)   # any input size, raw RGB 0..255
>>> batch_model = zoo.padded_model(model)   # {"images", "image_sizes"}: a padded batch of mixed sizes
"""

from zoo.classifier import classifier
from zoo.loading import backbone, get_metadata, load
from zoo.padded import padded_backbone, padded_model
from zoo.predictions import classify, decode_predictions, load_image
from zoo.registry import list_models, register_preset, unregister_preset

__all__ = [
    "backbone",
    "classifier",
    "classify",
    "decode_predictions",
    "get_metadata",
    "list_models",
    "load",
    "load_image",
    "padded_backbone",
    "padded_model",
    "register_preset",
    "unregister_preset",
]
