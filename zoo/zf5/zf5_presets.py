"""Presets (trained weights) of the zf5 family: pure data, registered by `zoo.registry`.

Schema of one entry (see `zoo.registry.register_preset`, which validates it):
    "<name>.<tag>": {
        "config": {...},                      # overrides of the builder's defaults, e.g. {"num_classes": 10}
        "weights": {"path": "<name>.<tag>/<file>.weights.h5",  # under saved_models/, or absolute
                    "url": None,              # or an https URL fetched with keras.utils.get_file
                    "sha256": "<64 hex>", "file_size": <bytes>},
        "metadata": {"num_params": ..., "categories": [...], "input_sizes": {...}, "metrics": {...},
                     "recipe": "<the exact training command>", "license": "...", "paper": "..."},
    }
The first preset of a name is its default tag.
"""

PRESETS = {}
