"""`keras-spp demo`: one SPP network classifies photos at their own sizes, alone and as one padded batch.

Each photo is classified as stored (any width and height) and at the preset's recommended shorter side,
beside its true label when its file name starts with a category (`garbage_truck_wide.jpg`): the misses
show as they are.
"""

import pathlib

import numpy as np

from keras_spp.export.image_decoding import IMAGE_EXTENSIONS

# The sample photos: training/samples/ in an installed wheel (package data), samples/ in a checkout.
_ROOTS = pathlib.Path(__file__).resolve().parents
SAMPLES = next((p for p in (_ROOTS[1] / "samples", _ROOTS[2] / "samples") if p.is_dir()), _ROOTS[2] / "samples")


def add_arguments(parser):
    parser.add_argument("--model", default="zf5_spp.imagenette", help="a zoo preset")
    parser.add_argument("--images", default=str(SAMPLES), help="folder of JPEG/PNG photos (default: samples/)")
    parser.add_argument("--top", type=int, default=1, help="classes shown per photo")


def true_label(stem, categories):
    """The category a file name starts with (`English_springer_wide` -> 'English springer'), else '?'."""
    name = stem.lower().replace("_", " ").replace("-", " ")
    matches = [c for c in categories if name == c.lower() or name.startswith(c.lower() + " ")]
    return max(matches, key=len) if matches else "?"


def run(args):
    import keras

    import zoo
    from zoo.predictions import recommended_shorter_side

    model = zoo.load(args.model)
    categories = zoo.get_metadata(args.model)["categories"]
    folder = pathlib.Path(args.images)
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS) if folder.is_dir() else []
    if not paths:
        raise FileNotFoundError(f"No {'/'.join(IMAGE_EXTENSIONS)} files in {args.images}")
    spp = keras.Model(model.inputs, model.get_layer("spp").output)
    side = recommended_shorter_side(model)
    print(f"{args.model}: {model.count_params():,} parameters; input (None, None, 3), raw RGB 0..255")
    print(f"SPP levels {model.get_layer('spp').levels}: every photo pools to {spp.output.shape[-1]} features\n")

    columns = ("as stored", f"shorter side {side}")
    print(f"{'photo':<24}{'size':>9}  {'true label':<18}" + "".join(f"{c:<30}" for c in columns))
    images, right, alone = [], [0, 0], []
    for path in paths:
        truth = true_label(path.stem, categories)
        cells = []
        for column, shorter_side in enumerate((None, side)):
            image, (height, width) = zoo.load_image(path, shorter_side)
            probabilities = model.predict(image[None], verbose=0)
            best = zoo.decode_predictions(probabilities, top=args.top, categories=categories)[0]
            hit = best[0][1] == truth
            right[column] += hit
            mark = "" if truth == "?" else (" ok" if hit else " MISS")
            cells.append(", ".join(f"{name} {score:.2f}" for _, name, score in best) + mark)
            if shorter_side is None:
                images.append(image)
                alone.append(probabilities[0])
        print(f"{path.stem:<24}{f'{width}x{height}':>9}  {truth:<18}" + "".join(f"{c:<30}" for c in cells))
    print(f"\ntop-1 right: {right[0]}/{len(paths)} as stored, {right[1]}/{len(paths)} at shorter side {side}")

    sizes = np.array([image.shape[:2] for image in images], np.int32)
    padded = np.zeros((len(images), *sizes.max(axis=0), 3), np.float32)
    for i, image in enumerate(images):
        padded[i, : image.shape[0], : image.shape[1]] = image
    together = zoo.padded_model(model).predict({"images": padded, "image_sizes": sizes}, verbose=0)
    gap = float(np.abs(together - np.stack(alone)).max())
    print(f"All {len(images)} photos as stored, as ONE padded batch: largest difference from one-by-one {gap:.1e}")
    return 0
