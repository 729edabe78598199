"""Fine-tuning a run from a preset or a weights file: the architecture a preset implies, the run's parent,
and how many epochs the backbone stays frozen while a new classifier learns.

Why one frozen epoch by default: a new classifier starts random, and its first large, random gradients would
flow into the trained conv filters and undo part of what they learned; one epoch with the backbone frozen
lets fc6-fc8 fit the new classes (cheap: no backbone gradients), then every layer trains at the same rate.
More frozen epochs rarely help a small data set and cost its full fine-tuning time.
"""

import os


def model_of_preset(weights):
    """The architecture of the preset `weights` (`zf5_spp.imagenette` -> `zf5_spp`), for a run without `model`."""
    from zoo.registry import resolve

    preset = None
    if isinstance(weights, str) and "." in weights and not weights.endswith((".h5", ".keras")):
        try:
            preset = resolve(weights)[1]
        except ValueError:
            preset = None
    if preset is None:
        raise ValueError(f"`model` is required unless `weights` is a zoo preset. Received: weights={weights!r}")
    return preset.model


def parent_of(config):
    """What a run starts from: the preset name or the weights file given as `weights`, else None."""
    if not config.weights:
        return None
    from zoo.registry import resolve

    try:
        return resolve(config.weights)[1].name
    except (ValueError, AttributeError):
        return os.path.abspath(config.weights) if os.path.exists(config.weights) else config.weights


def frozen_epochs(config, model):
    """Epochs the backbone stays frozen: `freeze_backbone_epochs`, else 1 for a new classifier, else 0."""
    if config.freeze_backbone_epochs is not None:
        return config.freeze_backbone_epochs
    return 1 if getattr(model, "metadata", {}).get("new_layers") else 0
