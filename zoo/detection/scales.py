"""Image scales of SPP-net's detector and the per-window choice among them (paper Section 4.2).

The image is resized so that its shorter side is `s`; one scale is 688, five are
{480, 576, 688, 864, 1200} (the released code used 874 for 864). With several scales, each window is
pooled at the scale where its area is closest to 224 x 224 pixels; the released code does it as
`expected = round(13 * 16 * min_side / sqrt(area))` (13 x 13 conv5 cells of 16 pixels: a 224 image's
map) and takes the scale nearest to `expected`.
"""

import numpy as np

SCALES = (480, 576, 688, 864, 1200)
SINGLE_SCALE = (688,)
STANDARD_SIDE = 13 * 16  # ZF-5's conv5 side at 224 x 224 times its stride


def resized_size(height, width, scale, max_side=None):
    """`(height, width)` with the shorter side `scale` (aspect kept, rounded), the longer side capped at
    `max_side` when given (the shorter side then shrinks with it).

    Example:
    >>> resized_size(480, 640, 688), resized_size(300, 1000, 688, max_side=2000)
    ((688, 917), (600, 2000))
    """
    factor = scale / min(height, width)
    if max_side is not None and max(height, width) * factor > max_side:
        factor = max_side / max(height, width)
    return max(1, round(height * factor)), max(1, round(width * factor))


def best_scales(boxes, image_size, scales=SCALES, standard_side=STANDARD_SIDE):
    """Index into `scales` of the scale each box is pooled at: its scaled area closest to the standard.

    Args:
        boxes: `(R, 4)` pixel boxes `[x0, y0, x1, y1]` (inclusive, 0-based) in the original image.
        image_size: `(height, width)` of the original image.
        scales: the shorter sides the image is resized to.
        standard_side: the side a window should have after resizing (13 * 16 = 208 for ZF-5).

    Returns:
        int `(R,)`: `argmin |scales - round(standard_side * min_side / sqrt(area))|`, the first scale on a tie.

    Example: in a 480 x 640 image a 100 x 100 box expects round(208 * 480 / 100) = 998, nearest 864
    (134 away; 1200 is 202 away); a 400 x 300 box expects round(208 * 480 / sqrt(120000)) = 288 -> 480.
    >>> best_scales([[0, 0, 99, 99], [0, 0, 399, 299]], (480, 640)).tolist()
    [3, 0]
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    area = (boxes[:, 2] - boxes[:, 0] + 1).clip(min=1) * (boxes[:, 3] - boxes[:, 1] + 1).clip(min=1)
    expected = np.round(standard_side * min(image_size) / np.sqrt(area))
    return np.argmin(np.abs(np.asarray(scales, np.float64)[np.newaxis, :] - expected[:, np.newaxis]), axis=1)


def parse_scales(text):
    """Scales from a comma-separated string (a command's `--scales`).

    Example:
    >>> parse_scales("480,576,688,864,1200")
    (480, 576, 688, 864, 1200)
    """
    try:
        scales = tuple(int(s) for s in str(text).split(",") if s.strip())
    except ValueError:
        scales = ()
    if not scales or min(scales) < 32:
        raise ValueError(f"`scales` must be comma-separated ints >= 32, e.g. 688. Received: scales={text!r}")
    return scales
