"""Presets (trained weights) of the zf5 family: pure data, registered explicitly by `zoo.registry`.

One entry per `"<name>.<tag>"`, the first of a name being its default. The schema is in
`zoo.registry.register_preset` (which validates each entry) and saved_models/README.md (an example).
"""

PRESETS = {}
