"""Input data for training and evaluation: sources (folder, tfds), paper augmentation, tf.data pipelines."""

from training.data.folder_dataset import image_dataset_from_folder
from training.data.pipeline import (
    VIEWS,
    epoch_sizes,
    eval_dataset,
    eval_steps,
    resize_side_for,
    train_dataset,
)
from training.data.sources import CorruptImageWarning, Split, folder_split, open_splits, subsample, tfds_split

__all__ = [
    "VIEWS",
    "CorruptImageWarning",
    "Split",
    "epoch_sizes",
    "eval_dataset",
    "eval_steps",
    "folder_split",
    "image_dataset_from_folder",
    "open_splits",
    "resize_side_for",
    "subsample",
    "tfds_split",
    "train_dataset",
]
