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
            "sha256": "149110a2070fa8eeaf3689a845475c534c50bada0cf91b0f4c9af9116dfe1432",
            "file_size": 14198704,
            "storage_dtype": "float16",
        },
        "metadata": {
            "num_params": 7071882,
            "categories": IMAGENETTE_CATEGORIES,
            "category_ids": IMAGENETTE_IDS,
            # Photos are classified at their own aspect ratio with the shorter side at this size (keras-spp
            # classify, zoo.classify). Measured on all 3,925 imagenette val images (stored 224x224) as full
            # images, top-1 by shorter side: 192 0.663, 224 0.660, 256 0.678 (float32 weights).
            "recommended_shorter_side": 256,
            "input_sizes": {
                "train": [[128, 128], [112, 112], [176, 176], [144, 144], [224, 224], [180, 180]],
                "eval": "any size of at least 31x31 (min_input_size); measured at 224 (center crop, full image)",
                "note": (
                    "multi-size as the paper, growing over the run: 128/112 for 20 epochs, 176/144 for 18, "
                    "224/180 for the last 12, sizes alternating by epoch"
                ),
            },
            "evaluation": (
                "imagenette val, 3,925 images (224x224 files): keras-spp evaluate; center and 10 views are 224 "
                "crops of the image resized to a shorter side of 256, full is the file as it is (shorter side 224). "
                "Also measured (float32 weights), full image at shorter side 192: 0.6629 / 0.9437; 256: 0.6780 / "
                "0.9478. The checkpoint (epoch 47 of 50) was picked by top-1 on 982 of these val images. "
                "Measured again once JPEGs decoded exactly (keras_spp.export.decode_rgb, as OpenCV and PIL; it "
                "trained on TF's fast-IDCT pixels): center 0.6828 -> 0.6848, full 0.6599 -> 0.6596, 10 views "
                "0.7154 -> 0.7157; the other numbers here are of the fast decode"
            ),
            "metrics": {
                "imagenette": {
                    "center": {"top1": 0.6848, "top5": 0.9513, "size": 224},
                    "full": {"top1": 0.6596, "top5": 0.9424, "size": 224},
                    "10": {"top1": 0.7157, "top5": 0.9562, "size": 224, "note": "float32 weights (the run's file)"},
                },
            },
            "storage_note": (
                "float16 storage, float32 compute: on the 3,925 val images top-1 moves by 0.00 points at the "
                "224 center crop (0.6828 both) and -0.05 at the full image (0.6604 -> 0.6599, 2 images); top-5 "
                "by 0.00 and -0.03"
            ),
            "recipe": [
                "nice -n 19 keras-spp train --model zf5_spp --data ../shared/data/imagenette "
                "--sizes 128,112:20/176,144:18/224,180 --epochs 50 --batch-size 64 --fc-units 256 --dropout 0.3 "
                "--optimizer adamw --lr 2e-3 --weight-decay 0.05 --warmup-epochs 2 --label-smoothing 0.1 "
                "--min-area 0.25 --val-examples 1000 --checkpoint-minutes 5 --no-check-images --seed 0 "
                "--verbose 2 --out runs/zf5_spp_imagenette_v2",
                "keras-spp export zf5_spp --weights runs/zf5_spp_imagenette_v2 --format weights "
                "--storage-dtype float16 --out saved_models/zf5_spp.imagenette/zf5_spp.imagenette.weights.h5",
                "keras-spp evaluate --model zf5_spp --weights saved_models/zf5_spp.imagenette/"
                "zf5_spp.imagenette.weights.h5 --num-classes 10 --fc-units 256 --data ../shared/data/imagenette "
                "--views center,full --size 224 --full-size 224",
                "keras-spp evaluate --weights runs/zf5_spp_imagenette_v2 --data ../shared/data/imagenette "
                "--views 10 --size 224",
            ],
            # The top-1 label of each photo of samples/ at recommended_shorter_side (zoo.classify), as the
            # model gave it (7 of 8 right; the same at 224); tests check it still does.
            "samples": {
                "English_springer_wide.jpg": "English springer",
                "French_horn_tall.jpg": "cassette player",
                "church.jpg": "church",
                "garbage_truck_wide.jpg": "garbage truck",
                "gas_pump_tall.jpg": "gas pump",
                "golf_ball.jpg": "golf ball",
                "parachute.jpg": "parachute",
                "tench.jpg": "tench",
            },
            "budget": {
                "epochs": 50,
                "images_seen": 470400,
                "hours": 6.36,
                "machine": "2 shared CPU cores, float32, niced (other work alongside)",
                "sizes": "128,112:20/176,144:18/224,180",
                "note": (
                    "50 epochs x 147 steps x 64 images, resumed across 4 sessions; hours sum the epochs' "
                    "training seconds (validation excluded) at 14-52 images/s"
                ),
            },
            "license": "Weights: Apache-2.0, as this project. Trained on Imagenette (ImageNet terms of use apply).",
            "training_data": "Imagenette train (9,469 images, 10 classes), ../shared/data/imagenette",
        },
    },
}
