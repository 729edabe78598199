"""`keras-spp train`'s flags: size stages, and the resume key a checkpoint is checked against (pinned)."""

import argparse

import pytest

from training.commands import train
from training.data import epoch_sizes
from training.train_classifier import RESUME_KEYS, TrainConfig, resume_key

# The command line of the long run that resumes across this refactor (and any later one).
BACKGROUND_RUN = (
    "--model zf5_spp --data ../shared/data/imagenette --sizes 128,112:20/176,144:18/224,180 --epochs 50 "
    "--batch-size 64 --fc-units 256 --dropout 0.3 --optimizer adamw --lr 2e-3 --weight-decay 0.05 "
    "--warmup-epochs 2 --label-smoothing 0.1 --min-area 0.25 --val-examples 1000 --checkpoint-minutes 5 "
    "--no-check-images --seed 0 --verbose 2 --out runs/zf5_spp_long"
)
EPOCH_SIZES = [128, 112] * 10 + [176, 144] * 9 + [224, 180] * 6
PINNED_KEY = {
    "model": "zf5_spp", "fc_units": 256, "dropout": 0.3, "batch_size": 64, "crop": None, "full_image": False,
    "max_aspect": 2.0, "jitter": 0.1, "min_area": 0.25, "epochs": 50, "steps_per_epoch": None,
    "optimizer": "adamw", "lr": 0.002, "momentum": 0.9, "weight_decay": 0.05, "schedule": "cosine",
    "warmup_epochs": 2.0, "label_smoothing": 0.1, "weights": None, "seed": 0, "mixed_precision": False,
    "epoch_sizes": EPOCH_SIZES, "num_classes": 10, "train_data": "f" * 64,
}  # fmt: skip


def parse(argv):
    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    return parser.parse_args(argv)


def test_resume_key_of_a_known_command_line_is_pinned():
    """A checkpoint stores this key; changing a key, a value or a default makes old runs refuse to resume."""
    args = parse(BACKGROUND_RUN.split())
    stages = train.parse_size_stages(args.sizes, args.epochs)
    config = TrainConfig(**{**vars(args), "sizes": stages})
    sizes = epoch_sizes(config.epochs, config.sizes, config.size_range, config.seed)
    key = resume_key(config, 10, sizes, "f" * 64)
    assert list(key) == list(PINNED_KEY) == list(RESUME_KEYS)
    assert key == PINNED_KEY
    for name, value in key.items():  # the same types too: JSON writes 2 and 2.0 differently
        assert type(value) is type(PINNED_KEY[name]), name


def test_every_flag_is_a_config_field_and_the_defaults_are_the_configs():
    args = vars(parse(["--model", "zf5_spp", "--data", "d"]))
    fields = {name: getattr(TrainConfig("zf5_spp", "d"), name) for name in args}
    assert set(args) == set(TrainConfig.__dataclass_fields__)
    assert {k: v for k, v in args.items() if k != "sizes"} == {k: v for k, v in fields.items() if k != "sizes"}
    assert args["sizes"] == "224" and fields["sizes"] == (224,)


def test_size_stages_grow_over_the_run_and_must_add_up():
    stages = train.parse_size_stages("128,112:2/176:1/224,180")
    assert stages == [((128, 112), 2), ((176,), 1), ((224, 180), None)]
    assert epoch_sizes(6, sizes=stages) == [128, 112, 176, 224, 180, 224]
    assert epoch_sizes(3, sizes=train.parse_size_stages("64:1/32:2")) == [64, 32, 32]
    with pytest.raises(ValueError, match=r"stages' epochs \(5\) must add up to --epochs \(4\)"):
        epoch_sizes(4, sizes=train.parse_size_stages("64:3/32:2", 4))
    with pytest.raises(ValueError, match="only the last stage"):
        epoch_sizes(4, sizes=train.parse_size_stages("64/32:2", 4))
    for bad in ("64:0/32", "64:x", "/32"):
        with pytest.raises(ValueError, match=f"got '{bad}'"):
            train.parse_size_stages(bad)
    with pytest.raises(ValueError, match=r"`sizes`: the stages' epochs \(5\) must add up to `epochs` \(4\)"):
        epoch_sizes(4, sizes=[((64,), 3), ((32,), 2)])  # the library says it in its own words
