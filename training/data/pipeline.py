"""tf.data pipelines over a `Split`: the multi-size training stream and the center/full/10-view eval sets.

The training stream covers all remaining epochs in one dataset: epoch `e` is the split shuffled with a
seed of its own, sharded, cut to exactly `steps_per_epoch` steps and augmented at `epoch_sizes[e]`, with
every example's randomness drawn from `(seed, epoch, index)`. So a resumed run that skips the steps it has
done sees the very same batches, and every worker runs the same number of steps.
"""

import math

import numpy as np
import tensorflow as tf

from training.data import augment

VIEWS = ("center", "full", "10")


def resize_side_for(crop):
    """The shorter side images are resized to before a crop x crop crop: 256 for 224, as in the paper."""
    return int(round(crop * 256 / 224))


def epoch_sizes(epochs, sizes=(224,), size_range=None, seed=0):
    """The training input size of every epoch: `sizes` in turn, or one drawn per epoch from `size_range`.

    `sizes` may also be stages `[(sizes, epochs or None), ...]`: each stage's sizes in turn
    for its number of epochs; a last stage without a count fills the remaining epochs. Sizes that grow over
    the run are the paper's multi-size training with a schedule towards the evaluation size.

    Example:
    >>> epoch_sizes(4, sizes=(224, 180))
    [224, 180, 224, 180]
    >>> epoch_sizes(5, sizes=[((128, 112), 2), ((224, 180), None)])
    [128, 112, 224, 180, 224]
    """
    if size_range is not None:
        low, high = size_range
        if not 0 < low <= high:
            raise ValueError(
                f"`size_range` must be (low, high) with 0 < low <= high. Received: size_range={size_range}"
            )
        return [int(np.random.default_rng([seed, e]).integers(low, high + 1)) for e in range(epochs)]
    stages = list(sizes) if sizes and isinstance(sizes[0], (tuple, list)) else [(tuple(sizes), None)]
    if not stages[0][0] or any(int(s) <= 0 for stage, _ in stages for s in stage):
        raise ValueError(f"`sizes` must be positive integers. Received: sizes={sizes}")
    counted = sum(n for _, n in stages if n is not None)
    open_stages = [i for i, (_, n) in enumerate(stages) if n is None]
    if open_stages and open_stages != [len(stages) - 1]:
        raise ValueError(f"`sizes`: only the last stage may leave out its epoch count. Received: sizes={sizes}")
    if len(stages) > 1 and (counted > epochs or (not open_stages and counted != epochs)):
        raise ValueError(f"`sizes`: the stages' epochs ({counted}) must add up to `epochs` ({epochs})")
    result = []
    for stage, count in stages:
        count = epochs - len(result) if count is None else count
        result.extend(int(stage[e % len(stage)]) for e in range(count))
    return result[:epochs]


def _options(dataset):
    options = tf.data.Options()
    options.deterministic = True
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return dataset.with_options(options)


def train_dataset(
    split,
    *,
    sizes,
    steps_per_epoch,
    per_replica_batch,
    replicas_per_pipeline=1,
    seed=0,
    start_epoch=0,
    start_step=0,
    full_image=False,
    crop=None,
    max_aspect=2.0,
    jitter=0.1,
    min_area=None,
    num_shards=1,
    shard_index=0,
    shuffle_buffer=None,
):
    """Per-replica training batches for epochs `start_epoch .. len(sizes) - 1`, resuming at `start_step`.

    Args:
        split: a `Split`.
        sizes: the input size of each epoch (see `epoch_sizes`); its length is the number of epochs.
        steps_per_epoch: global steps per epoch; this pipeline yields `steps_per_epoch * replicas_per_pipeline`
            batches an epoch (the data repeats if that is more than one pass).
        per_replica_batch: examples per batch.
        replicas_per_pipeline: replicas this pipeline feeds (local replicas under tf.distribute).
        seed: shuffle and augmentation seed.
        full_image: shorter side resized to the epoch's size, aspect kept, batches padded; elements are then
            `({"images", "image_sizes"}, labels)`; else `(images, labels)` of square crops.
        crop: the crop size (default the largest size): smaller sizes are this crop resized.
        max_aspect, jitter: see `augment.train_full_image` and `augment.colour_jitter`.
        min_area: crops: random windows of at least this fraction of the image (`augment.train_crop`).
        num_shards, shard_index: this pipeline's share of the examples (multi-worker input pipelines).
        shuffle_buffer: default the whole split.
    """
    epochs = len(sizes)
    crop = int(crop or max(sizes))
    if not full_image and crop < max(sizes):
        raise ValueError(f"`crop` {crop} is smaller than the largest training size {max(sizes)}")
    resize_side = resize_side_for(crop)
    per_step = per_replica_batch * replicas_per_pipeline
    buffer = int(shuffle_buffer or split.num_examples)
    base = split.elements().enumerate()

    def transform(size, epoch_seed):
        def fn(index, element):
            payload, label = element
            image = split.decode(payload)
            example_seed = tf.stack([epoch_seed, index])
            if full_image:
                image = augment.train_full_image(image, example_seed, size, max_aspect, jitter)
                return (image, tf.shape(image)[:2]), label
            return augment.train_crop(image, example_seed, size, crop, resize_side, jitter, min_area), label

        return fn

    def one_epoch(epoch):
        size = int(sizes[epoch])
        epoch_seed = int(seed) * 1_000_003 + epoch
        skip = start_step * per_step if epoch == start_epoch else 0
        dataset = base.shuffle(buffer, seed=epoch_seed, reshuffle_each_iteration=False)
        dataset = dataset.shard(num_shards, shard_index).repeat().skip(skip)
        dataset = dataset.take(steps_per_epoch * per_step - skip)
        dataset = dataset.map(transform(size, epoch_seed), num_parallel_calls=tf.data.AUTOTUNE)
        if full_image:
            dataset = dataset.padded_batch(
                per_replica_batch, padded_shapes=(([None, None, 3], [2]), []), drop_remainder=True
            )
            return dataset.map(lambda x, y: ({"images": x[0], "image_sizes": x[1]}, y))
        return dataset.batch(per_replica_batch, drop_remainder=True)

    # One dataset an epoch (Python seeds and sizes), chained: the next epoch's pipeline starts when one ends.
    dataset = one_epoch(start_epoch)
    for epoch in range(start_epoch + 1, epochs):
        dataset = dataset.concatenate(one_epoch(epoch))
    return _options(dataset.prefetch(tf.data.AUTOTUNE))


