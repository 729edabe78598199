"""The 10 classes of Imagenette, in label order, which every preset trained on it shares (pure data)."""

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
