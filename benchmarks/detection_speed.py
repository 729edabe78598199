"""Speed claims of SPP-net's detection core (issue 12), as ratios measured in one run.

Usage: .venv/bin/python benchmarks/detection_speed.py [--image ../shared/data/fruits/test/mixed_23.jpg]
           [--windows 2000] [--rcnn-sample 64] [--repeats 5] [--weights zf5_spp.imagenette] [--pooling-only]

1. Conv stage, same ZF-5 backbone, same windows: SPP-net runs the conv layers once on the whole image
   (shorter side 688, or the five scales 480..1200) against R-CNN style (crop each window, warp it to
   224x224, run the conv layers on batches of crops). R-CNN is timed on a sample of windows and scaled
   up to all of them (the script says so). Goals: >= 100x at 1 scale, >= 20x at 5 scales. The FLOP
   ratio of the two is printed beside it.
2. Region pooling of the windows on the 688-scale conv5 map (`--pooling-only`: this table alone), with
   `jit_compile=True` (one XLA kernel) and on TensorFlow's kernels (the TFLite path): against a copy of
   the same output bytes (goal: within 3x) and against a per-window loop of SpatialPyramidPooling on each
   crop (goal: >= 10x; timed on a sample of windows and scaled up).

3. Whole detector per image without proposals (issue 13, `--detector`, default the `sppnet_zf5.fruits`
   preset): SPP-net (conv once at 688, pooling, fc head, NMS) against the R-CNN-style pipeline on the same
   backbone and head (conv on each warped window, scaled up from the sample as in 1; its pyramid on each
   crop's 13x13 map is left out, which favours R-CNN), goal >= 10x; and each stage's share of the SPP-net
   time with selective search included.

Every timed graph is traced before timing; the tables show medians.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from keras_spp.ops import project_boxes, region_pyramid_pool, spatial_pyramid_pool  # noqa: E402
from zoo import geometry  # noqa: E402
from zoo.detection import SCALES, SINGLE_SCALE, FeatureExtractor, best_scales, read_image, selective_search  # noqa: E402

DEFAULT_IMAGE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "fruits", "test", "mixed_23.jpg")
LEVELS = (6, 3, 2, 1)
RCNN_SIDE = 224


def median_seconds(fn, repeats):
    """Median wall time of `fn()` (its result converted to NumPy, so the work has finished), after one call."""
    return interleaved_medians({"fn": fn}, repeats)["fn"]


def interleaved_medians(fns, repeats):
    """Median wall time of each `fns[name]()`, timed in turns (a load that comes and goes hits all alike)."""
    for fn in fns.values():
        _wait(fn())
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            _wait(fn())
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def _wait(result):
    for value in tf.nest.flatten(result):
        np.asarray(value)


def proposal_windows(image, count, seed=0):
    """`count` pixel boxes: selective search (fast, longer side 500), topped up with random boxes if short.

    Returns `(boxes (count, 4) float, number that came from selective search)`.
    """
    boxes = selective_search(image, mode="fast", max_side=500, top_n=count)
    found = len(boxes)
    if found < count:
        height, width = image.shape[:2]
        rng = np.random.default_rng(seed)
        sides = np.exp(rng.uniform(np.log(16), np.log(min(height, width)), size=(count - found, 2)))
        x0 = rng.uniform(0, width - sides[:, 0])
        y0 = rng.uniform(0, height - sides[:, 1])
        extra = np.stack([x0, y0, x0 + sides[:, 0] - 1, y0 + sides[:, 1] - 1], axis=1)
        boxes = np.concatenate([boxes, extra.astype(np.float32)])
    return boxes.astype(np.float64), found


def conv_flops(backbone, height, width):
    """Multiply-adds x 2 of the backbone's conv layers on one `height x width` image."""
    flops = 0
    for layer, window in geometry.backbone_windows(backbone):
        if window is None:
            continue
        out_h, out_w = int(window.output_size(height, 0)), int(window.output_size(width, 1))
        if isinstance(layer, keras.layers.Conv2D):
            kernel = np.prod(window.kernel_size) * layer.kernel.shape[2] * layer.filters
            flops += 2 * out_h * out_w * kernel
        height, width = out_h, out_w
    return flops


