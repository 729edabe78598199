"""Region proposals by selective search (OpenCV's `cv2.ximgproc`), downscaled, sorted, cached on disk.

Selective search runs on a copy of the image whose longer side is at most `max_side` (photos reach
3000+ pixels; its cost grows with the pixel count) and the boxes are scaled back. OpenCV returns them in
a different order on every run (the set is the same), so they are sorted (area descending, then
top, left, bottom, right): a `top_n` cut is the same on every run. Results can be cached in a folder,
keyed by the sha256 of the image's bytes and the settings.

The defaults, fast mode on a 500-pixel copy, come from recall on the fruits test set's 117 boxes
(benchmarks/proposal_recall.py, benchmarks/README.md): 0.974 / 0.906 at IoU 0.5 / 0.7 with 655 boxes an
image in about 1 s on 2 CPU cores; quality mode reaches 0.991 / 0.957 with 2,085 boxes in 3.3 s, a
300-pixel copy 0.991 / 0.855 with 351 boxes in 0.4 s.
"""

import hashlib
import json
import os
import pathlib
import tempfile

import numpy as np

MODES = ("fast", "quality", "single")
CACHE_VERSION = 1  # bump when the boxes a setting gives change


def selective_search(image, mode="fast", max_side=500, top_n=None, cache_dir=None):
    """Selective-search proposals of one image as pixel boxes `[x0, y0, x1, y1]` (0-based, inclusive).

    Args:
        image: a file path, the encoded bytes of a JPEG/PNG (whatever the file's extension says), or an
            RGB array `(H, W, 3)` (uint8, or float 0..255).
        mode: `"fast"` (OpenCV's fast strategy, the default), `"quality"` (slower, more boxes) or `"single"`
            (one strategy, fewest boxes).
        max_side: the image is shrunk (never enlarged) to this longer side before the search; None: as is.
        top_n: keep the first `top_n` boxes of the sorted list; None: all.
        cache_dir: a folder to keep results in (created if missing), or None.

    Returns:
        float32 `(R, 4)` boxes in the original image's pixels, unique, sorted by area (largest first),
        then top, left, bottom, right.

    Example:
    >>> image = np.zeros((60, 80, 3), np.uint8); image[10:40, 20:50] = 255
    >>> boxes = selective_search(image)
    >>> boxes.shape[1], bool((boxes[:, 2] <= 79).all() and (boxes[:, 3] <= 59).all())
    (4, True)
    """
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}. Received: mode={mode!r}")
    if max_side is not None and (isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 8):
        raise ValueError(f"`max_side` must be an integer >= 8 or None. Received: max_side={max_side!r}")
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        raise ValueError(f"`top_n` must be an integer >= 1 or None. Received: top_n={top_n!r}")
    encoded, rgb = _read(image)
    settings = {"mode": mode, "max_side": max_side, "top_n": top_n, "version": CACHE_VERSION}
    path = None
    if cache_dir is not None:
        digest = hashlib.sha256(encoded)
        digest.update(json.dumps(settings, sort_keys=True).encode())
        path = pathlib.Path(cache_dir) / f"{digest.hexdigest()}.npy"
        if path.is_file():
            return np.load(path)
    if rgb is None:
        rgb = decode_image(encoded)
    boxes = _search(rgb, mode, max_side)
    if top_n is not None:
        boxes = boxes[:top_n]
    if path is not None:
        _save_atomically(path, boxes)
    return boxes


def decode_image(data):
    """RGB uint8 `(H, W, 3)` from encoded bytes (JPEG, PNG, ...; grey and alpha become RGB)."""
    import cv2

    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if array is None:
        raise ValueError(f"The image bytes do not decode ({len(data)} bytes, starting {bytes(data[:8])!r})")
    return cv2.cvtColor(array, cv2.COLOR_BGR2RGB)


def read_image(image):
    """An RGB uint8 array `(H, W, 3)` from a path, encoded bytes or an array (returned as uint8)."""
    encoded, rgb = _read(image)
    return decode_image(encoded) if rgb is None else rgb


def _read(image):
    """`(bytes that identify the image, RGB array or None when it still needs decoding)`."""
    if isinstance(image, (str, os.PathLike)):
        with open(image, "rb") as file:
            return file.read(), None
    if isinstance(image, (bytes, bytearray, memoryview)):
        return bytes(image), None
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3 or min(array.shape[:2]) < 1:
        raise ValueError(f"An image array must be (H, W, 3) RGB with H, W >= 1. Received: shape={array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("The image holds NaN or inf. Received: an array with non-finite pixels")
    array = np.clip(np.round(array), 0, 255).astype(np.uint8) if array.dtype != np.uint8 else array
    header = f"{array.shape}".encode()
    return header + np.ascontiguousarray(array).tobytes(), array


def _search(rgb, mode, max_side):
    import cv2

    height, width = rgb.shape[:2]
    factor = 1.0
    if max_side is not None and max(height, width) > max_side:
        factor = max_side / max(height, width)
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    else:
        small = rgb
    search = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
    search.setBaseImage(cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    {
        "fast": search.switchToSelectiveSearchFast,
        "quality": search.switchToSelectiveSearchQuality,
        "single": search.switchToSingleStrategy,
    }[mode]()
    rects = np.asarray(search.process(), np.float64).reshape(-1, 4)  # x, y, w, h in the small image
    scale_x, scale_y = width / small.shape[1], height / small.shape[0]
    boxes = np.stack(
        [
            rects[:, 0] * scale_x,
            rects[:, 1] * scale_y,
            (rects[:, 0] + rects[:, 2]) * scale_x - 1,
            (rects[:, 1] + rects[:, 3]) * scale_y - 1,
        ],
        axis=1,
    )
    boxes = np.clip(np.round(boxes, 2), 0, [width - 1, height - 1, width - 1, height - 1]).astype(np.float32)
    boxes = np.unique(boxes, axis=0)
    area = (boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)
    order = np.lexsort((boxes[:, 2], boxes[:, 3], boxes[:, 0], boxes[:, 1], -area))
    return boxes[order]


def _save_atomically(path, boxes):
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".npy")
    try:
        with os.fdopen(handle, "wb") as file:
            np.save(file, boxes)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
