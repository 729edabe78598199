"""Convnet*-5: backbone and presets, as the data `zoo.registry` registers."""

from zoo.convnet5.convnet5_backbone import FIXED_POOL, convnet5_backbone
from zoo.convnet5.convnet5_presets import PRESETS

MODELS = {"convnet5": {"backbone": convnet5_backbone, "fixed_pool": FIXED_POOL, "title": "Convnet*-5"}}

__all__ = ["MODELS", "PRESETS", "convnet5_backbone"]
