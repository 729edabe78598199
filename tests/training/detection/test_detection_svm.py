"""The detector's per-class SVMs: the Newton solver against its optimality condition, hard-negative mining."""

import numpy as np

from training.detection_svm import fit_class_svms, fit_linear_svm, mine_hard_negatives


def _objective(w, b, x, y, c, positive_weight=2.0, bias_feature=10.0):
    slack = np.maximum(0, 1 - y * (x @ w + b))
    cost = np.where(y > 0, c * positive_weight, c)
    return 0.5 * (w @ w + (b / bias_feature) ** 2) + (cost * slack**2).sum()


def test_the_solver_reaches_the_minimum_of_its_objective():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(1.0, 1.0, (40, 3)), rng.normal(-1.0, 1.0, (60, 3))])
    y = np.concatenate([np.ones(40), -np.ones(60)])
    w, b = fit_linear_svm(x, y, c=0.5)
    best = _objective(w, b, x, y, 0.5)
    for _ in range(50):  # no nearby point is lower: the objective is convex, so this is its minimum
        dw, db = rng.normal(0, 1e-3, 3), rng.normal(0, 1e-2)
        assert _objective(w + dw, b + db, x, y, 0.5) >= best - 1e-9
    assert (np.sign(x @ w + b) == y).mean() > 0.8


def test_mining_finds_the_hard_negatives_outside_the_first_sample():
    rng = np.random.default_rng(1)
    positives = rng.normal(3.0, 0.3, (30, 2))
    easy = rng.normal(-3.0, 0.3, (2000, 2))
    hard = rng.normal(1.5, 0.3, (20, 2))  # close to the positives, and rare: a sample of 50 misses most
    negatives = np.concatenate([easy, hard])
    w, b, info = mine_hard_negatives(positives, negatives, c=1.0, start=50, seed=0)
    assert info["rounds"] > 1
    assert (positives @ w + b > 0).mean() > 0.9 and (hard @ w + b < 0).mean() > 0.8
    naive_w, naive_b = fit_linear_svm(np.concatenate([positives, easy[:50]]), [1] * 30 + [-1] * 50, c=1.0)
    assert (hard @ naive_w + naive_b < 0).mean() < (hard @ w + b < 0).mean()


def test_class_svms_fill_the_head_layer_with_a_silent_background():
    rng = np.random.default_rng(2)
    features = np.abs(rng.normal(0, 1, (300, 8))).astype(np.float32)
    positive = np.full(300, -1)
    positive[:20], positive[20:40] = 0, 1
    features[:20, 0] += 5
    features[20:40, 1] += 5
    negative = np.zeros((300, 2), bool)
    negative[40:] = True
    kernel, bias, info = fit_class_svms(features, positive, negative, c=1.0)
    assert kernel.shape == (8, 3) and bias.shape == (3,) and bias[0] == -10 and not kernel[:, 0].any()
    margins = features @ kernel + bias
    assert (margins[:20, 1] > 0).all() and (margins[20:40, 2] > 0).all() and (margins[40:, 1:] < 0).mean() > 0.95
    assert [c["positives"] for c in info["classes"]] == [20, 20]
