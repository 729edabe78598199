"""ZF-5 backbone and presets."""
