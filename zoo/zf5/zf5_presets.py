"""Presets (trained weights) of the zf5 family: pure data that `zoo.registry` registers.

One entry per `"<name>.<tag>"`, the first of a name being its default. The schema is in
`zoo.presets.Preset` (which validates each entry) and saved_models/README.md (an example).
"""

from zoo.imagenette import IMAGENETTE_CATEGORIES, IMAGENETTE_IDS, LICENSE, TRAINING_DATA, UNSELECTED

PRESETS = {
    "zf5_spp.imagenette": {
        "config": {"num_classes": 10, "fc_units": 256, "dropout": 0.3},
        "weights": {
            "path": "zf5_spp.imagenette/zf5_spp.imagenette.weights.h5",
            "url": None,
            "sha256": "73fd8b4c9b148fc2113631c1b2bc4e377eb1300185f1f9a5e9a0da6fc05f0981",
            "file_size": 14198704,
            "storage_dtype": "float16",
        },
        "metadata": {
            "num_params": 7071882,
            "categories": IMAGENETTE_CATEGORIES,
            "category_ids": IMAGENETTE_IDS,
            # Photos are classified at their own aspect ratio with the shorter side at this size (keras-spp
            # classify, zoo.classify). Measured on all 3,925 imagenette val images (stored 224x224) as full
            # images, top-1 by shorter side: 192 0.8566, 224 0.8601, 256 0.8619 (this file).
            "recommended_shorter_side": 256,
            "full_image_by_shorter_side": {
                "192": {"top1": 0.8566, "top5": 0.985},
                "224": {"top1": 0.8601, "top5": 0.9875},
                "256": {"top1": 0.8619, "top5": 0.9878},
            },
            "input_sizes": {
                "train": [[128, 128], [112, 112], [176, 176], [144, 144], [224, 224], [180, 180]],
                "eval": "any size of at least 31x31 (min_input_size); measured at 224 (center crop, full image)",
                "note": (
                    "multi-size as the paper, growing over the run: 128/112 for 20 epochs, 176/144 for 18, "
                    "224/180 for the last 12, sizes alternating by epoch"
                ),
            },
            "evaluation": (
                "imagenette val, 3,925 images (224x224 files): keras-spp evaluate of this file; center and 10 "
                "views are 224 crops of the image resized to a shorter side of 256, full is the file as it is "
                "(shorter side 224). The checkpoint (epoch 37 of 50) was picked by top-1 on 982 of these val "
                "images; top1_unselected is the top-1 on the other 2,943 (the run's float32 weights). The run's "
                "last epoch (final.weights.h5, picked by nothing), float32: center 0.8736 / 0.9870, full 0.8586 / "
                "0.9883"
            ),
            "metrics": {
                "imagenette": {
                    "center": {
                        "top1": 0.8668,
                        "top5": 0.987,
                        "size": 224,
                        "top1_unselected": 0.8668,
                        "unselected_note": UNSELECTED,
                    },
                    "full": {
                        "top1": 0.8601,
                        "top5": 0.9875,
                        "size": 224,
                        "top1_unselected": 0.8586,
                        "unselected_note": UNSELECTED,
                    },
                    "10": {
                        "top1": 0.879,
                        "top5": 0.9883,
                        "size": 224,
                        "top1_unselected": 0.8773,
                        "unselected_note": UNSELECTED,
                    },
                },
            },
            "storage_note": (
                "float16 storage, float32 compute: on the 3,925 val images top-1 moves by -0.03 points at the "
                "224 center crop (0.8670 -> 0.8668, 1 image), 0.00 on the full image at shorter side 192, 224 "
                "and 256 (0.8566, 0.8601, 0.8619 both) and 0.00 with 10 views (0.8790 both); top-5 by 0.00 "
                "everywhere"
            ),
            "recipe": [
                "nice -n 19 keras-spp train --model zf5_spp --data ../shared/data/imagenette "
                "--sizes 128,112:20/176,144:18/224,180 --epochs 50 --batch-size 64 --fc-units 256 --dropout 0.3 "
                "--optimizer adamw --lr 5e-4 --weight-decay 0.05 --warmup-epochs 2 --label-smoothing 0.1 "
                "--min-area 0.25 --val-examples 1000 --checkpoint-minutes 5 --no-check-images --seed 0 "
                "--verbose 2 --out runs/zf5_spp_imagenette_v3",
                "keras-spp export zf5_spp --weights runs/zf5_spp_imagenette_v3 --format weights "
                "--storage-dtype float16 --out saved_models/zf5_spp.imagenette/zf5_spp.imagenette.weights.h5",
                *(
                    f"keras-spp evaluate --model zf5_spp --weights saved_models/zf5_spp.imagenette/"
                    f"zf5_spp.imagenette.weights.h5 --num-classes 10 --fc-units 256 --data ../shared/data/imagenette "
                    f"--no-check-images {views}"
                    for views in (
                        "--views center,full --size 224 --full-size 224",
                        "--views full --size 224 --full-size 192",
                        "--views full --size 224 --full-size 256",
                        "--views 10 --size 224",
                    )
                ),
                # the run's own evaluations: the top-1 without the val images that picked its epoch
                "keras-spp evaluate --weights runs/zf5_spp_imagenette_v3 --data ../shared/data/imagenette "
                "--views center,full --size 224 --full-size 224",
                "keras-spp evaluate --weights runs/zf5_spp_imagenette_v3 --data ../shared/data/imagenette "
                "--views 10 --size 224",
            ],
            # The top-1 label of each photo of samples/ at recommended_shorter_side (zoo.classify), as the
            # model gave it (8 of 8 right; the same at 224); tests check it still does.
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
                "epochs": 50,
                "images_seen": 470400,
                "hours": None,
                "machine": "2 shared CPU cores, float32, niced (other work alongside)",
                "sizes": "128,112:20/176,144:18/224,180",
                "note": (
                    "50 epochs x 147 steps x 64 images over 2 sessions (2026-11-26); the first 21 epochs took "
                    "0.94 h of training, and the rates measured on free cores (71.7 / 37.6 / 23.0 images/s at "
                    "128 / 176 / 224) give about 3.2 h for all 50; the run's metrics.csv, which summed the "
                    "hours, went with that machine"
                ),
            },
            "license": LICENSE,
            "training_data": TRAINING_DATA,
        },
    },
}
