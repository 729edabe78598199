"""benchmarks/compare_predictions.py: McNemar's exact test against a brute-force count of every outcome, and
two predictions CSVs (as `keras-spp evaluate --predictions` writes them) compared image by image."""

import itertools

import numpy as np
import pytest

from tests.benchmarks.conftest import benchmark_script
from training.evaluation import predictions_csv

compare_predictions = benchmark_script("compare_predictions")


def brute_force_p(only_a, only_b):
    """P(an outcome at least as unlikely as the observed one) over all 2^n ways n discordant images split."""
    n = only_a + only_b
    counts = [sum(outcome) for outcome in itertools.product((0, 1), repeat=n)]
    probability = {k: counts.count(k) / 2**n for k in range(n + 1)}
    observed = probability[only_a]
    return sum(p for p in probability.values() if p <= observed * (1 + 1e-12))


@pytest.mark.parametrize("only_a, only_b", [(0, 0), (0, 1), (1, 9), (9, 1), (3, 3), (2, 8), (0, 12), (5, 7)])
def test_mcnemar_exact_matches_brute_force(only_a, only_b):
    assert compare_predictions.mcnemar_exact(only_a, only_b) == pytest.approx(min(1.0, brute_force_p(only_a, only_b)))


def _write(path, labels, top1, files):
    top = np.stack([top1, (np.asarray(top1) + 1) % 3], axis=1)
    predictions = {"label": np.asarray(labels), "top": top, "probability": np.full(top.shape, 0.5)}
    path.write_text(predictions_csv(predictions, ["a", "b", "c"], files))
    return str(path)


def test_two_models_on_the_same_images(tmp_path, capsys):
    labels, files = [0, 1, 2, 0, 1, 2, 0], [f"{i}.jpg" for i in range(7)]
    a = _write(tmp_path / "a.csv", labels, [0, 1, 2, 1, 1, 0, 2], files)  # right: 0 1 2 4
    b = _write(tmp_path / "b.csv", labels, [0, 2, 2, 0, 1, 2, 0], files)  # right: 0 2 3 4 5 6
    result = compare_predictions.compare(a, b)
    assert (result["count"], result["only_a"], result["only_b"]) == (7, 1, 3)
    assert result["difference"] == pytest.approx(6 / 7 - 4 / 7)
    assert result["p_value"] == pytest.approx(brute_force_p(1, 3))
    assert compare_predictions.main([a, b]) == 0
    assert "| 7 | 57.14 | 85.71 | +28.57 | 1 | 3 |" in capsys.readouterr().out
    other = _write(tmp_path / "other.csv", labels, [0] * 7, [f"x{i}.jpg" for i in range(7)])
    with pytest.raises(ValueError, match="not of the same images in the same order"):
        compare_predictions.compare(a, other)
