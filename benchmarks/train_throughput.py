"""Training throughput: zf5_spp against zf5 (fixed 6x6 pool + Flatten), and the input pipeline alone.

Claims (issue 4): at 224x224, batch 32, the SPP model trains within 5% of the Flatten model's images/s,
and the input pipeline (read, decode, resize, random crop, flip, colour jitter) alone runs at >= 3x the
model's rate. Both models take turns, round after round, in one process, through the same training step
`keras-spp train` uses (`training.steps.ClassifierSteps`, default strategy) on a fixed in-memory batch; the
median round counts. The pipeline is `training.data.train_dataset` over a folder (Imagenette when present,
else generated JPEGs).

    .venv/bin/python benchmarks/train_throughput.py --steps 4 --rounds 3
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from training.data import folder_split, train_dataset  # noqa: E402
from training.steps import ClassifierSteps  # noqa: E402

DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "imagenette")


def model_steps(name, args):
    keras.utils.set_random_seed(0)
    model = zoo.load(name, num_classes=args.num_classes, fc_units=args.fc_units)
    optimizer = keras.optimizers.SGD(0.001, momentum=0.9)
    optimizer.build(model.trainable_variables)
    return ClassifierSteps(tf.distribute.get_strategy(), model, model, optimizer, args.batch_size)


def time_steps(steps, batch, count):
    start = time.perf_counter()
    for _ in range(count):
        [float(v) for v in steps.train(batch)]  # waits for the step
    return count * int(batch[1].shape[0]) / (time.perf_counter() - start)


def generated_folder(root, count=256):
    rng = np.random.default_rng(0)
    for i in range(count):
        folder = os.path.join(root, "train", f"c{i % 4}")
        os.makedirs(folder, exist_ok=True)
        image = rng.integers(0, 255, size=(256, 320, 3), dtype=np.uint8)
        tf.io.write_file(os.path.join(folder, f"{i}.jpg"), tf.io.encode_jpeg(image))
    return root


def pipeline_rate(data, args):
    train = folder_split(data, "train", check_images=False)
    dataset = train_dataset(train, sizes=[args.size], steps_per_epoch=10**6, per_replica_batch=args.batch_size)
    iterator = iter(dataset)
    for _ in range(2):
        next(iterator)
    count = args.pipeline_batches
    start = time.perf_counter()
    for _ in range(count):
        next(iterator)
    return count * args.batch_size / (time.perf_counter() - start), train.num_examples


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=DEFAULT_DATA, help="image folder (<split>/<class>/*.jpg); generated if absent"
    )
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--num-classes", type=int, default=10)
    parser.add_argument("--fc-units", type=int, default=4096, help="paper: 4096")
    parser.add_argument("--steps", type=int, default=4, help="timed steps a model a round")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pipeline-batches", type=int, default=20)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(0, 255, (args.batch_size, args.size, args.size, 3)).astype("float32"))
    labels = tf.constant(rng.integers(0, args.num_classes, args.batch_size).astype("int32"))
    batch = (images, labels)
    names = ("zf5", "zf5_spp")
    steps = {name: model_steps(name, args) for name in names}
    params = {name: steps[name].model.count_params() for name in names}
    for name in names:
        time_steps(steps[name], batch, args.warmup)
    rates = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            rates[name].append(time_steps(steps[name], batch, args.steps))
    median = {name: statistics.median(rates[name]) for name in names}

    data = args.data
    with tempfile.TemporaryDirectory() as tmp:
        if not os.path.isdir(os.path.join(data, "train")):
            data = generated_folder(tmp)
        pipeline, examples = pipeline_rate(data, args)

    print(
        f"keras-spp training throughput: {args.size}x{args.size}, batch {args.batch_size}, fc {args.fc_units}, "
        f"{args.num_classes} classes, TF {tf.__version__}, {os.cpu_count()} CPUs, "
        f"{len(tf.config.list_logical_devices('GPU'))} GPUs"
    )
    print(f"models: {args.rounds} rounds x {args.steps} steps after {args.warmup} warm-up, taking turns; median round")
    source = os.path.abspath(data) if data == args.data else "generated JPEGs"
    print(f"pipeline: {args.pipeline_batches} batches from {source} ({examples} images)")
    print(f"{'':34} {'params':>12} {'images/s':>10} {'rounds':>24} {'ratio':>7}")
    base = median["zf5"]
    for name, label in (("zf5", "zf5 (6x6 pool + Flatten) train"), ("zf5_spp", "zf5_spp (SPP 6,3,2,1) train")):
        spread = ", ".join(f"{r:.1f}" for r in rates[name])
        print(f"{label:34} {params[name]:>12,} {median[name]:>10.1f} {spread:>24} {median[name] / base:>6.2f}x")
    slowest = min(median.values())
    print(
        f"{'input pipeline alone':34} {'':>12} {pipeline:>10.1f} {'':>24} {pipeline / slowest:>6.2f}x "
        "(vs the slower model)"
    )
    print(
        f"zf5_spp / zf5: {median['zf5_spp'] / base:.3f} (goal >= 0.95); "
        f"pipeline / model: {pipeline / slowest:.1f}x (goal >= 3x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
