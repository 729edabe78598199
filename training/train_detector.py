"""Fine-tunes SPP-net's detector head on a VOC-format set (paper §4.1): conv layers frozen, conv5 maps cached
once per image, scale and flip, mini-batches of 128 windows (25% foreground) from 2 images, SGD with momentum.

A run folder holds `detector.json` + `detector.weights.h5` (loadable with `zoo.detection.loading.load_detector`
after every epoch), `checkpoints/ckpt.npz` (resumed when the settings match), `run.json`, `metrics.csv` and
`curves.png`.
"""

import dataclasses
import json
import os
import time

import numpy as np

from training.checkpoint import checkpoint_path, read_state, restore_checkpoint, save_checkpoint
from training.data.detection_cache import backbone_hash, pooled_features, prepare_image
from training.data.holdout import parse_holdout, voc_splits
from training.detection_metrics import evaluate_detections
from training.detector_parts import build_parts
from training.files import atomic_write_text
from training.run_record import command_line, environment, git_commit, write_metrics_csv


@dataclasses.dataclass
class DetectorTrainConfig:
    """Settings of `train_detector` (the `keras-spp train-detector` flags)."""

    backbone: str
    data: str
    out: str
    backbone_file: str = None
    train_split: str = "train"
    val_split: str = None
    scales: tuple = (688,)
    epochs: int = 12
    lr: float = 0.001
    momentum: float = 0.9
    weight_decay: float = 5e-4
    batch_windows: int = 128
    images_per_batch: int = 2
    fg_fraction: float = 0.25
    dropout: float = 0.5
    flip: bool = True
    proposals: dict = dataclasses.field(default_factory=lambda: {"mode": "fast", "max_side": 500})
    cache_dir: str = None
    seed: int = 0
    svm: bool = False
    svm_c: float = 1e-3
    verbose: int = 1

    def __post_init__(self):
        self.scales = tuple(int(s) for s in self.scales)
        for name in ("epochs", "batch_windows", "images_per_batch"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"`{name}` must be an int >= 1. Received: {name}={getattr(self, name)!r}")
        if not self.lr > 0:
            raise ValueError(f"`lr` must be > 0. Received: lr={self.lr!r}")
        if not self.svm_c > 0:
            raise ValueError(f"`svm_c` must be > 0. Received: svm_c={self.svm_c!r}")
        parse_holdout(self.val_split)  # validates SPLIT:N


def mean_norm_scale(items, pool, norm=5.0):
    """The factor giving the pooled features of `items`' windows a mean L2 norm of `norm` (for box regression).

    R-CNN scales them to 20 for its closed-form ridge; with SGD (momentum 0.9, lr 0.01) on 12,800 inputs that
    oscillates, as does the unscaled ~13 of ZF-5 here; 5 converges.
    """
    features = [pooled_features(item, np.arange(len(item.boxes)), pool) for item in items if len(item.boxes)]
    norms = np.concatenate([np.linalg.norm(f, axis=1) for f in features] or [np.ones(1)])
    return float(norm / max(norms.mean(), 1e-6))


def evaluate_prepared(detector, prepared, records, pool, min_score=0.0):
    """VOC07 report of `detector` on prepared (cached) evaluation images."""
    found = []
    for item in prepared:
        features = pooled_features(item, np.arange(len(item.boxes)), pool)
        if features is None:
            features = np.zeros((0, detector.head.input.shape[-1]), np.float32)
        found.append(detector.detect_features(features, item.boxes, item.image_size, min_score=min_score))
    return evaluate_detections(found, records, detector.class_names)


