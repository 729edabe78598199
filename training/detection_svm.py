"""Per-class linear SVMs on fc7 after fine-tuning, with hard-negative mining (SPP-net §4.1, after R-CNN).

Positives: the ground-truth boxes of the class; negatives: every proposal whose IoU with each ground-truth
box of the class is below 0.3. R-CNN's liblinear settings, in the primal: L2-regularised squared hinge,
positives weighted 2, a bias feature of 10, fc7 scaled to a mean L2 norm of 20; solved by Newton's method
(Chapelle 2007) on a cache of negatives that starts as a random sample and grows with the negatives
scoring above -1 (R-CNN also drops those below -1.2) until none is new. The SVMs become the head's `svm`
layer (`zoo.detection.head.detection_head(svm=True)`): `scores` are the sigmoids of their margins.
"""

import numpy as np

NEGATIVE_IOU = 0.3


def fit_linear_svm(features, labels, c=1e-3, positive_weight=2.0, bias_feature=10.0, iterations=50):
    """`(w, b)` minimising `0.5 |[w, b / bias_feature]|^2 + c * sum_i weight_i * max(0, 1 - y_i (w.x_i + b))^2`.

    Args:
        features: `(N, D)` float features.
        labels: `(N,)` +1 / -1 (or truthy / falsy).
        c: the loss' weight against the regulariser (liblinear's C).
        positive_weight: the positives' weight (R-CNN: 2).
        bias_feature: the constant feature that carries the bias (liblinear's -B; R-CNN: 10).
        iterations: at most this many Newton steps.

    Example:
    >>> x = np.array([[2.0, 0], [3, 1], [-2, 0], [-3, -1]])
    >>> w, b = fit_linear_svm(x, [1, 1, -1, -1], c=10.0)
    >>> np.sign(x @ w + b).tolist()
    [1.0, 1.0, -1.0, -1.0]
    """
    features = np.asarray(features, np.float64)
    y = np.where(np.asarray(labels).reshape(-1) > 0, 1.0, -1.0)
    if features.ndim != 2 or len(features) != len(y) or not c > 0:
        raise ValueError(f"Expected (N, D) features, N labels and c > 0. Received: {features.shape}, {y.shape}, c={c}")
    x = np.hstack([features, np.full((len(y), 1), bias_feature)])
    cost = np.where(y > 0, c * positive_weight, c)

    def objective(w):
        slack = np.maximum(0.0, 1.0 - y * (x @ w))
        return 0.5 * w @ w + (cost * slack**2).sum()

    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        slack = 1.0 - y * (x @ w)
        active = slack > 0
        weighted = cost[active] * y[active] * slack[active]
        gradient = w - 2.0 * x[active].T @ weighted
        hessian = np.eye(len(w)) + 2.0 * (x[active].T * cost[active]) @ x[active]
        step = np.linalg.solve(hessian, gradient)
        before, size = objective(w), 1.0
        while objective(w - size * step) > before - 1e-4 * size * (gradient @ step) and size > 1e-6:
            size /= 2
        w = w - size * step
        if abs(gradient @ step) < 1e-10 * max(1.0, before):
            break
    return w[:-1], float(w[-1] * bias_feature)


def mine_hard_negatives(positives, negatives, c=1e-3, start=5000, rounds=6, seed=0, **svm):
    """Fits an SVM on `positives` against a cache of `negatives` grown by hard-negative mining.

    Args:
        positives: `(P, D)` features.
        negatives: `(N, D)` features (all of them; each round scores every one).
        c: as for `fit_linear_svm`; `**svm` its other settings.
        start: the cache's first, random, negatives.
        rounds: at most this many fits.
        seed: of the first sample.

    Returns:
        `(w, b, info)`: info has `rounds`, `cache` (negatives in the last fit) and `hard` (negatives scoring
        above -1 under the final SVM).
    """
    rng = np.random.default_rng(seed)
    cache = np.sort(rng.choice(len(negatives), min(start, len(negatives)), replace=False))
    labels = np.concatenate([np.ones(len(positives)), -np.ones(len(negatives))])
    for round_ in range(1, rounds + 1):
        rows = np.concatenate([np.arange(len(positives)), len(positives) + cache])
        w, b = fit_linear_svm(np.concatenate([positives, negatives[cache]]), labels[rows], c, **svm)
        scores = negatives @ w + b
        hard = np.flatnonzero(scores > -1.0)
        new = np.setdiff1d(hard, cache)
        if len(new) == 0 or round_ == rounds:
            break
        cache = np.union1d(cache[scores[cache] > -1.2], new)
    return w, b, {"rounds": round_, "cache": int(len(cache)), "hard": int(len(hard))}


