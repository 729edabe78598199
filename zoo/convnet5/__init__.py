"""Convnet*-5 backbone and presets."""
