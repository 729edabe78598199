"""Speed claims of the SpatialPyramidPooling op (issue 2), as ratios measured in one run.

Usage: .venv/bin/python benchmarks/spp_layer.py [--repeats 20] [--batch 32]

1. SPP time as a share of a ZF-5-like conv stack's forward time at 224x224 (goal <= 1%).
2. Padded batch of differently sized maps (8..60 cells a side): one vectorized call vs an image-by-image
   loop (goal >= 5x faster): the eager loop a user would write, and the same loop unrolled in a graph.
3. Static 13x13x256, levels (6,3,2,1): vs concatenating Keras AdaptiveMaxPooling2D per level (goal >= 2x).
Every timed function is a tf.function traced before timing; the table shows medians.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_spp.ops import spatial_pyramid_pool  # noqa: E402

LEVELS = (6, 3, 2, 1)


def median_seconds(fn, args, repeats):
    fn(*args)  # trace and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn(*args)
        np.asarray(tf.nest.flatten(result)[0])  # wait for the value
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def zf5_like_stack():
    """ZF-5's conv1..conv5 (paper Table 1) with Keras built-ins: 224x224x3 -> 13x13x256."""
    return keras.Sequential(
        [
            keras.Input((224, 224, 3)),
            keras.layers.ZeroPadding2D(1),
            keras.layers.Conv2D(96, 7, strides=2, activation="relu"),
            keras.layers.ZeroPadding2D(((0, 1), (0, 1))),
            keras.layers.MaxPooling2D(3, 2),
            keras.layers.Conv2D(256, 5, strides=2, activation="relu"),
            keras.layers.ZeroPadding2D(((0, 1), (0, 1))),
            keras.layers.MaxPooling2D(3, 2),
            keras.layers.Conv2D(384, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(384, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(256, 3, padding="same", activation="relu"),
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    b = args.batch
    rows = []

    stack = zf5_like_stack()
    images = tf.constant(rng.uniform(0, 255, size=(b, 224, 224, 3)).astype("float32"))
    conv = tf.function(lambda x: stack(x, training=False))
    conv5 = conv(images)
    spp = tf.function(lambda x: spatial_pyramid_pool(x, LEVELS, "max"))
    t_conv = median_seconds(conv, (images,), max(3, args.repeats // 4))
    t_spp = median_seconds(spp, (conv5,), args.repeats)
    rows.append((f"SPP / ZF-5 conv stack forward, 224, batch {b}", t_spp, t_conv, t_spp / t_conv, "<= 0.01"))

    sizes = rng.integers(8, 61, size=(b, 2)).astype("int32")
    padded = np.zeros((b, 60, 60, 256), "float32")
    for i, (h, w) in enumerate(sizes):
        padded[i, :h, :w] = rng.normal(size=(h, w, 256))
    padded, sizes_t = tf.constant(padded), tf.constant(sizes)
    vectorized = tf.function(lambda x, s: spatial_pyramid_pool(x, LEVELS, "max", sizes=s))

    def eager_loop(x, s):
        """What a user without padded support writes: crop each image and pool it on its own."""
        return tf.concat([spatial_pyramid_pool(x[i : i + 1, : s[i, 0], : s[i, 1]], LEVELS, "max") for i in range(b)], 0)

    graph_loop = tf.function(eager_loop)  # the same loop unrolled into one graph (batch size fixed at trace)
    np.testing.assert_allclose(vectorized(padded, sizes_t).numpy(), eager_loop(padded, sizes).numpy())
    t_vec = median_seconds(vectorized, (padded, sizes_t), args.repeats)
    t_eager = median_seconds(eager_loop, (padded, sizes), max(3, args.repeats // 4))
    t_graph = median_seconds(graph_loop, (padded, sizes_t), args.repeats)
    rows.append(("padded batch (8..60 cells) vs per-image eager loop", t_vec, t_eager, t_eager / t_vec, ">= 5x"))
    rows.append(("padded batch vs per-image loop unrolled in a graph", t_vec, t_graph, t_graph / t_vec, "(info)"))

    static = tf.constant(rng.normal(size=(b, 13, 13, 256)).astype("float32"))
    adaptive = [keras.layers.AdaptiveMaxPooling2D((n, n)) for n in LEVELS[:-1]]

    @tf.function
    def keras_adaptive(x):
        # Keras 3.15's AdaptiveMaxPooling2D((1, 1)) dies with SIGFPE on TF: level 1 is a global max.
        parts = [tf.reshape(layer(x), (b, -1)) for layer in adaptive] + [tf.reduce_max(x, axis=(1, 2))]
        return tf.concat(parts, axis=1)

    np.testing.assert_allclose(spp(static).numpy(), keras_adaptive(static).numpy())
    t_ours = median_seconds(spp, (static,), args.repeats)
    t_keras = median_seconds(keras_adaptive, (static,), args.repeats)
    rows.append(("static 13x13x256 vs Keras AdaptiveMaxPooling2D", t_ours, t_keras, t_keras / t_ours, ">= 2x"))

    print(f"{'claim':<52} {'ours ms':>9} {'other ms':>9} {'ratio':>8}  goal")
    for name, ours, other, ratio, goal in rows:
        print(f"{name:<52} {ours * 1e3:>9.2f} {other * 1e3:>9.2f} {ratio:>8.3f}  {goal}")


if __name__ == "__main__":
    main()
