"""What an exported classifier accepts: the in-graph checks of a float image batch, and the smallest image a
Keras classifier runs on (recorded at export so the deployed model refuses what Keras refuses).

The checks run before the model, in the serving graph, so a bad request fails alone with an
`InvalidArgumentError` whose message says what was received and what was expected, and the server keeps
serving.
"""

import numpy as np
import tensorflow as tf

# Pixels are raw RGB 0..255. A value beyond this is no pixel. In the serving graph a NaN vanishes at the first
# convolution and zf5_spp answered "golf ball 0.673" for an all-NaN image, and the same for +-1e30 (issue 10).
PIXEL_LIMIT = 1e6


def checked_images(images, min_side, max_side):
    """`images` once it is a float batch `(B, H, W, 3)`, B >= 1, sides in `[min_side, max_side]`, every pixel
    a finite number within +-`PIXEL_LIMIT`; else an InvalidArgumentError naming what was received.

    The signature's `(None, None, None, 3)` is not enforced by a loaded SavedModel's call (nor by TF
    Serving): a 1-channel batch would be broadcast and a rank-3 one misread, so all of it is checked here.
    The shape checks are computed with ops that cannot fail on any shape and raise one assertion with the
    first failing check's message (the graph may evaluate them in any order). The pixel check is one pass
    (`reduce_all(|x| <= limit)`, false for NaN); the failing image and value are looked up only on failure.
    """
    # The runtime rank: tf.rank would be folded to the signature's 4, but a loaded signature takes any rank.
    rank = tf.shape(tf.where(tf.shape(images) >= 0))[0]
    shape = tf.concat([tf.shape(images), tf.zeros([4], tf.int32)], axis=0)[:4]  # any rank: no failing slice
    sides = shape[1:3]
    checks = [
        (rank == 4, tf.strings.format("images must be a batch (B, H, W, 3); received shape {}", tf.shape(images))),
        (shape[3] == 3, tf.strings.format("images have {} channels (shape {}); expected 3: RGB", (shape[3], shape))),
        (shape[0] >= 1, tf.constant("the batch is empty: send at least one image")),
        (
            tf.reduce_all(tf.logical_and(sides >= min_side, sides <= max_side)),
            tf.strings.format(
                "images are {}x{} pixels; both sides must be in [{}, {}]", (shape[1], shape[2], min_side, max_side)
            ),
        ),
    ]
    passed = tf.stack([condition for condition, _ in checks])
    first_failure = tf.argmin(tf.cast(passed, tf.int32))
    message = tf.gather(tf.stack([message for _, message in checks]), first_failure)
    images = gate(tf.reduce_all(passed), [message], images)
    return tf.cond(tf.reduce_all(tf.abs(images) <= PIXEL_LIMIT), lambda: images, lambda: _refuse_pixels(images))


def _refuse_pixels(images):
    bad = tf.logical_or(tf.logical_not(tf.math.is_finite(images)), tf.abs(images) > PIXEL_LIMIT)
    first = tf.where(bad)[0]
    count = tf.reduce_sum(tf.cast(bad[first[0]], tf.int64))
    message = tf.strings.format(
        "image {} of the batch has {} pixel values that are NaN, infinite or beyond +-{}, e.g. {} at (row {}, "
        "column {}); expected raw RGB values 0..255",
        (first[0], count, PIXEL_LIMIT, tf.gather_nd(images, first), first[1], first[2]),
    )
    return gate(tf.constant(False), [message], images)


def gate(condition, message, gated):
    """Returns `gated` once `condition` holds; raises InvalidArgumentError with the joined `message` if not.

    Eagerly it raises at once. In a graph the returned tensor depends on the assertion, so whatever is
    computed from it can only run after the check has passed.
    """
    text = tf.strings.join([tf.convert_to_tensor(m, tf.string) for m in message])
    with tf.control_dependencies([tf.debugging.Assert(condition, [text])]):
        return tf.identity(gated)


def min_input_side(model, upper):
    """The smallest side `s` such that `model` runs on a `(1, s, s, 3)` float image, searched in `[1, upper]`.

    `model` must run on `upper`. Conv and pooling output sizes grow with the input, so the sides a model
    accepts are all those from its minimum up: a binary search takes about log2(upper) eager calls, all on
    images of at most `upper` pixels a side. A call that raises (a negative output size, a layer's own
    check) means "too small", exactly where Keras refuses.
    """
    low, high = 0, upper  # the model fails on `low` (0 is no image) and runs on `high`
    while high - low > 1:
        side = (low + high) // 2
        if runs_on_side(model, side):
            high = side
        else:
            low = side
    return high


def runs_on_side(model, side):
    """Whether `model` runs on one `(1, side, side, 3)` float image without raising."""
    try:
        model(np.zeros((1, side, side, 3), "float32"), training=False)
    except Exception:  # noqa: BLE001 - any failure of the model on this size means it is too small
        return False
    return True
