"""Input pipeline units: sizes per epoch, resumable and shardable training streams, views, padding."""

import numpy as np
import pytest
import tensorflow as tf

from training.data import (
    augment,
    epoch_sizes,
    eval_dataset,
    eval_steps,
    open_splits,
    resize_side_for,
    train_dataset,
)


@pytest.fixture(scope="module")
def splits(image_folder):
    return open_splits(image_folder)


def batches(dataset):
    return [(x.numpy(), y.numpy()) for x, y in dataset]


def test_epoch_sizes():
    assert epoch_sizes(5, sizes=(224, 180)) == [224, 180, 224, 180, 224]
    drawn = epoch_sizes(20, size_range=(180, 224), seed=1)
    assert drawn == epoch_sizes(20, size_range=(180, 224), seed=1) and min(drawn) >= 180 and max(drawn) <= 224
    assert len(set(drawn)) > 3
    assert resize_side_for(224) == 256


def test_training_stream_resumes_at_any_step_with_the_same_batches(splits):
    train, _ = splits
    kwargs = dict(sizes=[48, 40, 48], steps_per_epoch=4, per_replica_batch=3, seed=2)
    full = batches(train_dataset(train, **kwargs))
    assert [x.shape[1] for x, _ in full] == [48] * 4 + [40] * 4 + [48] * 4
    for epoch, step in ((0, 3), (1, 0), (1, 2), (2, 1)):
        tail = batches(train_dataset(train, start_epoch=epoch, start_step=step, **kwargs))
        assert len(tail) == len(full) - 4 * epoch - step
        for (x, y), (x_full, y_full) in zip(tail, full[4 * epoch + step :]):
            np.testing.assert_array_equal(y, y_full)
            np.testing.assert_allclose(x, x_full, atol=1e-4)
    # Every epoch is a fresh order (the data repeat past one pass: 24 examples, 12 an epoch here).
    labels = [np.concatenate([y for _, y in full[4 * e : 4 * e + 4]]) for e in range(3)]
    assert not np.array_equal(labels[0], labels[2])


def test_shards_are_disjoint_and_cover_the_epoch(splits):
    train, _ = splits
    kwargs = dict(sizes=[32], steps_per_epoch=3, per_replica_batch=4, seed=0, jitter=0)
    seen = []
    for shard in range(2):
        data = train_dataset(train, num_shards=2, shard_index=shard, **kwargs).unbatch()
        seen.append({tuple(np.round(x.numpy()[::8, ::8, 0]).ravel()) for x, _ in data})
    assert len(seen[0]) == len(seen[1]) == 12 and not seen[0] & seen[1]


def test_crops_flips_and_the_multi_size_resize():
    image = tf.reshape(tf.range(60 * 90 * 3, dtype=tf.float32) % 255, (60, 90, 3))
    seed = tf.constant([1, 2], tf.int64)
    assert augment.train_crop(image, seed, 40, 48, 55, jitter=0.1).shape == (40, 40, 3)
    assert augment.resize_shorter_side(image, 30).shape == (30, 45, 3)
    assert augment.train_crop(image, seed, 40, 48, 55, jitter=0.1, min_area=0.25).shape == (40, 40, 3)
    assert augment.center_crop(image, 48, 55).shape == (48, 48, 3)
    crops = augment.ten_crops(image, 48, 55).numpy()
    np.testing.assert_array_equal(crops[5:], crops[:5, :, ::-1])
    np.testing.assert_array_equal(crops[0], augment.resize_shorter_side(image, 55).numpy()[:48, :48])
    full = augment.train_full_image(tf.zeros((40, 200, 3)), seed, 32, max_aspect=2.0, jitter=0)
    assert full.shape == (32, 64, 3)
    assert augment.full_image(tf.zeros((40, 200, 3)), 32).shape == (32, 160, 3)
    jittered = augment.colour_jitter(tf.fill((8, 8, 3), 128.0), seed)
    assert 0 <= float(tf.reduce_min(jittered)) and float(tf.reduce_max(jittered)) <= 255


def test_eval_shards_pad_to_equal_steps_with_zero_weights(splits):
    _, val = splits  # 12 images
    assert eval_steps(12, 5, num_shards=2) == 2
    counted = 0
    for shard in range(2):
        data = list(eval_dataset(val, view="center", size=32, per_replica_batch=5, num_shards=2, shard_index=shard))
        assert len(data) == 2 and all(x.shape[1:] == (32, 32, 3) for x, _, _ in data)
        counted += sum(float(tf.reduce_sum(w)) for _, _, w in data)
    assert counted == 12
    ten = next(iter(eval_dataset(val, view="10", size=32, per_replica_batch=2)))[0]
    assert ten.shape == (2, 10, 32, 32, 3)
    full = next(iter(eval_dataset(val, view="full", size=32, per_replica_batch=4, cache_bytes=2**20)))[0]
    assert full["images"].shape[1:3] == tuple(full["image_sizes"].numpy().max(axis=0))
    assert full["image_sizes"].numpy().min() == 32


def test_subsample_keeps_evenly_spaced_examples(splits):
    from training.data import subsample

    _, val = splits  # 12 images, 4 a class in class order
    small = subsample(val, 6)
    labels = [int(y) for _, y in small.elements()]
    assert small.num_examples == len(labels) == 6 and sorted(set(labels)) == [0, 1, 2]
    assert subsample(val, 100) is val


def test_scale_augmentation_windows_cover_at_least_min_area_of_the_image():
    # Pixel values encode their position, so a window's corner values give its extent.
    rows, cols = np.meshgrid(np.arange(60), np.arange(90), indexing="ij")
    image = tf.constant(np.stack([rows, cols, rows * 0], -1), tf.float32)
    areas, aspects = [], []
    for i in range(40):
        window = augment.random_area_crop(image, tf.constant([i, 7], tf.int64), 0.3).numpy()
        h, w = window.shape[:2]
        np.testing.assert_array_equal(window[-1, -1, :2] - window[0, 0, :2], [h - 1, w - 1])  # contiguous
        areas.append(h * w / (60 * 90))
        aspects.append(w / h)
    assert min(areas) >= 0.3 - 0.02 and max(areas) <= 1.0 and np.ptp(areas) > 0.2
    assert 3 / 4 - 0.05 <= min(aspects) and max(aspects) <= 4 / 3 + 0.05 or max(areas) == 1.0
    # The whole image at min_area=1 (a square image keeps its aspect): train_crop is then a resize and a flip.
    square = image[:60, :60]
    whole = augment.train_crop(square, tf.constant([3, 4], tf.int64), 30, 60, 68, jitter=0, min_area=1.0).numpy()
    resized = tf.image.resize(square, [30, 30], antialias=True).numpy()
    assert np.allclose(whole, resized, atol=1e-3) or np.allclose(whole, resized[:, ::-1], atol=1e-3)
