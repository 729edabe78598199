"""Overfeat-5 and Overfeat-7 backbones and presets."""
