"""Image transforms of the paper (Sec. 3.1 / Krizhevsky et al.): resize the shorter side, crop, flip, colour.

All functions take and return float32 `(H, W, 3)` images with raw 0..255 values (the zoo models normalise
inside). Random ones are stateless: they take a `(2,)` int64 seed, so the same seed gives the same image on
any worker, after any resume.
"""

import tensorflow as tf

# ImageNet RGB eigenvalues/eigenvectors of Krizhevsky et al.'s "PCA colour augmentation" (0..255 scale).
_EIGVAL = tf.constant([55.46, 4.794, 1.148], tf.float32)
_EIGVEC = tf.constant([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140], [-0.5836, -0.6948, 0.4203]], tf.float32)


def resize_shorter_side(image, side):
    """Resizes so that min(height, width) == side, keeping the aspect ratio (bilinear, antialiased)."""
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    shorter = tf.reduce_min(shape)
    new = tf.cast(tf.round(shape * (tf.cast(side, tf.float32) / shorter)), tf.int32)
    new = tf.where(shape == shorter, tf.cast(side, tf.int32), tf.maximum(new, tf.cast(side, tf.int32)))
    return tf.image.resize(tf.cast(image, tf.float32), new, antialias=True)


def random_crop(image, crop, seed):
    """A crop x crop window at a random position (the image's sides must be >= crop)."""
    return tf.image.stateless_random_crop(image, [crop, crop, 3], seed=seed)


def colour_jitter(image, seed, strength=0.1):
    """PCA lighting noise (alpha ~ N(0, strength)) plus brightness/contrast/saturation jitter of +-strength*2."""
    seeds = tf.random.experimental.stateless_split(seed, num=4)
    alpha = tf.random.stateless_normal([3], seed=seeds[0], stddev=strength)
    image = image + tf.linalg.matvec(_EIGVEC, alpha * _EIGVAL)
    amount = 2.0 * strength
    image = tf.image.stateless_random_brightness(image, 255.0 * amount, seed=seeds[1])
    image = tf.image.stateless_random_contrast(image, 1.0 - amount, 1.0 + amount, seed=seeds[2])
    image = tf.image.stateless_random_saturation(image, 1.0 - amount, 1.0 + amount, seed=seeds[3])
    return tf.clip_by_value(image, 0.0, 255.0)


def random_area_crop(image, seed, min_area):
    """A random window covering a fraction U(min_area, 1) of the image, aspect ratio in [3/4, 4/3] (scale jitter).

    The "random-sized crop" of Szegedy et al.; with `min_area=1` it is the whole image.
    """
    begin, size, _ = tf.image.stateless_sample_distorted_bounding_box(
        tf.shape(image),
        tf.zeros([1, 0, 4], tf.float32),
        seed=seed,
        min_object_covered=0.0,
        aspect_ratio_range=(3 / 4, 4 / 3),
        area_range=(float(min_area), 1.0),
        max_attempts=20,
        use_image_if_no_bounding_boxes=True,
    )
    return tf.slice(image, begin, size)


def train_crop(image, seed, size, crop, resize_side, jitter=0.1, min_area=None):
    """The paper's training view: shorter side -> resize_side, random crop x crop, flip, colour, then -> size.

    With `crop=224, size=180` this is the paper's multi-size input: the 224 crop resized to 180. With
    `min_area` (0 < min_area <= 1) the crop is instead a random window of the image covering at least that
    fraction of it (`random_area_crop`), resized to size x size: scale augmentation for small data sets.
    """
    seeds = tf.random.experimental.stateless_split(seed, num=3)
    if min_area:
        image = tf.image.resize(
            random_area_crop(tf.cast(image, tf.float32), seeds[0], min_area), [size, size], antialias=True
        )
    else:
        image = random_crop(resize_shorter_side(image, resize_side), crop, seeds[0])
    image = tf.image.stateless_random_flip_left_right(image, seed=seeds[1])
    if jitter:
        image = colour_jitter(image, seeds[2], jitter)
    if not min_area and size != crop:
        image = tf.image.resize(image, [size, size])
    return tf.ensure_shape(image, [None, None, 3])


def train_full_image(image, seed, side, max_aspect=2.0, jitter=0.1):
    """The full-image training view: shorter side -> side (aspect kept), flip, colour.

    A longer side above `max_aspect * side` is randomly cropped to it, bounding a padded batch's size.
    """
    seeds = tf.random.experimental.stateless_split(seed, num=3)
    image = resize_shorter_side(image, side)
    limit = tf.cast(tf.round(max_aspect * tf.cast(side, tf.float32)), tf.int32)
    shape = tf.shape(image)
    target = tf.stack([tf.minimum(shape[0], limit), tf.minimum(shape[1], limit), 3])
    image = tf.image.stateless_random_crop(image, target, seed=seeds[0])
    image = tf.image.stateless_random_flip_left_right(image, seed=seeds[1])
    if jitter:
        image = colour_jitter(image, seeds[2], jitter)
    return image


def center_crop(image, size, resize_side):
    """The single-view test input: shorter side -> resize_side, the central size x size window."""
    image = resize_shorter_side(image, resize_side)
    shape = tf.shape(image)
    top, left = (shape[0] - size) // 2, (shape[1] - size) // 2
    return tf.ensure_shape(image[top : top + size, left : left + size], [size, size, 3])


def ten_crops(image, size, resize_side):
    """The 10-view test input: 4 corners and the center, each also flipped -> (10, size, size, 3)."""
    image = resize_shorter_side(image, resize_side)
    shape = tf.shape(image)
    h, w = shape[0], shape[1]
    corners = [(0, 0), (0, w - size), (h - size, 0), (h - size, w - size), ((h - size) // 2, (w - size) // 2)]
    crops = tf.stack([image[top : top + size, left : left + size] for top, left in corners])
    crops = tf.concat([crops, tf.reverse(crops, axis=[2])], axis=0)
    return tf.ensure_shape(crops, [10, size, size, 3])


def full_image(image, side, max_aspect=None):
    """The full-image test input: shorter side -> side, aspect kept (longer side center-cropped above max_aspect)."""
    image = resize_shorter_side(image, side)
    if max_aspect:
        limit = int(round(max_aspect * side))
        shape = tf.shape(image)
        h, w = tf.minimum(shape[0], limit), tf.minimum(shape[1], limit)
        top, left = (shape[0] - h) // 2, (shape[1] - w) // 2
        image = image[top : top + h, left : left + w]
    return image
