"""ZF-5: backbone and presets, as the data `zoo.registry` registers."""

from zoo.zf5.zf5_backbone import FIXED_POOL, zf5_backbone
from zoo.zf5.zf5_presets import PRESETS

MODELS = {"zf5": {"backbone": zf5_backbone, "fixed_pool": FIXED_POOL, "title": "ZF-5"}}

__all__ = ["MODELS", "PRESETS", "zf5_backbone"]
