"""Brute-force NumPy spatial pyramid pooling, written from the paper's Appendix A rule alone.

Deliberately independent of keras_spp: plain Python loops, math.floor/ceil on exact fractions.
"""

import math
from fractions import Fraction

import numpy as np


def appendix_bins(a, n):
    """[(start, end)] of the n bins over an axis of length a: [floor(i*a/n), ceil((i+1)*a/n))."""
    return [(math.floor(Fraction(i * a, n)), math.ceil(Fraction((i + 1) * a, n))) for i in range(n)]


def reference_spp(images, levels, pooling):
    """images: list of (H_i, W_i, C) arrays -> (len(images), C * sum n^2) float64, the issue's order."""
    rows = []
    for image in images:
        image = np.asarray(image, dtype=np.float64)
        h, w, _ = image.shape
        vector = []
        for n in levels:
            for r0, r1 in appendix_bins(h, n):
                for c0, c1 in appendix_bins(w, n):
                    cells = image[r0:r1, c0:c1, :].reshape(-1, image.shape[2])
                    assert cells.shape[0] > 0, "empty bin"
                    vector.extend(cells.max(axis=0) if pooling == "max" else cells.mean(axis=0))
        rows.append(vector)
    return np.array(rows)