def time_spp_conv(extractor, image, scales, repeats):
    """Seconds to run the backbone on `image` once per scale (the SPP-net conv stage)."""
    return median_seconds(lambda: [extractor.conv_features(image, s)[0] for s in scales], repeats)


def time_spp_pooling(extractor, image, boxes, repeats):
    """Seconds to pool every box at its best scale, given the conv5 maps (computed once, outside)."""
    maps = {i: extractor.conv_features(image, s) for i, s in enumerate(extractor.scales)}
    ids = best_scales(boxes, image.shape[:2], extractor.scales, extractor.standard_side)
    height, width = image.shape[:2]
    jobs = []
    for index, (conv5, (h, w)) in maps.items():
        rows = np.flatnonzero(ids == index)
        if len(rows):
            factor = np.array([(w - 1) / (width - 1), (h - 1) / (height - 1)] * 2)
            windows = project_boxes(boxes[rows] * factor, extractor.stride, feature_size=conv5.shape[1:3])
            jobs.append((conv5, tf.constant(windows[np.newaxis])))
    return median_seconds(lambda: [extractor._pool(conv5, windows) for conv5, windows in jobs], repeats)


def time_rcnn_conv(backbone, image, boxes, sample, batch, repeats):
    """Seconds per window of R-CNN style conv features: crop, warp to 224x224, conv, in batches.

    Timed on the first `sample` windows (`repeats` times, median), so multiply by the window count.
    """
    conv = tf.function(
        lambda crops: backbone(crops, training=False), input_signature=[tf.TensorSpec((None, RCNN_SIDE, RCNN_SIDE, 3))]
    )
    height, width = image.shape[:2]
    pixels = tf.constant(image[np.newaxis], tf.float32)
    # crop_and_resize's normalized corners: pixel centres of the first and last pixel of each box
    scale = np.array([height - 1, width - 1, height - 1, width - 1], np.float64)
    normalized = (boxes[:, [1, 0, 3, 2]] / scale).astype(np.float32)

    def run():
        outputs = []
        for start in range(0, sample, batch):
            part = normalized[start : min(start + batch, sample)]
            crops = tf.image.crop_and_resize(pixels, part, tf.zeros(len(part), tf.int32), (RCNN_SIDE, RCNN_SIDE))
            outputs.append(conv(crops))
        return outputs

    return median_seconds(run, repeats) / sample


