"""What the zoo knows about an architecture without building it big: backbone geometry and parameter counts."""

import inspect

from keras_spp.ops import conv_output_size, pyramid_bins
from zoo import geometry
from zoo.classifier import classifier, head_num_params

PAPER = (
    "K. He, X. Zhang, S. Ren, J. Sun, 'Spatial Pyramid Pooling in Deep Convolutional Networks for Visual "
    "Recognition', ECCV 2014 / TPAMI 2015, arXiv:1406.4729"
)
# The head's defaults are `classifier`'s own: read from its signature, written nowhere else.
DEFAULTS = {
    key: parameter.default
    for key, parameter in inspect.signature(classifier).parameters.items()
    if key in ("levels", "fc_units", "num_classes", "dropout")
}
BASELINE_INPUT_SIZE = 224
_FACTS = {}


def backbone_facts(spec):
    """(metadata facts, output channels, feature side at 224x224) of a `ModelSpec`'s backbone, built once."""
    if spec.name not in _FACTS:
        backbone = spec.backbone()
        facts = geometry.receptive_field(backbone)
        facts["min_input_size"] = geometry.min_input_size(backbone)
        facts["backbone_params"] = backbone.count_params()
        side = int(geometry.feature_size(backbone, (BASELINE_INPUT_SIZE, BASELINE_INPUT_SIZE))[0])
        _FACTS[spec.name] = facts, backbone.output.shape[-1], side
    facts, channels, side = _FACTS[spec.name]
    return dict(facts), channels, side


def num_params(spec, config):
    """Parameters of `spec` built with `config` (defaults filled in), by arithmetic: nothing big is built."""
    facts, channels, side = backbone_facts(spec)
    config = {**DEFAULTS, **config}
    if spec.spp:
        cells = pyramid_bins(config["levels"])
    else:
        pool = spec.fixed_pool
        cells = int(conv_output_size(side, pool["pool_size"], pool["strides"], pool.get("padding", "valid"))) ** 2
    return facts["backbone_params"] + head_num_params(channels * cells, config["fc_units"], config["num_classes"])


def describe(spec, presets, preset=None):
    """The metadata dict of `spec` (see `zoo.get_metadata`), with `preset`'s on top when given."""
    side = None if spec.spp else BASELINE_INPUT_SIZE
    metadata = {
        "name": preset.name if preset else spec.name,
        "architecture": spec.name,
        "spp": spec.spp,
        "description": spec.description,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in DEFAULTS.items() if k in spec.options},
        "input_shape": [side, side, 3],
        "num_params": num_params(spec, {}),
        **backbone_facts(spec)[0],
        "paper": PAPER,
        "presets": list(presets),
        "default_preset": presets[0] if presets else None,
    }
    if preset is not None:
        metadata["config"].update(preset.config)
        metadata.update(preset.to_dict()["metadata"])
        metadata["weights"] = preset.to_dict()["weights"]
    return metadata
