"""Deployment: SavedModel for TF Serving (float and encoded-bytes signatures) and TFLite, any image size."""

from keras_spp.export.image_decoding import decode_image_batch, decode_image_bytes, decode_rgb, read_image_folder
from keras_spp.export.saved_model import (
    OUTPUT_KEYS,
    SIGNATURES,
    export_saved_model,
    next_version,
    remove_stale_temp_folders,
)
from keras_spp.export.tflite import QUANTIZATIONS, TFLiteClassifier, evaluate_tflite, export_tflite

__all__ = [
    "OUTPUT_KEYS",
    "QUANTIZATIONS",
    "SIGNATURES",
    "TFLiteClassifier",
    "decode_image_batch",
    "decode_image_bytes",
    "decode_rgb",
    "evaluate_tflite",
    "export_saved_model",
    "export_tflite",
    "next_version",
    "read_image_folder",
    "remove_stale_temp_folders",
]
