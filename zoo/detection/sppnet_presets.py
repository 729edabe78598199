"""Presets of the SPP-net detector: pure data (schema: `zoo.presets.Preset`), loaded by
`zoo.load("sppnet_zf5.fruits")` (`zoo.detection.loading.load_detector`). A detector preset's weights are its
fine-tuned head; `config["backbone"]` names the frozen backbone preset it was trained on."""

FRUITS_RECIPE = [
    "nice -n 19 keras-spp train-detector --backbone zf5_spp.imagenette --data ../shared/data/fruits "
    "--val-split test --scales 688 --epochs 16 --lr 0.01 --out runs/sppnet_zf5_fruits2 "
    "--cache-dir runs/det_cache --verbose 2",
    "cp runs/sppnet_zf5_fruits2/detector.weights.h5 saved_models/sppnet_zf5.fruits/sppnet_zf5.fruits.weights.h5",
    "keras-spp evaluate-detector --model runs/sppnet_zf5_fruits2 --data ../shared/data/fruits --split test",
    "keras-spp evaluate-detector --model runs/sppnet_zf5_fruits2 --data ../shared/data/fruits --split test "
    "--scales 480,576,688,864,1200",
]

PRESETS = {
    "sppnet_zf5.fruits": {
        "config": {
            "backbone": "zf5_spp.imagenette",
            "class_names": ["apple", "banana", "orange"],
            "fc_units": 256,
            "scales": [688],
            "proposals": {"mode": "fast", "max_side": 500},
            "nms_iou": 0.3,
            "max_detections": 100,
            "box_scale": 0.32140934467315674,
        },
        "weights": {
            "path": "sppnet_zf5.fruits/sppnet_zf5.fruits.weights.h5",
            "url": None,
            "sha256": "9087efc30ccfc422f805af50afc4b62e4311a3136289c402f038d2969d6d8547",
            "file_size": 14018024,
        },
        "metadata": {
            "num_params": 7223952,
            "num_params_note": "3,726,464 in the frozen zf5_spp.imagenette conv layers + 3,497,488 in the head",
            "categories": ["apple", "banana", "orange"],
            "input_sizes": {
                "train": "shorter side 688 (one scale), horizontal flips",
                "eval": "any image; one scale (688) by default, or the five scales 480..1200",
            },
            "evaluation": "fruits test (60 images, 117 boxes), VOC07 AP at IoU 0.5, difficult ignored",
            "metrics": {
                "fruits": {
                    "one_scale": {
                        "map_11point": 0.5908,
                        "map_all_point": 0.5925,
                        "ap_11point": {"apple": 0.6925, "banana": 0.4421, "orange": 0.6380},
                        "seconds_per_image": 1.59,
                        "note": "shorter side 688",
                    },
                    "five_scales": {
                        "map_11point": 0.5643,
                        "map_all_point": 0.5696,
                        "ap_11point": {"apple": 0.6299, "banana": 0.4081, "orange": 0.6548},
                        "seconds_per_image": 4.27,
                        "note": "the head was fine-tuned at 688 only; each window pooled at its best of 480..1200",
                    },
                },
            },
            "recipe": FRUITS_RECIPE,
            "budget": {
                "epochs": 16,
                "images_seen": 7680,
                "hours": 0.34,
                "machine": "2 shared CPU cores, niced",
                "note": (
                    "~11 min of proposals + conv5 maps (480 train image-flips, 60 test images, cached), then 16 "
                    "epochs x 240 steps of 2 image-flips (128 windows) in 9.2 min (val mAP each epoch)"
                ),
            },
            # The top detection on samples/detection/apple_93.jpg at min_score 0.5, as the model gave it
            # (ground truth [143, 40, 415, 346]); tests check it still does.
            "samples": {
                "detection/apple_93.jpg": {"label": "apple", "score": 0.988, "box": [140.6, 37.2, 420.2, 323.4]}
            },
            "selection": "the last epoch (16); the test split was scored every epoch but chose nothing",
            "license": "Weights: Apache-2.0, as this project. Fine-tuned on the fruits set (no license stated).",
            "training_data": "fruits train (240 images, 465 boxes), ../shared/data/fruits",
        },
    },
}
