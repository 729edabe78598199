"""Presets (trained weights) of the overfeat family: pure data that `zoo.registry` registers.

One entry per `"<name>.<tag>"`, the first of a name being its default. The schema is in
`zoo.presets.Preset` (which validates each entry) and saved_models/README.md (an example).
"""

PRESETS = {}
