"""Pascal VOC detection data: XML annotations beside images, the VOCdevkit layout, or tfds `voc/2007`.

Every source gives the same `VocSplit` of `VocImage` records (boxes as float32 `(N, 4)` xyxy in the
image's pixels, as the XML gives them: VOC's 1-based corners are kept as they are, as tfds does). The image
size comes from the image itself, never from the XML (some XMLs say 0); the image format is sniffed from
the bytes (PNG data behind a `.jpg` name is common). Boxes are clipped to the image; a box that is empty
after clipping, an unknown class name, a corrupt image or XML is a ValueError naming the file.
"""

import dataclasses
import os
from xml.etree import ElementTree

import numpy as np

from training.data.sources import IMAGE_EXTENSIONS

_MAGIC = ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF8", "gif"), (b"BM", "bmp"))


@dataclasses.dataclass
class VocImage:
    """One annotated image.

    Attributes:
        path: the image file (tfds: `tfds:<name>/<split>/<image/filename>`).
        width, height: the decoded image's size in pixels.
        boxes: float32 `(N, 4)` `[x0, y0, x1, y1]` in pixels, clipped to the image.
        labels: int32 `(N,)` indices into the split's `class_names`.
        difficult: bool `(N,)`, VOC's `difficult` flag (evaluation ignores these objects).
        image_format: `"jpeg"`, `"png"`, `"gif"` or `"bmp"`, sniffed from the bytes, not the name.
        data: the encoded image when it is not a file on disk (tfds), else None.
    """

    path: str
    width: int
    height: int
    boxes: np.ndarray
    labels: np.ndarray
    difficult: np.ndarray
    image_format: str = "jpeg"
    data: bytes = None


@dataclasses.dataclass
class VocSplit:
    """One split: its name, the class names (index = label) and its images in a fixed order."""

    name: str
    class_names: list
    images: list

    @property
    def num_boxes(self):
        """Objects in the split, difficult ones included."""
        return sum(len(image.boxes) for image in self.images)


def sniff_image_format(data):
    """`"jpeg"`, `"png"`, `"gif"`, `"bmp"` from an encoded image's first bytes; None if none matches.

    Example:
    >>> sniff_image_format(b"\\x89PNG\\r\\n\\x1a\\n....")
    'png'
    """
    for magic, name in _MAGIC:
        if data[: len(magic)] == magic:
            return name
    return None


def decode_image(data, name):
    """Decodes encoded image bytes to a `(H, W, 3)` uint8 array; ValueError naming `name` if it cannot."""
    import tensorflow as tf

    from keras_spp.export import decode_rgb

    if sniff_image_format(data) is None:
        raise ValueError(f"`{name}` is not a JPEG, PNG, GIF or BMP image. Received: first bytes {data[:8]!r}")
    try:
        image = decode_rgb(data).numpy()
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as error:
        raise ValueError(f"`{name}` is a corrupt image: {error.message.splitlines()[0]}") from None
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"`{name}` is an empty image. Received: shape={image.shape}")
    return image


def read_image(record):
    """The `(H, W, 3)` uint8 pixels of a `VocImage` (from its `data`, else its file)."""
    if record.data is not None:
        return decode_image(record.data, record.path)
    with open(record.path, "rb") as f:
        return decode_image(f.read(), record.path)


def parse_voc_xml(xml_path):
    """`(size, objects)` of a VOC XML: size `(width, height)` as written (may be 0), objects a list of
    `(name, [xmin, ymin, xmax, ymax], difficult)`. An XML without objects gives an empty list."""
    try:
        root = ElementTree.parse(xml_path).getroot()
    except ElementTree.ParseError as error:
        raise ValueError(f"`{xml_path}` is not valid XML: {error}") from None
    try:
        size = tuple(int(float(root.findtext(f"size/{key}") or 0)) for key in ("width", "height"))
        objects = []
        for obj in root.findall("object"):
            box = [float(obj.findtext(f"bndbox/{key}")) for key in ("xmin", "ymin", "xmax", "ymax")]
            difficult = (obj.findtext("difficult") or "0").strip() == "1"
            objects.append(((obj.findtext("name") or "").strip(), box, difficult))
    except (TypeError, ValueError):
        raise ValueError(f"`{xml_path}` has an object without a numeric bndbox xmin/ymin/xmax/ymax") from None
    return size, objects


