"""LRN speed: the band-matmul window sum against the shifted-slices one it replaced, training and TFLite.

`zoo.layers.LocalResponseNormalization` sums each channel's window of squares with one matmul by a 0/1 band
matrix. Before, it padded the channels and added `size` shifted channel slices: strided copies along the
innermost axis, which (with their gradients) took about half of a ZF-5 training step on CPU. Both compute
the same function (the tests check the layer against Caffe's formula and TF's own LRN and LRNGrad kernels);
this script times them in one process, taking turns round after round:

- the training step `keras-spp train` runs (`training.steps.ClassifierSteps`, AdamW, default strategy) of
  a classifier with either formulation (ZF-5 and Convnet*-5 have two LRN layers; Overfeat has none);
- TFLite inference (ai-edge-litert, XNNPACK) of its backbone, one image, either formulation.

    .venv/bin/python benchmarks/lrn_speed.py --sizes 128,224 --rounds 3
"""

import argparse
import os
import statistics
import sys
import time
from unittest import mock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from training.steps import ClassifierSteps  # noqa: E402
from zoo.layers import local_response_normalization as lrn_module  # noqa: E402
from zoo.loading import backbone_of  # noqa: E402


def shifted_slices_sum(x, half):
    """The previous window sum: pad the channels by `half` each side, add the 2 * half + 1 shifted slices."""
    channels = x.shape[-1]
    padded = tf.pad(x, [[0, 0]] * (x.shape.rank - 1) + [[half, half]])
    total = padded[..., :channels]
    for shift in range(1, 2 * half + 1):
        total = total + padded[..., shift : shift + channels]
    return total


FORMULATIONS = {"shifted slices (before)": shifted_slices_sum, "band matmul (now)": lrn_module.channel_window_sum}


def use_window_sum(layer, window_sum):
    """Makes this layer instance trace with `window_sum` (whenever a graph traces it, at any size)."""
    call = layer.call

    def patched(inputs):
        with mock.patch.object(lrn_module, "channel_window_sum", window_sum):
            return call(inputs)

    layer.call = patched


def build(model, args, window_sum):
    keras.utils.set_random_seed(0)
    classifier = zoo.load(model, num_classes=args.num_classes, fc_units=args.fc_units)
    backbone = backbone_of(classifier)
    lrn_layers = [layer for layer in backbone.layers if isinstance(layer, lrn_module.LocalResponseNormalization)]
    if not lrn_layers:
        raise SystemExit(f"{model} has no LRN layer")
    for layer in lrn_layers:
        use_window_sum(layer, window_sum)
    optimizer = keras.optimizers.AdamW(1e-4)
    optimizer.build(classifier.trainable_variables)
    steps = ClassifierSteps(tf.distribute.get_strategy(), classifier, classifier, optimizer, args.batch_size)
    return steps, {size: tflite_interpreter(backbone, size) for size in args.tflite_sizes}


def batch_of(args, size):
    rng = np.random.default_rng(size)
    images = tf.constant(rng.uniform(0, 255, (args.batch_size, size, size, 3)).astype("float32"))
    return images, tf.constant(rng.integers(0, args.num_classes, args.batch_size).astype("int32"))


def tflite_interpreter(backbone, size):
    from ai_edge_litert.interpreter import Interpreter

    fn = tf.function(backbone, input_signature=[tf.TensorSpec((1, size, size, 3), tf.float32)])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], backbone)
    interpreter = Interpreter(model_content=converter.convert())
    interpreter.allocate_tensors()
    return interpreter


def time_train(steps, batch, count):
    start = time.perf_counter()
    for _ in range(count):
        [float(v) for v in steps.train(batch)]
    return (time.perf_counter() - start) / count


def time_tflite(interpreter, count):
    index = interpreter.get_input_details()[0]["index"]
    image = np.random.default_rng(0).uniform(0, 255, interpreter.get_input_details()[0]["shape"]).astype("float32")
    interpreter.set_tensor(index, image)
    start = time.perf_counter()
    for _ in range(count):
        interpreter.invoke()
    return (time.perf_counter() - start) / count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="zf5_spp")
    parser.add_argument("--sizes", default="128,224", help="training sizes")
    parser.add_argument("--tflite-sizes", default="224,480")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--num-classes", type=int, default=10)
    parser.add_argument("--fc-units", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3, help="timed training steps a formulation a round")
    parser.add_argument("--calls", type=int, default=10, help="timed TFLite calls a formulation a round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.tflite_sizes = [int(s) for s in args.tflite_sizes.split(",")]

    built = {name: build(args.model, args, fn) for name, fn in FORMULATIONS.items()}
    batches = {size: batch_of(args, size) for size in args.sizes}
    rows = {}  # (what, size) -> {formulation: [seconds per round]}
    for steps, _ in built.values():  # warm-up: one step a size
        for size in args.sizes:
            time_train(steps, batches[size], 1)
    for _ in range(args.rounds):
        for name, (steps, interpreters) in built.items():
            for size in args.sizes:
                rows.setdefault(("train step", size), {}).setdefault(name, []).append(
                    time_train(steps, batches[size], args.steps)
                )
            for size, interpreter in interpreters.items():
                rows.setdefault(("TFLite backbone", size), {}).setdefault(name, []).append(
                    time_tflite(interpreter, args.calls)
                )

    before, now = FORMULATIONS
    print(
        f"LRN window sum, {args.model} (fc {args.fc_units}, {args.num_classes} classes), TF {tf.__version__}, "
        f"{os.cpu_count()} CPUs; {args.rounds} rounds taking turns, median round"
    )
    print(
        f"train step: batch {args.batch_size}, AdamW, {args.steps} steps a round; TFLite: 1 image, {args.calls} calls"
    )
    print(f"{'':24} {'before ms':>10} {'now ms':>10} {'speed-up':>9}")
    for (what, size), times in rows.items():
        old, new = (statistics.median(times[name]) * 1000 for name in (before, now))
        print(f"{what + f' {size}x{size}':24} {old:>10.1f} {new:>10.1f} {old / new:>8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
