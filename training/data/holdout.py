"""A validation subset carved out of a split, so that epochs and settings are chosen without the test split.

`--val-split train:40` holds 40 images of the train split out (`train:0.15`: 15% of them): the images are
ranked by the sha256 of `"<seed>:<file name>"`, so the same names and seed give the same subset on any
machine and in any listing order, and adding an image to the folder moves at most that image.
"""

import dataclasses
import hashlib
import os


def parse_holdout(text):
    """`(split, amount)` of `"SPLIT:N"` (N images, an int >= 1) or `"SPLIT:F"` (a fraction 0 < F < 1);
    `(text, None)` for a plain split name.

    Example:
    >>> parse_holdout("train:40"), parse_holdout("train:0.15"), parse_holdout("test")
    (('train', 40), ('train', 0.15), ('test', None))
    """
    if text is None or ":" not in str(text):
        return text, None
    split, _, amount = str(text).rpartition(":")
    try:
        value = float(amount)
    except ValueError:
        value = None
    if not split or value is None or not (0 < value < 1 or (value >= 1 and value == int(value))):
        raise ValueError(
            f"A held-out split is SPLIT:N (images, an int >= 1) or SPLIT:F (a fraction in (0, 1)), e.g. "
            f"train:40. Received: {text!r}"
        )
    return split, (int(value) if value >= 1 else value)


def holdout_names(names, amount, seed=0):
    """The set of `names` held out: `amount` of them (an int, or a fraction rounded, at least 1), the
    smallest sha256 of `"<seed>:<name>"` first.

    Example:
    >>> sorted(holdout_names(["a.jpg", "b.jpg", "c.jpg", "d.jpg"], 0.5, seed=0))
    ['a.jpg', 'd.jpg']
    """
    names = list(names)
    count = amount if isinstance(amount, int) else max(1, round(amount * len(names)))
    if count >= len(names):
        raise ValueError(
            f"Holding out {count} of {len(names)} images leaves none to train on. Received: amount={amount!r}"
        )
    ranked = sorted(names, key=lambda name: hashlib.sha256(f"{seed}:{name}".encode()).hexdigest())
    return set(ranked[:count])


def carve(split, amount, seed=0):
    """`(rest, held)`: two `VocSplit`s of a `VocSplit`'s images, `held` chosen by `holdout_names` on the
    images' file names; `held` is named `"<split>:<amount>"`, `rest` `"<split>-<amount>"`. Order is kept."""
    held_names = holdout_names([os.path.basename(record.path) for record in split.images], amount, seed)
    held = [record for record in split.images if os.path.basename(record.path) in held_names]
    rest = [record for record in split.images if os.path.basename(record.path) not in held_names]
    return (
        dataclasses.replace(split, name=f"{split.name}-{amount}", images=rest),
        dataclasses.replace(split, name=f"{split.name}:{amount}", images=held),
    )


def voc_splits(data, train_split="train", val_split=None, seed=0):
    """`(train, val)` `VocSplit`s of a data folder; `val_split="train:40"` carves 40 images out of the train
    split (`carve`), which then keeps the rest; `"test"` is a whole split; None gives no val split."""
    from training.data.voc import voc_split

    train = voc_split(data, train_split)
    name, amount = parse_holdout(val_split)
    if name is None:
        return train, None
    source = train if name == train_split else voc_split(data, name, train.class_names)
    if amount is None:
        return train, source
    rest, held = carve(source, amount, seed)
    return (rest if name == train_split else train), held