def image_size(data, name):
    """`(width, height)` of encoded image bytes, decoding them fully (so a corrupt file fails here)."""
    height, width = decode_image(data, name).shape[:2]
    return int(width), int(height)


def make_record(path, width, height, objects, class_names, image_format="jpeg", source=None):
    """A `VocImage` from an image's size and its `(name, xyxy pixel box, difficult)` objects.

    Refuses unknown class names and boxes that are empty once clipped to the image, naming `source` (the
    annotation's file; default `path`)."""
    source = source or path
    index = {name: i for i, name in enumerate(class_names)}
    labels = []
    for name, _, _ in objects:
        if name not in index:
            raise ValueError(
                f"`{source}` has an object of unknown class {name!r}. Expected one of class_names={list(class_names)}"
            )
        labels.append(index[name])
    boxes = np.array([box for _, box, _ in objects], np.float32).reshape(-1, 4)
    boxes = np.clip(boxes, 0, np.array([width, height, width, height], np.float32))
    empty = (boxes[:, 2] <= boxes[:, 0]) | (boxes[:, 3] <= boxes[:, 1])
    if empty.any():
        i = int(np.argmax(empty))
        raise ValueError(
            f"`{source}` has an empty box (after clipping to {width}x{height}): object {i}, box={list(objects[i][1])}"
        )
    return VocImage(
        path=path,
        width=width,
        height=height,
        boxes=boxes,
        labels=np.array(labels, np.int32),
        difficult=np.array([d for *_, d in objects], bool).reshape(-1),
        image_format=image_format,
    )


def _is_devkit(root):
    return os.path.isdir(os.path.join(root, "Annotations")) and os.path.isdir(os.path.join(root, "JPEGImages"))


def _split_files(root, split):
    """`[(image_path, xml_path)]` of a split, in a fixed order, for either layout."""
    if _is_devkit(root):
        listing = os.path.join(root, "ImageSets", "Main", f"{split}.txt")
        if not os.path.isfile(listing):
            raise FileNotFoundError(f"No split {split!r} in the VOCdevkit folder `{root}`: `{listing}` is missing")
        with open(listing) as f:
            ids = [line.split()[0] for line in f if line.strip()]
        return [
            (os.path.join(root, "JPEGImages", f"{i}.jpg"), os.path.join(root, "Annotations", f"{i}.xml")) for i in ids
        ]
    folder = os.path.join(root, split)
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"`{root}` has neither a split folder `{split}/` nor the VOCdevkit layout "
            f"(Annotations/, JPEGImages/, ImageSets/Main/)"
        )
    images = {}
    for name in os.listdir(folder):
        stem, ext = os.path.splitext(name)
        if ext.lower() in IMAGE_EXTENSIONS:
            images[stem] = os.path.join(folder, name)
    pairs = []
    for name in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(name)
        if ext.lower() == ".xml":
            if stem not in images:
                raise FileNotFoundError(f"`{os.path.join(folder, name)}` has no image beside it ({stem}.jpg, ...)")
            pairs.append((images[stem], os.path.join(folder, name)))
    return pairs


def collect_class_names(root, split="train"):
    """The sorted object names that occur in a split's XMLs (the default class list is the train split's)."""
    names = set()
    for _, xml_path in _split_files(root, split):
        names.update(name for name, _, _ in parse_voc_xml(xml_path)[1])
    return sorted(names)


