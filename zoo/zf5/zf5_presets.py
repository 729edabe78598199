"""Presets (trained weights) of the zf5 family: pure data that `zoo.registry` registers.

One entry per `"<name>.<tag>"`, the first of a name being its default. The schema is in
`zoo.presets.Preset` (which validates each entry) and saved_models/README.md (an example).
"""

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

PRESETS = {
    "zf5_spp.imagenette": {
        "config": {"num_classes": 10, "fc_units": 256, "dropout": 0.3},
        "weights": {
            "path": "zf5_spp.imagenette/zf5_spp.imagenette.weights.h5",
            "url": None,
            "sha256": "c3a8f8ff498d06664ff1a33e583fb8ac0ee36f8b76df0a85f14908d9ff65386f",
            "file_size": 28342632,
        },
        "metadata": {
            "num_params": 7071882,
            "categories": IMAGENETTE_CATEGORIES,
            "category_ids": IMAGENETTE_IDS,
            "input_sizes": {
                "train": [[144, 144], [112, 112], [128, 128]],
                "eval": "any size of at least 39x39; measured at 144 (center crop) and full images",
                "note": "trained from scratch on 2 CPU cores: small multi-size crops, 20 epochs in two stages",
            },
            "metrics": {
                "split": "imagenette val (3,925 images, 224x224 files)",
                "center_144": {"top1": 0.6604, "top5": 0.9475},
                "full_shorter_165": {"top1": 0.6589, "top5": 0.9485},
                "full_shorter_201": {"top1": 0.6550, "top5": 0.9506},
                "ten_view_176": {"top1": 0.6963, "top5": 0.9577},
            },
            "recipe": (
                "keras-spp train --model zf5_spp --data ../shared/data/imagenette --sizes 128,112 --crop 192 "
                "--epochs 10 --batch-size 64 --fc-units 256 --dropout 0.3 --optimizer adamw --lr 2e-3 "
                "--weight-decay 0.05 --warmup-epochs 1 --val-examples 1000 --out runs/zf5_spp_imagenette "
                "--verbose 2 --checkpoint-minutes 5 --no-check-images --seed 0 && "
                "cp runs/zf5_spp_imagenette/best.weights.h5 runs/stage1.weights.h5 && "
                "keras-spp train --model zf5_spp --data ../shared/data/imagenette --weights runs/stage1.weights.h5 "
                "--sizes 144,112 --crop 192 --epochs 10 --batch-size 64 --fc-units 256 --dropout 0.3 "
                "--optimizer adamw --lr 1e-3 --weight-decay 0.05 --warmup-epochs 0.5 --val-examples 1000 "
                "--out runs/zf5_spp_imagenette_stage2 --verbose 2 --checkpoint-minutes 5 --no-check-images "
                "--seed 1 && keras-spp evaluate --weights runs/zf5_spp_imagenette_stage2/best.weights.h5 "
                "--data ../shared/data/imagenette --views center,full --size 144 && keras-spp evaluate "
                "--weights runs/zf5_spp_imagenette_stage2/best.weights.h5 --data ../shared/data/imagenette "
                "--views full,10 --size 176"
            ),
            "license": "Weights: Apache-2.0, as this project. Trained on Imagenette (ImageNet terms of use apply).",
            "training_data": "Imagenette train (9,469 images, 10 classes), ../shared/data/imagenette",
        },
    },
}
