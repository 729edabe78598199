"""Generated image folders and helpers for the training tests: tiny images, tiny zoo models, no network."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLASSES = ("blue", "green", "red")
TINY = ["--model", "zf5_spp", "--fc-units", "16", "--verbose", "0"]


def write_image_folder(root, per_class=(8, 4), sizes=(64, 100), seed=0, corrupt=0, png_every=0):
    """root/{train,val}/{blue,green,red}/*.jpg: noisy images whose dominant colour is the class."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for split, count in zip(("train", "val"), per_class):
        for label, name in enumerate(CLASSES):
            folder = os.path.join(root, split, name)
            os.makedirs(folder, exist_ok=True)
            for i in range(count):
                h, w = (int(v) for v in rng.integers(sizes[0], sizes[1] + 1, size=2))
                image = rng.integers(0, 90, size=(h, w, 3))
                image[..., 2 - label] += 150
                image = image.astype(np.uint8)
                if png_every and i % png_every == 0:  # PNG data behind a .jpg name, as in the wild
                    data = tf.io.encode_png(image)
                else:
                    data = tf.io.encode_jpeg(image, quality=90)
                tf.io.write_file(os.path.join(folder, f"{i}.jpg"), data)
    for i in range(corrupt):
        with open(os.path.join(root, "train", CLASSES[0], f"corrupt_{i}.jpg"), "wb") as f:
            f.write(b"\xff\xd8\xff\xe0 this is not a JPEG")
    return str(root)


@pytest.fixture(scope="session")
def image_folder(tmp_path_factory):
    return write_image_folder(tmp_path_factory.mktemp("images"), png_every=3)


def train_in_process(argv):
    """Runs `keras-spp train` in this process; returns its final state dict (raises on usage errors)."""
    import argparse

    from training.commands import train

    parser = argparse.ArgumentParser()
    train.add_arguments(parser)
    return train.train_from_args(parser.parse_args([str(a) for a in argv]))


def cli_subprocess(argv, env=None, timeout=240):
    """Runs `python -m training.cli ARGV` in a fresh process (one CPU device); returns CompletedProcess."""
    full_env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "training.cli", *[str(a) for a in argv]],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def load_checkpoint_arrays(out):
    """(model arrays, state) of a run folder's checkpoint."""
    with np.load(os.path.join(out, "checkpoints", "ckpt.npz"), allow_pickle=False) as data:
        state = json.loads(bytes(data["state"]).decode())
        arrays = [data[f"model/{i}"] for i in range(len(state["model_variables"]))]
    return arrays, state


def mirrored_argv(image_folder, out):
    """`keras-spp train` arguments of the shared MirroredStrategy run (multi-size, AdamW)."""
    sizes = ["--sizes", "64,48", "--epochs", "4", "--batch-size", "8", "--steps-per-epoch", "4"]
    optimizer = ["--optimizer", "adamw", "--lr", "3e-4", "--weight-decay", "0"]
    return TINY + ["--data", image_folder, "--strategy", "mirrored"] + sizes + optimizer + ["--out", str(out)]


@pytest.fixture(scope="session")
def mirrored_run(image_folder, tmp_path_factory):
    """One multi-size run under MirroredStrategy on the 2 logical CPUs, shared by the tests that read it."""
    out = tmp_path_factory.mktemp("mirrored") / "run"
    state = train_in_process(mirrored_argv(image_folder, out))
    return out, state


def colour_classifier():
    """Mean colour -> class: (model, its padded twin). Class c is the image whose channel 2 - c dominates."""
    import keras

    from keras_spp.layers import SpatialPyramidPooling

    weights = np.eye(3, dtype="float32")[:, ::-1] * 0.1  # blue -> 0, green -> 1, red -> 2
    head = keras.layers.Dense(3, activation="softmax", name="head")
    pool = SpatialPyramidPooling((1,), pooling="avg")
    images = keras.Input((None, None, 3), name="images")
    model = keras.Model(images, head(pool(images)))
    head.set_weights([weights, np.zeros(3, "float32")])
    padded_images = keras.Input((None, None, 3), name="images")
    sizes = keras.Input((2,), dtype="int32", name="image_sizes")
    padded = keras.Model({"images": padded_images, "image_sizes": sizes}, head(pool(padded_images, sizes=sizes)))
    return model, padded


@pytest.fixture(scope="module")
def colour_split(tmp_path_factory):
    from training.data import open_splits

    root = write_image_folder(tmp_path_factory.mktemp("colours"), per_class=(1, 5), sizes=(50, 120), seed=5)
    return open_splits(root)[1]