def svm_training_set(fc7, train_items, eval_items, gt_counts, num_classes, pool):
    """`(features, positive_class, negative_for)` of the SVMs from prepared images (`training.data.detection_cache`).

    Args:
        fc7: a callable, pooled features `(R, D)` -> fc7 `(R, F)` NumPy.
        train_items: `PreparedImage`s with `train=True` (their first `gt_count` windows are the ground truth).
        eval_items: the same images prepared with `train=False` (every proposal).
        gt_counts: the ground-truth boxes (not difficult) of each image.
        num_classes: K.
        pool: the pooling function of `pooled_features`.

    Returns:
        float32 `(N, F)` fc7 of the ground truth and then the proposals; int `(N,)` the class of a
        ground-truth row (-1 for proposals); bool `(N, K)` whether a row is a negative of each class.
    """
    from training.data.detection_cache import pooled_features
    from zoo.detection.box_coding import box_iou

    features, positive, negative = [], [], []
    for train, proposals, count in zip(train_items, eval_items, gt_counts, strict=True):
        gt_boxes, gt_classes = train.boxes[:count], train.labels[:count] - 1
        for item, rows in ((train, np.arange(count)), (proposals, np.arange(len(proposals.boxes)))):
            if len(rows):
                features.append(fc7(pooled_features(item, rows, pool)))
        positive.append(gt_classes)
        negative.append(np.zeros((count, num_classes), bool))
        iou = np.asarray(box_iou(proposals.boxes, gt_boxes)) if count else np.zeros((len(proposals.boxes), 0))
        best = np.zeros((len(proposals.boxes), num_classes), np.float32)
        for k in range(num_classes):
            if (gt_classes == k).any() and len(proposals.boxes):
                best[:, k] = iou[:, gt_classes == k].max(axis=1)
        positive.append(np.full(len(proposals.boxes), -1))
        negative.append(best < NEGATIVE_IOU)
    return np.concatenate(features).astype(np.float32), np.concatenate(positive), np.concatenate(negative)


def fit_class_svms(features, positive, negative, c=1e-3, norm=20.0, seed=0):
    """`(kernel (F, K+1), bias (K+1,), info)` of the head's `svm` layer from `svm_training_set`'s arrays.

    Column 0 (the background) gets a zero kernel and a bias of -10 (its sigmoid ~0, never a detection).
    """
    scale = norm / max(float(np.linalg.norm(features[:: max(1, len(features) // 4096)], axis=1).mean()), 1e-6)
    scaled = features * scale
    num_classes = negative.shape[1]
    kernel = np.zeros((features.shape[1], num_classes + 1), np.float32)
    bias = np.full(num_classes + 1, -10.0, np.float32)
    info = {"c": c, "feature_scale": scale, "classes": []}
    for k in range(num_classes):
        positives, negatives = scaled[positive == k], scaled[negative[:, k] & (positive < 0)]
        w, b, mined = mine_hard_negatives(positives, negatives, c, seed=seed + k)
        kernel[:, k + 1], bias[k + 1] = w * scale, b
        info["classes"].append({"positives": int(len(positives)), "negatives": int(len(negatives)), **mined})
    return kernel, bias, info


def with_svms(detector, kernel, bias):
    """A copy of `detector` whose head scores with the SVMs (`detection_head(svm=True)`), fc6, fc7 and box
    regression shared with the fine-tuned head; its config says `"svm": true`."""
    from zoo.detection.detector import Detector
    from zoo.detection.head import detection_head

    head = detector.head
    config = {**detector.config, "svm": True}
    units = head.get_layer("fc7").units
    dropout = head.get_layer("drop7").rate
    svm_head = detection_head(
        len(detector.class_names), head.input.shape[-1], units, dropout, head.get_layer("box_scale").scale, svm=True
    )
    for layer in ("fc6", "fc7", "bbox_pred"):
        svm_head.get_layer(layer).set_weights(head.get_layer(layer).get_weights())
    svm_head.get_layer("svm").set_weights([kernel, bias])
    extractor = detector.extractor
    return Detector(
        detector.backbone,
        svm_head,
        detector.class_names,
        extractor.scales,
        extractor.proposals,
        detector.nms_iou,
        detector.min_score,
        detector.max_detections,
        config=config,
    )
