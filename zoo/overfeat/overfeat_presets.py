"""Presets (trained weights) of the overfeat family: pure data that `zoo.registry` registers.

One entry per `"<name>.<tag>"`, the first of a name being its default. The schema is in
`zoo.presets.Preset` (which validates each entry) and saved_models/README.md (an example).
"""

from zoo.imagenette import (
    IMAGENETTE_CATEGORIES,
    IMAGENETTE_IDS,
    LICENSE,
    TRAINING_DATA,
    UNSELECTED,
    short_run_recipe,
)

FILE = "saved_models/overfeat7_spp.imagenette/overfeat7_spp.imagenette.weights.h5"
RUN = "runs/overfeat7_spp_imagenette"

PRESETS = {
    "overfeat7_spp.imagenette": {
        "config": {"num_classes": 10, "fc_units": 256, "dropout": 0.3},
        "weights": {
            "path": "overfeat7_spp.imagenette/overfeat7_spp.imagenette.weights.h5",
            "url": None,
            "sha256": "93f9f0b542deb378c7a1fb5cd5fa69dc0af65ef0d2f6b03c98500d785ec77043",
            "file_size": 35798696,
            "storage_dtype": "float16",
        },
        "metadata": {
            "num_params": 17870474,
            "categories": IMAGENETTE_CATEGORIES,
            "category_ids": IMAGENETTE_IDS,
            # Photos are classified at their own aspect ratio with the shorter side at this size (keras-spp
            # classify, zoo.classify). Measured on all 3,925 imagenette val images (stored 224x224) as full
            # images, top-1 by shorter side: 224 0.7457, 256 0.7771 (this file): at 224 the objects are smaller
            # than in the crops it was trained on (3.3 points below the 224 center crop of the 256 resize).
            "recommended_shorter_side": 256,
            "full_image_by_shorter_side": {
                "224": {"top1": 0.7457, "top5": 0.9641},
                "256": {"top1": 0.7771, "top5": 0.9687},
            },
            "input_sizes": {
                "train": [[128, 128], [112, 112], [176, 176], [144, 144], [224, 224], [180, 180]],
                "eval": (
                    "any size of at least 17x17 (min_input_size); measured at 224 (center crop, full image) and "
                    "256 (full image)"
                ),
                "note": (
                    "multi-size as the paper, growing over the run: 128/112 for 8 epochs, 176/144 for 6, "
                    "224/180 for the last 4, sizes alternating by epoch"
                ),
            },
            "evaluation": (
                "imagenette val, 3,925 images (224x224 files): keras-spp evaluate of this file (center, full) or "
                "of the run's float32 weights (10 views: float16 moved no other view); center and 10 views are 224 "
                "crops of the image resized to a shorter side of 256, full is the file as it is (shorter side "
                "224). The checkpoint was picked by top-1 on 982 of these val images: epoch 17 of 18 (77.9% there, "
                "epoch 18 77.2%); top1_unselected is the top-1 on the other 2,943"
            ),
            "metrics": {
                "imagenette": {
                    "center": {
                        "top1": 0.7783,
                        "top5": 0.9689,
                        "size": 224,
                        "top1_unselected": 0.7781,
                        "unselected_note": UNSELECTED,
                    },
                    "full": {
                        "top1": 0.7457,
                        "top5": 0.9641,
                        "size": 224,
                        "top1_unselected": 0.7448,
                        "unselected_note": UNSELECTED,
                    },
                    "10": {
                        "top1": 0.7873,
                        "top5": 0.972,
                        "size": 224,
                        "note": "float32 weights (the run's file)",
                        "top1_unselected": 0.7859,
                        "unselected_note": UNSELECTED,
                    },
                },
            },
            "storage_note": (
                "float16 storage, float32 compute: on the 3,925 val images top-1 and top-5 move by 0.00 points at "
                "the 224 center crop (0.7783) and on the full image at shorter side 224 and 256 (0.7457, 0.7771)"
            ),
            "recipe": short_run_recipe("overfeat7_spp", RUN, FILE),
            # The top-1 label of each photo of samples/ at recommended_shorter_side (zoo.classify), as the
            # model gave it (8 of 8 right); tests check it still does.
            "samples": {
                "English_springer_wide.jpg": "English springer",
                "French_horn_tall.jpg": "French horn",
                "church.jpg": "church",
                "garbage_truck_wide.jpg": "garbage truck",
                "gas_pump_tall.jpg": "gas pump",
                "golf_ball.jpg": "golf ball",
                "parachute.jpg": "parachute",
                "tench.jpg": "tench",
            },
            "budget": {
                "epochs": 18,
                "images_seen": 169344,
                "hours": 3.98,
                "machine": "2 shared CPU cores, float32, niced (other work alongside)",
                "sizes": "128,112:8/176,144:6/224,180",
                "note": (
                    "18 epochs x 147 steps x 64 images over 3 sessions (2026-12-03, resumed from its checkpoint "
                    "twice); hours sum metrics.csv's training seconds on cores shared with tests and evaluations; "
                    "the rates measured on free cores (22.3 / 11.6 / 7.5 images/s at 128 / 176 / 224) give about "
                    "3.2 h. convnet5_spp.imagenette had the same plan, zf5_spp.imagenette 50 epochs"
                ),
            },
            "license": LICENSE,
            "training_data": TRAINING_DATA,
        },
    },
}
