"""Presets of the SPP-net detector: pure data (schema: `zoo.presets.Preset`), loaded by
`zoo.load("sppnet_zf5.fruits")` (`zoo.detection.loading.load_detector`)."""

PRESETS = {}