def voc_split(root, split, class_names=None):
    """Reads one split of a VOC-format folder: `root/<split>/*.xml` beside their images, or a VOCdevkit
    year folder (`root/Annotations`, `root/JPEGImages`, `root/ImageSets/Main/<split>.txt`).

    Args:
        root: the data folder.
        split: the split's name (`"train"`, `"test"`, `"trainval"`, ...).
        class_names: the class list (index = label); None: the sorted names found in the train split.

    Returns:
        A `VocSplit`; every image decoded once, to read its true size and catch corrupt files.
    """
    if not os.path.isdir(root):
        raise FileNotFoundError(f"`root` must be a folder. Received: root={root!r}")
    files = _split_files(root, split)
    if class_names is None:
        class_names = collect_class_names(root, "train")
        if not class_names:
            raise ValueError(f"The train split of `{root}` has no objects to take class names from; pass class_names")
    images = []
    for image_path, xml_path in files:
        if not os.path.isfile(image_path):
            raise FileNotFoundError(f"`{xml_path}` names an image that does not exist: `{image_path}`")
        xml_size, objects = parse_voc_xml(xml_path)
        with open(image_path, "rb") as f:
            data = f.read()
        width, height = image_size(data, image_path)
        if any(xml_size) and xml_size != (width, height):
            raise ValueError(
                f"`{xml_path}` gives size {xml_size[0]}x{xml_size[1]} (width x height) but its image is "
                f"{width}x{height}: its boxes may be in another image's pixels"
            )
        images.append(
            make_record(image_path, width, height, objects, class_names, sniff_image_format(data), source=xml_path)
        )
    return VocSplit(name=split, class_names=list(class_names), images=images)


def tfds_voc_split(name="voc/2007", split="test", data_dir=None):
    """Reads a split of a tfds dataset with VOC's features (`voc/2007`, `voc/2012`) into a `VocSplit`.

    tfds gives boxes as normalised `(ymin, xmin, ymax, xmax)`; they become pixel xyxy with the decoded
    image's size (tfds itself divided the XML's corners by the XML's size). The encoded image is kept in
    each record's `data` (tfds has no file to point at), so the whole split is held in memory.

    Args:
        name: the tfds name, `"voc/2007"` by default.
        split: a tfds split (`"train"`, `"validation"`, `"test"`, slices like `"test[:100]"`).
        data_dir: tfds' data folder; None for its default.

    Returns:
        A `VocSplit` whose `class_names` are the dataset's label names.
    """
    import tensorflow_datasets as tfds
    from keras.utils import bounding_boxes

    dataset, info = tfds.load(
        name,
        split=split,
        data_dir=data_dir,
        with_info=True,
        shuffle_files=False,
        decoders={"image": tfds.decode.SkipDecoding()},
    )
    class_names = list(info.features["objects"]["label"].names)
    images = []
    for index, example in enumerate(dataset.as_numpy_iterator()):
        filename = example.get("image/filename", b"")
        filename = filename.decode() if isinstance(filename, bytes) else str(index)
        path = f"tfds:{name}/{split}/{filename or index}"
        objects = example["objects"]
        bbox = np.asarray(objects["bbox"], np.float32).reshape(-1, 4)
        labels = np.asarray(objects["label"]).reshape(-1)
        difficult = np.asarray(objects["is_difficult"], bool).reshape(-1)
        if not len(bbox) == len(labels) == len(difficult):
            raise ValueError(
                f"`{path}` has {len(bbox)} boxes, {len(labels)} labels and {len(difficult)} "
                f"difficult flags; they must match"
            )
        if len(labels) and (labels.min() < 0 or labels.max() >= len(class_names)):
            raise ValueError(f"`{path}` has a label outside 0..{len(class_names) - 1}. Received: {labels.tolist()}")
        data = bytes(example["image"])
        width, height = image_size(data, path)
        xyxy = np.asarray(bounding_boxes.convert_format(bbox, "rel_yxyx", "xyxy", height=height, width=width))
        objects = [(class_names[label], box, d) for label, box, d in zip(labels, xyxy, difficult, strict=True)]
        record = make_record(path, width, height, objects, class_names, sniff_image_format(data))
        record.data = data
        images.append(record)
    return VocSplit(name=split, class_names=class_names, images=images)