def time_pooling_against_copy_and_loop(conv5, windows, loop_sample, repeats):
    """Seconds `{"pool", "jit", "copy", "loop"}` for `windows` (R, 4) on `conv5` (1, H, W, C), pool/jit/copy in turns.

    copy: `DeepCopy` of a materialised tensor of the output's bytes into a new buffer, as the pooling writes.
    """
    channels = conv5.shape[-1]
    signature = [tf.TensorSpec((1, None, None, channels)), tf.TensorSpec((1, None, 4), tf.int32)]
    pool = tf.function(lambda x, w: region_pyramid_pool(x, w, LEVELS), input_signature=signature)
    jit = tf.function(lambda x, w: region_pyramid_pool(x, w, LEVELS, jit_compile=True), input_signature=signature)
    batch_windows = tf.constant(windows[np.newaxis].astype(np.int32))
    output = pool(conv5, batch_windows)
    if not np.array_equal(np.asarray(jit(conv5, batch_windows)), np.asarray(output)):
        raise AssertionError("jit_compile=True gave other numbers than TensorFlow's kernels")
    same_bytes = tf.ones_like(output)
    copy = tf.function(lambda x: tf.raw_ops.DeepCopy(x=x))
    seconds = interleaved_medians(
        {
            "pool": lambda: pool(conv5, batch_windows),
            "jit": lambda: jit(conv5, batch_windows),
            "copy": lambda: copy(same_bytes),
        },
        repeats,
    )

    def loop():  # what a user writes without region pooling: SPP on each crop, window by window
        crops = [conv5[:, y0 : y1 + 1, x0 : x1 + 1] for x0, y0, x1, y1 in windows[:loop_sample]]
        return [spatial_pyramid_pool(crop, LEVELS) for crop in crops]

    seconds["loop"] = median_seconds(loop, max(1, repeats // 2)) * len(windows) / loop_sample
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default=DEFAULT_IMAGE)
    parser.add_argument("--windows", type=int, default=2000)
    parser.add_argument("--rcnn-sample", type=int, default=64)
    parser.add_argument("--rcnn-batch", type=int, default=32)
    parser.add_argument("--loop-sample", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--weights", default="zf5_spp.imagenette", help="a zoo name for the backbone")
    parser.add_argument("--detector", default="sppnet_zf5.fruits", help="detector for the pipeline table")
    parser.add_argument("--pooling-repeats", type=int, default=15, help="turns of the region-pooling timing")
    parser.add_argument("--pooling-only", action="store_true", help="only the region-pooling table")
    args = parser.parse_args()

    image = read_image(args.image)
    backbone = zoo.backbone(args.weights)
    boxes, found = proposal_windows(image, args.windows)
    one = FeatureExtractor(backbone, scales=SINGLE_SCALE)
    five = FeatureExtractor(backbone, scales=SCALES)
    print(
        f"image {os.path.basename(args.image)} {image.shape[0]}x{image.shape[1]}, backbone {args.weights}, "
        f"{len(boxes)} windows ({found} from selective search fast/500, {len(boxes) - found} random boxes added), "
        f"TF {tf.__version__}, {os.cpu_count()} CPUs, medians of {args.repeats}"
    )

    pooling_table(args, one, image, boxes)
    if args.pooling_only:
        return
    spp1, pool1, rcnn = conv_table(args, backbone, one, five, image, boxes)
    detector = zoo.load(args.detector)
    pipeline_table(detector, image, boxes, spp1, pool1, rcnn, args.repeats)


def conv_table(args, backbone, one, five, image, boxes):
    """Prints the conv-stage table; returns `(spp1, pool1, rcnn)` seconds for the pipeline table."""
    spp1 = time_spp_conv(one, image, one.scales, args.repeats)
    spp5 = time_spp_conv(five, image, five.scales, args.repeats)
    pool1 = time_spp_pooling(one, image, boxes, args.repeats)
    pool5 = time_spp_pooling(five, image, boxes, args.repeats)
    rcnn_repeats = max(2, args.repeats // 2)
    rcnn_per_window = time_rcnn_conv(backbone, image, boxes, args.rcnn_sample, args.rcnn_batch, rcnn_repeats)
    rcnn = rcnn_per_window * len(boxes)
    size1 = one.conv_features(image, SINGLE_SCALE[0])[1]
    flops1 = conv_flops(backbone, *size1)
    flops5 = sum(conv_flops(backbone, *five.conv_features(image, s)[1]) for s in SCALES)
    flops_rcnn = conv_flops(backbone, RCNN_SIDE, RCNN_SIDE) * len(boxes)

    print(f"\nconv stage (R-CNN style timed on {args.rcnn_sample} windows, x{len(boxes) / args.rcnn_sample:.1f})")
    print(f"{'method':42} {'seconds':>9} {'speed-up':>9} {'FLOP ratio':>11}  goal")
    print(f"{'R-CNN: crop + warp 224 + conv, per window':42} {rcnn:9.2f} {1:9.1f}x {1:10.1f}x")
    print(
        f"{'SPP-net conv, 1 scale ' + 'x'.join(map(str, size1)):42} {spp1:9.3f} {rcnn / spp1:9.1f}x "
        f"{flops_rcnn / flops1:10.1f}x  >= 100x"
    )
    print(
        f"{'SPP-net conv, 5 scales 480..1200':42} {spp5:9.3f} {rcnn / spp5:9.1f}x {flops_rcnn / flops5:10.1f}x  >= 20x"
    )
    print(f"{'SPP-net conv + pooling, 1 scale':42} {spp1 + pool1:9.3f} {rcnn / (spp1 + pool1):9.1f}x")
    print(f"{'SPP-net conv + pooling, 5 scales':42} {spp5 + pool5:9.3f} {rcnn / (spp5 + pool5):9.1f}x")

    return spp1, pool1, rcnn


def pooling_table(args, one, image, boxes):
    """Prints the region-pooling table: the 688-scale map, against a copy of the output and the loop."""
    conv5, (height, width) = one.conv_features(image, SINGLE_SCALE[0])
    factor = np.array([(width - 1) / (image.shape[1] - 1), (height - 1) / (image.shape[0] - 1)] * 2)
    windows = project_boxes(boxes * factor, one.stride, feature_size=conv5.shape[1:3])
    seconds = time_pooling_against_copy_and_loop(conv5, windows, args.loop_sample, args.pooling_repeats)
    megabytes = len(windows) * conv5.shape[-1] * sum(n * n for n in LEVELS) * 4 / 1e6
    print(
        f"\nregion pooling: {len(windows)} windows on the {conv5.shape[1]}x{conv5.shape[2]}x{conv5.shape[3]} "
        f"688-scale map -> {megabytes:.0f} MB (medians of {args.pooling_repeats} in turns; loop timed on "
        f"{args.loop_sample} windows, scaled up)"
    )
    rows = [
        ("copy of the output bytes", "copy", ""),
        ("RegionPyramidPooling, jit_compile=True", "jit", "  <= 3x"),
        ("RegionPyramidPooling, TF kernels (TFLite)", "pool", ""),
        (
            "per-window SpatialPyramidPooling loop",
            "loop",
            f"  {seconds['loop'] / seconds['pool']:.0f}x TF kernels, >= 10x",
        ),
    ]
    print(f"{'method':42} {'ms':>9} {'vs copy':>9}  goal")
    for label, key, goal in rows:
        print(f"{label:42} {seconds[key] * 1e3:9.1f} {seconds[key] / seconds['copy']:9.2f}x{goal}")


def pipeline_table(detector, image, boxes, conv_s, pool_s, rcnn_conv_s, repeats):
    """Prints the whole pipeline per image (without proposals) against R-CNN style, and the stage shares."""
    from zoo.detection.box_coding import FAST_RCNN_VARIANCE
    from zoo.detection.postprocess import postprocess_detections

    features = detector.extractor(image, boxes)
    head_out = detector._head(tf.constant(features))
    fc_s = median_seconds(lambda: detector._head(tf.constant(features)), repeats)
    nms = tf.function(
        lambda s, d, b: postprocess_detections(s, d, b, image.shape[:2], min_score=0.05, variance=FAST_RCNN_VARIANCE)
    )
    box_tensor = tf.constant(boxes, tf.float32)
    nms_s = median_seconds(lambda: nms(head_out["scores"], head_out["deltas"], box_tensor), repeats)
    proposals_s = median_seconds(lambda: selective_search(image, mode="fast", max_side=500), max(2, repeats // 2))
    spp = conv_s + pool_s + fc_s + nms_s
    rcnn = rcnn_conv_s + fc_s + nms_s
    print(f"\nwhole detector per image, {len(boxes)} windows, without proposals ({detector.config['backbone']})")
    print(f"{'method':42} {'seconds':>9} {'speed-up':>9}  goal")
    print(f"{'R-CNN style: warped-window conv + fc + NMS':42} {rcnn:9.2f} {1:9.1f}x")
    print(f"{'SPP-net 1 scale: conv + pooling + fc + NMS':42} {spp:9.3f} {rcnn / spp:9.1f}x  >= 10x")
    total = spp + proposals_s
    print(f"\nSPP-net time shares per image, proposals included ({total:.3f} s)")
    for name, seconds in (
        ("proposals (selective search fast/500)", proposals_s),
        ("conv (1 scale)", conv_s),
        ("region pooling", pool_s),
        ("fc head", fc_s),
        ("NMS + decoding", nms_s),
    ):
        print(f"{name:42} {seconds:9.3f} {100 * seconds / total:8.1f}%")


if __name__ == "__main__":
    main()
