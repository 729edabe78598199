"""`keras-spp demo`: a conv stack + SpatialPyramidPooling turns images of different sizes into one length."""

import numpy as np


def add_arguments(parser):
    parser.add_argument("--levels", default="6,3,2,1", help="pyramid levels, comma-separated (default 6,3,2,1)")
    parser.add_argument("--seed", type=int, default=0)


def run(args):
    import keras
    import tensorflow as tf

    from keras_spp.layers import SpatialPyramidPooling

    levels = tuple(int(v) for v in args.levels.split(","))
    keras.utils.set_random_seed(args.seed)
    images = keras.Input((None, None, 3), name="images")
    x = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(images)
    x = keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
    model = keras.Model(images, SpatialPyramidPooling(levels)(x))
    rng = np.random.default_rng(args.seed)
    shapes = [(224, 224), (180, 240), (97, 131), (33, 17)]
    print(f"SpatialPyramidPooling(levels={levels}) after a 2-layer conv stack (feature stride 4):")
    for h, w in shapes:
        image = rng.uniform(0, 255, size=(1, h, w, 3)).astype("float32")
        vector = model.predict(image, verbose=0)
        print(f"  image {h:>3}x{w:<3} -> conv map {-(-h // 4)}x{-(-w // 4)}x32 -> vector {vector.shape[1:]}")
    padded = np.zeros((len(shapes), 224, 240, 3), "float32")
    cell_sizes = []
    for i, (h, w) in enumerate(shapes):
        padded[i, :h, :w] = rng.uniform(0, 255, size=(h, w, 3))
        cell_sizes.append((-(-h // 4), -(-w // 4)))
    feature = keras.Model(images, x)(padded)
    batch = SpatialPyramidPooling(levels)(feature, sizes=tf.constant(cell_sizes, tf.int32))
    print(f"  padded batch of {len(shapes)} different sizes -> {tuple(batch.shape)} in one call")
    return 0
