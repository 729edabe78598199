"""`keras-spp demo`: one SPP network classifies photos at any size, alone or as one padded batch."""

import pathlib

import numpy as np

from keras_spp.export.image_decoding import IMAGE_EXTENSIONS

SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "samples"
SIZES = ((224, 224), (160, 256), (288, 200))  # (height, width): the photo as shipped, then stretched two ways


def add_arguments(parser):
    parser.add_argument("--model", default="zf5_spp.imagenette", help="a zoo preset (default zf5_spp.imagenette)")
    parser.add_argument("--images", default=str(SAMPLES), help="folder of JPEG/PNG photos (default samples/)")
    parser.add_argument("--top", type=int, default=1, help="classes shown per image")


def run(args):
    import keras
    import tensorflow as tf

    import zoo

    model = zoo.load(args.model)
    categories = zoo.get_metadata(args.model)["categories"]
    folder = pathlib.Path(args.images)
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS) if folder.is_dir() else []
    if not paths:
        raise FileNotFoundError(f"No {'/'.join(IMAGE_EXTENSIONS)} files in {args.images}")
    spp = keras.Model(model.inputs, model.get_layer("spp").output)
    print(f"{args.model}: {model.count_params():,} parameters; input (None, None, 3), raw RGB 0..255")
    print(f"SPP levels {model.get_layer('spp').levels}: every size below pools to {spp.output.shape[-1]} features\n")

    batch, sizes, alone = [], [], []
    header = "".join(f"{f'{h}x{w}':>26}" for h, w in SIZES)
    print(f"{'photo':<16}{header}")
    for path in paths:
        image = tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
        cells = []
        for h, w in SIZES:
            resized = tf.image.resize(tf.cast(image, tf.float32), (h, w), antialias=True).numpy()
            probabilities = model.predict(resized[None], verbose=0)
            best = zoo.decode_predictions(probabilities, top=args.top, categories=categories)[0]
            cells.append(", ".join(f"{name} {score:.2f}" for _, name, score in best))
            batch.append(resized)
            sizes.append((h, w))
            alone.append(probabilities[0])
        print(f"{path.stem:<16}" + "".join(f"{cell:>26}" for cell in cells))

    padded = np.zeros((len(batch), max(h for h, _ in sizes), max(w for _, w in sizes), 3), np.float32)
    for i, image in enumerate(batch):
        padded[i, : image.shape[0], : image.shape[1]] = image
    together = zoo.padded_model(model).predict({"images": padded, "image_sizes": np.array(sizes, np.int32)}, verbose=0)
    gap = float(np.abs(together - np.stack(alone)).max())
    print(f"\nAll {len(batch)} images as ONE padded batch of mixed sizes: largest difference from one-by-one {gap:.1e}")
    return 0
