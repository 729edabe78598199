"""A training run's settings (`TrainConfig`, the fields of `keras-spp train`'s flags) and the resume key a
checkpoint is checked against before it is resumed."""

import dataclasses

from keras_spp.validation import positive_int

# Every setting that changes the weights a run ends with: a checkpoint resumes only under the same values.
# The last three are derived (each epoch's size, the data's classes, the training files' fingerprint).
RESUME_KEYS = (
    "model", "fc_units", "dropout", "batch_size", "crop", "full_image", "max_aspect", "jitter", "min_area",
    "epochs", "steps_per_epoch", "optimizer", "lr", "momentum", "weight_decay", "schedule", "warmup_epochs",
    "label_smoothing", "weights", "seed", "mixed_precision", "epoch_sizes", "num_classes", "train_data",
)  # fmt: skip


@dataclasses.dataclass
class TrainConfig:
    """Everything a training run needs; the fields are `keras-spp train`'s flags (`--batch-size`: batch_size).

    `sizes`: sizes used in turn, or stages `[(sizes, epochs or None), ...]`; `size_range` `(low, high)` draws
    one per epoch instead (`training.data.epoch_sizes`). The rest: `train_dataset`, `make_optimizer`, `Trainer`.
    """

    model: str
    data: str
    data_dir: str = None
    train_split: str = None
    val_split: str = None
    no_check_images: bool = False
    sizes: list = (224,)
    size_range: list = None
    crop: int = None
    full_image: bool = False
    max_aspect: float = 2.0
    jitter: float = 0.1
    min_area: float = None
    epochs: int = 30
    batch_size: int = 64
    eval_batch_size: int = None
    steps_per_epoch: int = None
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"
    warmup_epochs: float = 0.0
    label_smoothing: float = 0.0
    fc_units: int = None
    dropout: float = None
    weights: str = None
    weights_sha256: str = None
    freeze_backbone_epochs: int = None
    seed: int = 0
    mixed_precision: bool = False
    strategy: str = "default"
    tpu: str = None
    out: str = None
    resume: bool = False
    fresh: bool = False
    checkpoint_steps: int = 0
    checkpoint_minutes: float = 10.0
    val_examples: int = None
    cache_mb: float = 1024
    log_every: int = 20
    verbose: int = None

    def __post_init__(self):
        if self.model is None:
            from training.fine_tune import model_of_preset

            self.model = model_of_preset(self.weights)
        for name in ("epochs", "batch_size"):
            positive_int(getattr(self, name), name)
        positive_int(self.steps_per_epoch, "steps_per_epoch", allow_none=True)
        if self.freeze_backbone_epochs is not None and (
            isinstance(self.freeze_backbone_epochs, bool)
            or not isinstance(self.freeze_backbone_epochs, int)
            or not 0 <= self.freeze_backbone_epochs <= self.epochs
        ):
            raise ValueError(
                f"`freeze_backbone_epochs` must be an int in [0, `epochs`={self.epochs}]. "
                f"Received: freeze_backbone_epochs={self.freeze_backbone_epochs!r}"
            )
        if self.min_area is not None and not 0 < self.min_area <= 1:
            raise ValueError(f"`min_area` must be in (0, 1]. Received: min_area={self.min_area}")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"`label_smoothing` must be in [0, 1). Received: label_smoothing={self.label_smoothing}")
        if self.resume and self.fresh:
            raise ValueError("`resume` (continue the checkpoint) and `fresh` (start over) contradict each other")


class ResumeMismatch(ValueError):
    """A checkpoint was written under other settings; `differences` maps each key to (checkpoint, now)."""

    def __init__(self, path, differences):
        self.path, self.differences = path, differences
        listed = "; ".join(f"`{k}`: checkpoint {old!r}, now {new!r}" for k, (old, new) in differences.items())
        super().__init__(
            f"checkpoint {path!r} was written with other settings ({listed}); pass the same values to resume, "
            "or use another `out`, or `fresh` to start over"
        )


def resume_key(config, num_classes, sizes=None, train_fingerprint="", freeze_epochs=0):
    """The settings a checkpoint must agree with to be resumed: `RESUME_KEYS` -> values, in that order, and
    `freeze_backbone_epochs` when the backbone is frozen at all (so that older checkpoints keep their key)."""
    key = {k: getattr(config, k) for k in RESUME_KEYS if hasattr(config, k)}
    key.update(epoch_sizes=list(sizes or []), num_classes=num_classes, train_data=train_fingerprint)
    if freeze_epochs:
        key["freeze_backbone_epochs"] = freeze_epochs
    return key
