"""A generated detection set: red squares and blue discs on grey noise, VOC XML beside each JPEG."""

import os

import numpy as np

TOY_CLASSES = ["disc", "square"]


def write_voc_xml(path, width, height, objects):
    """Writes a VOC XML with `objects` as `(name, (x0, y0, x1, y1))`."""
    parts = [f"<annotation><size><width>{width}</width><height>{height}</height><depth>3</depth></size>"]
    for name, (x0, y0, x1, y1) in objects:
        parts.append(
            f"<object><name>{name}</name><difficult>0</difficult><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin>"
            f"<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>"
        )
    with open(path, "w") as f:
        f.write("".join(parts) + "</annotation>\n")


def toy_image(rng, height=160, width=200):
    """`(image, objects)`: 1 or 2 non-overlapping shapes of 48-72 pixels on noise."""
    image = rng.integers(60, 120, size=(height, width, 3)).astype(np.uint8)
    objects = []
    count = int(rng.integers(1, 3))
    for i in range(count):
        side = int(rng.integers(48, 73))
        x0 = int(rng.integers(0, width // count - side)) + i * (width // count)
        y0 = int(rng.integers(0, height - side))
        if rng.random() < 0.5:
            image[y0 : y0 + side, x0 : x0 + side] = (220, 30, 30)
            objects.append(("square", (x0, y0, x0 + side - 1, y0 + side - 1)))
        else:
            yy, xx = np.mgrid[0:side, 0:side]
            disc = (yy - side / 2 + 0.5) ** 2 + (xx - side / 2 + 0.5) ** 2 <= (side / 2) ** 2
            image[y0 : y0 + side, x0 : x0 + side][disc] = (30, 60, 220)
            objects.append(("disc", (x0, y0, x0 + side - 1, y0 + side - 1)))
    return image, objects


def write_toy_set(root, counts=(16, 6), seed=0):
    """`root/{train,test}/toy_N.jpg` + `.xml`; returns `root`."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for split, count in zip(("train", "test"), counts, strict=True):
        folder = os.path.join(root, split)
        os.makedirs(folder, exist_ok=True)
        for n in range(count):
            image, objects = toy_image(rng)
            tf.io.write_file(os.path.join(folder, f"toy_{n}.jpg"), tf.io.encode_jpeg(image, quality=95))
            write_voc_xml(os.path.join(folder, f"toy_{n}.xml"), image.shape[1], image.shape[0], objects)
    return root
