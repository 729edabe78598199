"""Imagenette as every preset trained on it records it: the 10 classes in label order, the note on top-1
without the val images that picked the epoch, the license, the training data, and the recipe of the
18-epoch presets."""

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


def short_run_recipe(model, run, file):
    """The recipe of an 18-epoch Imagenette preset (convnet5_spp's plan): train, export as float16, evaluate the
    file, then the run's own evaluations (the top-1 without the val images that picked its epoch, and 10 views)."""
    data = "--data ../shared/data/imagenette"
    views = ("--views center,full --size 224 --full-size 224", "--views full --size 224 --full-size 256")
    return [
        f"nice -n 19 keras-spp train --model {model} {data} "
        "--sizes 128,112:8/176,144:6/224,180 --epochs 18 --batch-size 64 --fc-units 256 --dropout 0.3 "
        "--optimizer adamw --lr 5e-4 --weight-decay 0.05 --warmup-epochs 2 --label-smoothing 0.1 "
        "--min-area 0.25 --val-examples 1000 --checkpoint-minutes 5 --no-check-images --seed 0 "
        f"--verbose 2 --out {run}",
        f"keras-spp export {model} --weights {run} --format weights --storage-dtype float16 --out {file}",
        *(
            f"keras-spp evaluate --model {model} --weights {file} --num-classes 10 --fc-units 256 "
            f"{data} --no-check-images {v}"
            for v in views
        ),
        *(f"keras-spp evaluate --weights {run} {data} {v}" for v in (*views, "--views 10 --size 224")),
    ]
