"""Pictures of detections: boxes, class names and scores drawn on the image (Keras' `draw_bounding_boxes`,
which draws with OpenCV), written as PNG."""

import numpy as np

# Distinct colours (RGB), one a class, cycling.
PALETTE = (
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
    (170, 110, 40),
)


def draw_detections(image, boxes, classes, scores=None, class_names=None):
    """The image with each box drawn in its class's colour and labelled `name | score`.

    Args:
        image: `(H, W, 3)` uint8 (or float 0..255) RGB pixels.
        boxes: `(D, 4)` xyxy pixel boxes.
        classes: `(D,)` 0-based class indices.
        scores: `(D,)` scores or None.
        class_names: names by class index; None: the indices.

    Returns:
        A new `(H, W, 3)` uint8 array; lines and text scale with the image's size.

    Example:
    >>> import numpy as np
    >>> picture = draw_detections(np.zeros((60, 80, 3), "uint8"), [[10, 10, 50, 40]], [1], [0.9], ["cat", "dog"])
    >>> picture.shape, picture.dtype, picture[25, 10].tolist()
    ((60, 80, 3), dtype('uint8'), [60, 180, 75])
    """
    import keras

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"`image` must be (H, W, 3) RGB. Received: image.shape={image.shape}")
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    classes = np.asarray(classes, np.int64).reshape(-1)
    if len(classes) != len(boxes) or (scores is not None and len(np.reshape(scores, -1)) != len(boxes)):
        raise ValueError(
            f"`boxes`, `classes` and `scores` must have one entry a detection. Received: "
            f"{len(boxes)} boxes, {len(classes)} classes"
            + ("" if scores is None else f", {len(np.reshape(scores, -1))} scores")
        )
    names = {int(k): (class_names[k] if class_names is not None else str(k)) for k in set(classes.tolist())}
    side = min(image.shape[:2])
    picture = np.clip(image, 0, 255).astype(np.uint8)[None]
    for k in sorted(names):
        mine = classes == k
        detections = {"boxes": boxes[mine][None], "labels": classes[mine][None]}
        if scores is not None:
            detections["confidences"] = np.asarray(scores, np.float32).reshape(-1)[mine][None]
        picture = keras.visualization.draw_bounding_boxes(
            picture,
            detections,
            bounding_box_format="xyxy",
            class_mapping=names,
            color=PALETTE[k % len(PALETTE)],
            line_thickness=max(1, side // 200),
            text_thickness=max(1, side // 400),
            font_scale=max(0.3, side / 800),
            data_format="channels_last",
        )
    return picture[0]


def write_detections_png(path, image, boxes, classes, scores=None, class_names=None):
    """Draws detections as `draw_detections` does and writes the picture to `path` as PNG; returns `path`."""
    import tensorflow as tf

    picture = draw_detections(image, boxes, classes, scores, class_names)
    tf.io.write_file(str(path), tf.io.encode_png(picture))
    return path
