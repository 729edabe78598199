"""Overfeat-5 and Overfeat-7: backbones and presets, as the data `zoo.registry` registers."""

from zoo.overfeat.overfeat_backbone import FIXED_POOL, overfeat5_backbone, overfeat7_backbone
from zoo.overfeat.overfeat_presets import PRESETS

MODELS = {
    "overfeat5": {"backbone": overfeat5_backbone, "fixed_pool": FIXED_POOL, "title": "Overfeat-5"},
    "overfeat7": {"backbone": overfeat7_backbone, "fixed_pool": FIXED_POOL, "title": "Overfeat-7"},
}

__all__ = ["MODELS", "PRESETS", "overfeat5_backbone", "overfeat7_backbone"]