def train_detector(config):
    """Trains (or resumes) a detector; returns the final state dict (history with val mAP when validated)."""
    import keras
    import tensorflow as tf

    from zoo.detection.loading import save_detector

    keras.utils.set_random_seed(config.seed)
    train_split, val_split = voc_splits(config.data, config.train_split, config.val_split, config.seed)
    os.makedirs(config.out, exist_ok=True)
    detector = build_parts(config, train_split.class_names)
    extractor, head = detector.extractor, detector.head
    cache = config.cache_dir or os.path.join(config.out, "cache")
    tag = backbone_hash(detector.backbone)
    pool = tf.function(
        extractor.pooling_layer.__call__,
        input_signature=[tf.TensorSpec((1, None, None, None)), tf.TensorSpec((1, None, 4), tf.int32)],
    )
    started = time.time()
    flips = (False, True) if config.flip else (False,)
    bar = keras.utils.Progbar(len(train_split.images) * len(flips), verbose=config.verbose, unit_name="image")
    prepared = []
    for record in train_split.images:
        for flip in flips:
            prepared.append(prepare_image(record, extractor, cache, flip, True, tag))
            bar.add(1)
    box_scale = mean_norm_scale(prepared[:: max(1, len(prepared) // 16)], pool)
    head.get_layer("box_scale").scale = box_scale
    detector.config["box_scale"] = box_scale
    val_prepared = (
        [prepare_image(r, extractor, cache, False, False, tag) for r in val_split.images] if val_split else []
    )
    num_classes = len(train_split.class_names)
    steps_per_epoch = max(1, len(prepared) // config.images_per_batch)
    total = steps_per_epoch * config.epochs
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([int(total * 0.75)], [config.lr, config.lr / 10])
    optimizer = keras.optimizers.SGD(schedule, momentum=config.momentum, weight_decay=config.weight_decay)
    optimizer.build(head.trainable_variables)
    step = _train_step(head, optimizer, num_classes, config.batch_windows)
    after = ("epochs", "verbose", "cache_dir", "out", "svm", "svm_c")  # the SVMs come after fine-tuning
    key = {k: v for k, v in dataclasses.asdict(config).items() if k not in after}
    key["backbone_weights"] = tag  # `backbone` names a preset; its file may have been replaced since
    state = {"epoch": 0, "history": [], "key": key}
    path = checkpoint_path(config.out)
    if os.path.isfile(path):
        saved, now = read_state(path).get("key") or {}, json.loads(json.dumps(key))
        if saved != now:
            changed = ", ".join(
                f"{k} (run: {saved.get(k)!r}, now: {now.get(k)!r})"
                for k in sorted(set(saved) | set(now))
                if saved.get(k) != now.get(k)
            )
            raise ValueError(f"`out` {config.out} holds a run with other settings: {changed}; use a new `out`")
        state = restore_checkpoint(path, head.variables, optimizer.variables)
    per_image = max(1, config.batch_windows // config.images_per_batch)
    for epoch in range(state["epoch"], config.epochs):
        rng = np.random.default_rng([config.seed, epoch])
        order = rng.permutation(len(prepared))
        bar = keras.utils.Progbar(steps_per_epoch, verbose=config.verbose, stateful_metrics=["loss", "acc"])
        sums = np.zeros(4)
        for i in range(steps_per_epoch):
            chunk = order[i * config.images_per_batch : (i + 1) * config.images_per_batch]
            batch = _batch([prepared[j] for j in chunk], per_image, config, rng, pool)
            if batch is None:  # images without ground truth have no windows
                continue
            features, labels, targets = batch
            values = np.array([v.numpy() for v in step(features, labels, targets)])
            sums += values
            bar.update(i + 1, [("loss", values[0]), ("acc", values[3])])
        record = dict(zip(("loss", "cls_loss", "box_loss", "accuracy"), (sums / steps_per_epoch).tolist(), strict=True))
        record["epoch"] = epoch + 1
        if val_prepared:
            report = evaluate_prepared(detector, val_prepared, val_split.images, pool)
            record["val_map_11point"], record["val_map_all_point"] = report["map_11point"], report["map_all_point"]
        state = {"epoch": epoch + 1, "history": state["history"] + [record], "key": key}
        save_detector(detector, config.out)
        save_checkpoint(path, head.variables, optimizer.variables, state)
        _write_records(config, state, train_split, val_split, started)
        if config.verbose:
            print(
                " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()), flush=True
            )
    if config.svm:
        eval_items = [prepare_image(r, extractor, cache, f, False, tag) for r in train_split.images for f in flips]
        counts = [int((~np.asarray(r.difficult, bool)).sum()) for r in train_split.images for _ in flips]
        detector, state["svm"] = fit_detector_svms(detector, prepared, eval_items, counts, pool, config.svm_c)
        if val_prepared:
            report = evaluate_prepared(detector, val_prepared, val_split.images, pool)
            state["svm"].update(val_map_11point=report["map_11point"], val_map_all_point=report["map_all_point"])
        _write_records(config, state, train_split, val_split, started)
        if config.verbose:
            print(f"svm: {json.dumps(state['svm'])}", flush=True)
    save_detector(detector, config.out)
    return state


def fit_detector_svms(detector, train_items, eval_items, gt_counts, pool, c):
    """`(detector with SVMs, info)`: `training.detection_svm` on the fine-tuned head's fc7."""
    import keras
    import tensorflow as tf

    from training.detection_svm import fit_class_svms, svm_training_set, with_svms

    head = detector.head
    fc7_model = keras.Model(head.input, head.get_layer("fc7").output)
    fc7_fn = tf.function(fc7_model, input_signature=[tf.TensorSpec((None, head.input.shape[-1]), tf.float32)])
    arrays = svm_training_set(
        lambda x: fc7_fn(tf.constant(x)).numpy(), train_items, eval_items, gt_counts, len(detector.class_names), pool
    )
    kernel, bias, info = fit_class_svms(*arrays, c=c)
    return with_svms(detector, kernel, bias), info


def _batch(items, per_image, config, rng, pool):
    from zoo.detection.window_sampling import sample_windows

    features, labels, targets = [], [], []
    for item in items:
        rows = sample_windows(item.labels, per_image, config.fg_fraction, seed=rng)
        if len(rows) == 0:
            continue
        features.append(pooled_features(item, rows, pool))
        labels.append(item.labels[rows])
        targets.append(item.targets[rows])
    if not features:
        return None
    return np.concatenate(features), np.concatenate(labels), np.concatenate(targets)


def _train_step(head, optimizer, num_classes, batch_windows):
    import keras
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(features, labels, targets):
        with tf.GradientTape() as tape:
            out = head(features, training=True)
            cls_loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(labels, out["scores"]))
            deltas = tf.reshape(out["deltas"], [-1, num_classes, 4])
            chosen = tf.gather(deltas, tf.maximum(labels - 1, 0), batch_dims=1)
            foreground = tf.cast(labels > 0, tf.float32)
            huber = tf.reduce_sum(tf.where(tf.abs(chosen - targets) < 1, 0.5 * (chosen - targets) ** 2,
                                           tf.abs(chosen - targets) - 0.5), axis=-1)  # fmt: skip
            box_loss = tf.reduce_sum(huber * foreground) / batch_windows
            loss = cls_loss + box_loss
        grads = tape.gradient(loss, head.trainable_variables)
        optimizer.apply(grads, head.trainable_variables)
        accuracy = tf.reduce_mean(tf.cast(tf.argmax(out["scores"], -1, output_type=tf.int32) == labels, tf.float32))
        return loss, cls_loss, box_loss, accuracy

    return step


def _write_records(config, state, train_split, val_split, started):
    from training.plots import plot_detector_curves

    record = {
        "command": command_line(),
        "config": dataclasses.asdict(config),
        "class_names": train_split.class_names,
        "data": {
            "train": train_split.name,
            "train_images": len(train_split.images),
            "train_boxes": train_split.num_boxes,
            "val": val_split.name if val_split else None,
            "val_images": len(val_split.images) if val_split else 0,
        },
        "metrics": {"final": state["history"][-1], "history": state["history"], "svm": state.get("svm")},
        "weights": {"head": "detector.weights.h5", "config": "detector.json"},
        "git": git_commit(),
        "environment": environment(),
        "wall_seconds_this_session": time.time() - started,
    }
    atomic_write_text(os.path.join(config.out, "run.json"), json.dumps(record, indent=2, default=str) + "\n")
    write_metrics_csv(os.path.join(config.out, "metrics.csv"), state["history"])
    plot_detector_curves(state["history"], os.path.join(config.out, "curves.png"), title=config.out)
