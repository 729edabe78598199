"""Imagenette as every preset trained on it records it (pure data): the 10 classes in label order, the
note on top-1 without the val images that picked the epoch, the license and the training data."""

IMAGENETTE_CATEGORIES = [
    "tench",
    "English springer",
    "cassette player",
    "chain saw",
    "church",
    "French horn",
    "garbage truck",
    "gas pump",
    "golf ball",
    "parachute",
]

# ImageNet wnids of the categories, in label order: the folder names of Imagenette's own release.
IMAGENETTE_IDS = [
    "n01440764",
    "n02102040",
    "n02979186",
    "n03000684",
    "n03028079",
    "n03394916",
    "n03417042",
    "n03425413",
    "n03445777",
    "n03888257",
]

UNSELECTED = "on the 2,943 val images the run did not pick its best epoch on; the run's float32 weights"
LICENSE = "Weights: Apache-2.0, as this project. Trained on Imagenette (ImageNet terms of use apply)."
TRAINING_DATA = "Imagenette train (9,469 images, 10 classes), ../shared/data/imagenette"
