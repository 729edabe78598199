"""Latency of the exported artefacts against Keras, and SavedModel throughput under 8 threads.

Claim (issue 5): the TFLite float file runs within 1.5x of the SavedModel's latency, at 224 and at 480;
the loaded SavedModel serves concurrent calls. Issue 10: the input checks of `serving_default` (shape,
sides, finite pixels) cost little: its latency against a bare endpoint that only calls the model.
Everything is measured in one run on this machine:
p50/p99 latency of one image for Keras `predict`, the loaded SavedModel's `serving_default` and the
LiteRT interpreter, the TFLite/SavedModel ratio, and images/s of 8 threads vs 1 thread on one loaded
SavedModel (mixed sizes).

    python benchmarks/export_latency.py                       # zf5_spp, 10 classes, fc 1024
    python benchmarks/export_latency.py --model convnet5_spp --runs 50
"""

import argparse
import os
import sys
import tempfile
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # zoo/ from a checkout

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from keras_spp.export import TFLiteClassifier, export_saved_model, export_tflite  # noqa: E402


def percentiles(backends, image, runs, warmup=3):
    """p50 and p99 latency (ms) of each backend on `image`; backends take turns so load drift hits all."""
    times = {name: [] for name in backends}
    for run in range(warmup + runs):
        for name, fn in backends.items():
            start = time.perf_counter()
            fn(image)
            if run >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: (np.percentile(t, 50) * 1e3, np.percentile(t, 99) * 1e3) for name, t in times.items()}


def bare_endpoint(model, path):
    """A SavedModel whose one signature only calls `model` (no input checks, no top-k): the baseline of the
    checks' cost."""
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serving_default",
        lambda images: {"probabilities": model(images, training=False)},
        input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32, name="images")],
    )
    archive.write_out(path, verbose=False)
    return tf.saved_model.load(path).signatures["serving_default"]


def throughput(serve, images, threads, calls_per_thread):
    """Images per second when `threads` threads each make `calls_per_thread` calls (one image each)."""
    errors = []

    def worker(offset):
        try:
            for i in range(calls_per_thread):
                serve(images[(offset + i) % len(images)])
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return threads * calls_per_thread / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="zf5_spp")
    parser.add_argument("--num-classes", type=int, default=10)
    parser.add_argument("--fc-units", type=int, default=1024)
    parser.add_argument("--sizes", default="224,480")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--calls", type=int, default=25, help="calls per thread in the throughput test (8 x 25)")
    args = parser.parse_args()

    model = zoo.load(args.model, num_classes=args.num_classes, fc_units=args.fc_units)
    with tempfile.TemporaryDirectory() as tmp:
        path = export_saved_model(model, tmp, padded_model=zoo.padded_model(model), max_side=1024)
        serving = tf.saved_model.load(path).signatures["serving_default"]
        bare = bare_endpoint(model, os.path.join(tmp, "bare"))
        lite_path = export_tflite(model, os.path.join(tmp, "model.tflite"))["path"]
        lite = TFLiteClassifier(lite_path, num_threads=os.cpu_count())

        rng = np.random.default_rng(0)
        backends = {
            "keras predict": lambda x: model.predict(x, verbose=0),
            "SavedModel": lambda x: serving(images=tf.constant(x))["probabilities"].numpy(),
            "SavedModel bare": lambda x: bare(images=tf.constant(x))["probabilities"].numpy(),
            "TFLite float": lite,
        }
        print(
            f"{args.model} (num_classes={args.num_classes}, fc_units={args.fc_units}), {os.cpu_count()} CPUs, "
            f"TF {tf.__version__}, {args.runs} runs after 3 warm-up, one image per call, backends in turn"
        )
        print(f"{'size':>9} {'backend':<14} {'p50 ms':>8} {'p99 ms':>8}")
        ratios, checks = {}, {}
        for side in (int(s) for s in args.sizes.split(",")):
            image = rng.uniform(0, 255, (1, side, side, 3)).astype("float32")
            latency = percentiles(backends, image, args.runs)
            for name, (p50, p99) in latency.items():
                print(f"{side:>4}x{side:<4} {name:<14} {p50:8.1f} {p99:8.1f}")
            ratios[side] = latency["TFLite float"][0] / latency["SavedModel"][0]
            checks[side] = latency["SavedModel"][0] / latency["SavedModel bare"][0]
        for side, ratio in ratios.items():
            print(f"TFLite / SavedModel p50 at {side}: {ratio:.2f}x (goal <= 1.5x)")
        for side, ratio in checks.items():
            print(f"serving_default (input checks, top-k) / bare model endpoint p50 at {side}: {ratio:.3f}x")

        shapes = [(224, 224), (180, 240), (256, 200), (224, 300)]
        images = [rng.uniform(0, 255, (1, h, w, 3)).astype("float32") for h, w in shapes]
        serve = backends["SavedModel"]
        for image in images:
            serve(image)
        one = throughput(serve, images, 1, args.calls * 2)
        eight = throughput(serve, images, 8, args.calls)
        print(
            f"SavedModel throughput, mixed sizes ~224: 1 thread {one:.1f} img/s, 8 threads {eight:.1f} img/s, "
            f"ratio {eight / one:.2f}x"
        )


if __name__ == "__main__":
    main()