def eval_steps(num_examples, per_step, num_shards=1):
    """Steps that cover `num_examples` when each of `num_shards` pipelines contributes `per_step` an step."""
    return max(1, math.ceil(math.ceil(num_examples / num_shards) / per_step))


def eval_dataset(
    split,
    *,
    view="center",
    size=224,
    per_replica_batch=32,
    replicas_per_pipeline=1,
    num_shards=1,
    shard_index=0,
    max_aspect=None,
    cache_bytes=0,
):
    """Per-replica eval batches `(inputs, labels, weights)`; padding examples have weight 0.

    Views: `"center"` (shorter side -> 256/224 * size, central crop, `(B, S, S, 3)`), `"full"` (shorter side ->
    size, aspect kept, `{"images", "image_sizes"}` padded batches) or `"10"` (corners + center, flipped:
    `(B, 10, S, S, 3)`). Every shard yields `eval_steps(...) * replicas_per_pipeline` batches. Views are cached
    in memory (as uint8) when they take less than `cache_bytes`.
    """
    if view not in VIEWS:
        raise ValueError(f"`view` must be one of {', '.join(VIEWS)}. Received: view={view!r}")
    per_step = per_replica_batch * replicas_per_pipeline
    total = eval_steps(split.num_examples, per_step, num_shards) * per_step
    resize_side = resize_side_for(size)

    def transform(payload, label):
        image = split.decode(payload)
        if view == "center":
            image = augment.center_crop(image, size, resize_side)
        elif view == "10":
            image = augment.ten_crops(image, size, resize_side)
        else:
            image = augment.full_image(image, size, max_aspect)
        return tf.cast(tf.round(image), tf.uint8), label

    dataset = split.elements().shard(num_shards, shard_index)
    dataset = dataset.map(transform, num_parallel_calls=tf.data.AUTOTUNE)
    views = 10 if view == "10" else 1
    expected = split.num_examples * views * size * size * 3 * (1.5 if view == "full" else 1.0)
    if cache_bytes and expected / num_shards < cache_bytes:
        dataset = dataset.cache()
    dataset = dataset.map(lambda x, y: (x, y, tf.constant(1.0)))
    pad_shape = {"center": [size, size, 3], "full": [size, size, 3], "10": [10, size, size, 3]}[view]
    padding = tf.data.Dataset.from_tensors((tf.zeros(pad_shape, tf.uint8), tf.constant(0, tf.int32), tf.constant(0.0)))
    dataset = dataset.concatenate(padding.repeat()).take(total)
    if view == "full":
        dataset = dataset.map(lambda x, y, w: ((tf.cast(x, tf.float32), tf.shape(x)[:2]), y, w))
        dataset = dataset.padded_batch(per_replica_batch, padded_shapes=(([None, None, 3], [2]), [], []))
        dataset = dataset.map(lambda x, y, w: ({"images": x[0], "image_sizes": x[1]}, y, w))
    else:
        dataset = dataset.batch(per_replica_batch).map(lambda x, y, w: (tf.cast(x, tf.float32), y, w))
    return _options(dataset.prefetch(tf.data.AUTOTUNE))
