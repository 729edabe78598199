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
            # Photos are classified at their own aspect ratio with the shorter side at this size (keras-spp
            # classify, zoo.classify). Measured on 400 imagenette val photos (40 a class, stored 224x224) and
            # the 4 samples, top-1 by shorter side: 112 0.633, 128 0.650, 144 0.688, 160 0.685, 176 0.700,
            # 192 0.693, 224 0.678 (samples right: 4, 4, 3, 4, 3, 3, 3 of 4). 144-192 are within noise (one
            # standard error is 0.023); 160 is the middle of that plateau, gets every sample right, and
            # agrees with the full-image metric (shorter side 165). The net was trained on 112-144 crops:
            # photos upscaled far beyond that (500x333, 640x427) lose a third of their accuracy.
            "recommended_shorter_side": 160,
            "input_sizes": {
                "train": [[144, 144], [112, 112], [128, 128]],
                "eval": "any size of at least 31x31 (min_input_size); measured at 144 (center crop) and full images",
                "note": "trained from scratch on 2 CPU cores: small multi-size crops, 20 epochs in two stages",
            },
            "evaluation": (
                "imagenette val, 3,925 images (224x224 files): keras-spp evaluate; center and 10 views are `size` "
                "crops of the image resized to a shorter side of size x 8/7, full is the image at shorter side "
                "`size`. Also measured: full image at shorter side 201, top-1 0.6550, top-5 0.9506"
            ),
            "metrics": {
                "imagenette": {
                    "center": {"top1": 0.6604, "top5": 0.9475, "size": 144},
                    "full": {"top1": 0.6589, "top5": 0.9485, "size": 165},
                    "10": {"top1": 0.6963, "top5": 0.9577, "size": 176},
                },
            },
            "recipe": [
                "keras-spp train --model zf5_spp --data ../shared/data/imagenette --sizes 128,112 --crop 192 "
                "--epochs 10 --batch-size 64 --fc-units 256 --dropout 0.3 --optimizer adamw --lr 2e-3 "
                "--weight-decay 0.05 --warmup-epochs 1 --val-examples 1000 --out runs/zf5_spp_imagenette "
                "--verbose 2 --checkpoint-minutes 5 --no-check-images --seed 0",
                "cp runs/zf5_spp_imagenette/best.weights.h5 runs/stage1.weights.h5",
                "keras-spp train --model zf5_spp --data ../shared/data/imagenette --weights runs/stage1.weights.h5 "
                "--sizes 144,112 --crop 192 --epochs 10 --batch-size 64 --fc-units 256 --dropout 0.3 "
                "--optimizer adamw --lr 1e-3 --weight-decay 0.05 --warmup-epochs 0.5 --val-examples 1000 "
                "--out runs/zf5_spp_imagenette_stage2 --verbose 2 --checkpoint-minutes 5 --no-check-images --seed 1",
                "keras-spp evaluate --weights runs/zf5_spp_imagenette_stage2/best.weights.h5 "
                "--data ../shared/data/imagenette --views center,full --size 144",
                "keras-spp evaluate --weights runs/zf5_spp_imagenette_stage2/best.weights.h5 "
                "--data ../shared/data/imagenette --views full,10 --size 176",
            ],
            # The top-1 label of each photo of samples/ at recommended_shorter_side (zoo.classify), as the
            # model gave it (6 of 8 right); tests check it still does.
            "samples": {
                "English_springer_wide.jpg": "English springer",
                "French_horn_tall.jpg": "cassette player",
                "church.jpg": "church",
                "garbage_truck_wide.jpg": "garbage truck",
                "gas_pump_tall.jpg": "cassette player",
                "golf_ball.jpg": "golf ball",
                "parachute.jpg": "parachute",
                "tench.jpg": "tench",
            },
            "budget": {
                "epochs": 20,
                "images_seen": 188160,
                "hours": None,
                "machine": "2 shared CPU cores, float32",
                "sizes": "128,112 then 144,112 (two runs of 10 epochs)",
                "note": "two stages of 10 epochs x 147 steps x 64 images; the runs did not record their wall time",
            },
            "license": "Weights: Apache-2.0, as this project. Trained on Imagenette (ImageNet terms of use apply).",
            "training_data": "Imagenette train (9,469 images, 10 classes), ../shared/data/imagenette",
        },
    },
}
