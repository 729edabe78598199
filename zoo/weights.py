"""Weights files of the zoo: sha256 verification and an architecture check before anything is loaded, and
float16 storage (half the file; loading restores the model's float32 variables).

Only Keras' own formats are read, `.weights.h5` (HDF5 arrays) and `.keras` (a zip of a JSON config and
HDF5 arrays); nothing is unpickled, and `.keras` files are opened with `safe_mode=True`.
"""

import contextlib
import hashlib
import os
import re
import zipfile

import h5py
import keras
import numpy as np

from zoo.presets import STORAGE_DTYPES


def sha256_of(path, chunk_size=1 << 20):
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path, expected, source=None):
    """Raises ValueError naming both hashes when the file's sha256 is not `expected` (recorded by `source`)."""
    actual = sha256_of(path)
    if actual != expected.lower():
        by = f" by {source}" if source else ""
        raise ValueError(
            f"The sha256 of {path} is {actual}, expected {expected.lower()}{by}: the file is corrupt, truncated, "
            "changed or not the published one. Nothing was loaded."
        )


def load_weights_file(model, path, sha256=None, storage_dtype=None):
    """Loads a `.weights.h5` or `.keras` file into `model`, after checking its hash and architecture.

    Arrays stored as float16 (`save_weights_file(..., storage_dtype="float16")`) are cast to the model's
    own variable dtype (float32) as they are assigned: the model computes in float32 either way.

    Args:
        model: the built Keras model to fill.
        path: a `.weights.h5` file (`model.save_weights`) or a `.keras` file (`model.save`).
        sha256: optional expected hex sha256, checked first.
        storage_dtype: optional expected dtype of the file's float arrays (`"float32"` or `"float16"`, as a
            preset's `weights.storage_dtype` records it).

    Raises:
        ValueError: wrong sha256 (both hashes named); a file for another architecture (the first layer
            that does not match named, with both shapes); float arrays of another storage dtype than
            `storage_dtype`; an unsupported file type. Nothing is loaded then.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No weights file at {path}")
    if sha256 is not None:
        verify_sha256(path, sha256)
    if path.endswith(".weights.h5"):
        with _opened(path, "an HDF5 file written by `model.save_weights`"):
            with h5py.File(path, "r") as file:
                found, dtypes = _file_structure(file), _float_dtypes(file)
    elif path.endswith(".keras"):
        with _opened(path, "a zip archive with model.weights.h5, written by `model.save`"):
            with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as member:
                with h5py.File(member, "r") as file:
                    found, dtypes = _file_structure(file), _float_dtypes(file)
    else:
        raise ValueError(f"Weights must be a `.weights.h5` or `.keras` file. Received: {path!r}")
    if storage_dtype is not None and dtypes != {_storage_dtype(storage_dtype)}:
        raise ValueError(
            f"{path} stores its arrays as {sorted(dtypes)}, expected storage_dtype={storage_dtype!r}: not the "
            "file its record describes. Nothing was loaded."
        )
    _check_structure(model, found, path)
    model.load_weights(path)  # a .keras file: only the arrays are read, never the config: no code can run


def save_weights_file(model, path, storage_dtype="float32"):
    """Writes `model`'s weights to a `.weights.h5` file, its float arrays stored as `storage_dtype`.

    `"float16"` halves the file (the arrays are rounded to the nearest float16; `load_weights_file`
    restores float32 variables of those values). The same weights always give the same bytes.

    Args:
        model: a built Keras model.
        path: the `.weights.h5` file to write, its folder made if missing; written aside and renamed over
            `path`, so an existing file is replaced whole or, on an error, left as it was.
        storage_dtype: `"float32"` (as `model.save_weights`) or `"float16"`.

    Returns:
        The preset `weights` record of the file: `{"path", "sha256", "file_size", "storage_dtype"}`.

    Raises:
        ValueError: another `storage_dtype`, a path not ending in `.weights.h5`, or a weight beyond
            float16's range (the variable named); nothing is written then.

    Example:
    >>> record = save_weights_file(model, "zf5.weights.h5", storage_dtype="float16")  # doctest: +SKIP
    >>> record["storage_dtype"], record["sha256"] == sha256_of("zf5.weights.h5")       # doctest: +SKIP
    ('float16', True)
    """
    storage_dtype = _storage_dtype(storage_dtype)
    path = os.fspath(path)
    if not path.endswith(".weights.h5"):
        raise ValueError(f"A weights file's name ends in `.weights.h5`. Received: path={path!r}")
    if storage_dtype == "float16":
        limit = float(np.finfo(np.float16).max)
        for variable in model.weights:
            largest = float(np.max(np.abs(keras.ops.convert_to_numpy(variable)), initial=0.0))
            if not largest <= limit:
                raise ValueError(
                    f"Weight {variable.path!r} reaches {largest:g}, beyond float16's {limit:g}: store it as "
                    "float32. Nothing was written."
                )
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    hidden = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}")
    temporary, partial = f"{hidden}.float32.weights.h5", f"{hidden}.partial.weights.h5"
    try:  # the file appears whole or not at all: written aside, then renamed over `path`
        model.save_weights(temporary)
        with h5py.File(temporary, "r") as source, h5py.File(partial, "w") as target:
            _copy_group(source, target, np.dtype(storage_dtype))
        os.replace(partial, path)
    finally:
        for leftover in (temporary, partial):
            if os.path.exists(leftover):
                os.remove(leftover)
    return {"path": path, "sha256": sha256_of(path), "file_size": os.path.getsize(path), "storage_dtype": storage_dtype}


def storage_dtype_of(path):
    """The dtype (`"float32"`, `"float16"`) a `.weights.h5` file stores its float arrays in."""
    with _opened(os.fspath(path), "an HDF5 file written by `model.save_weights`"):
        with h5py.File(os.fspath(path), "r") as file:
            dtypes = _float_dtypes(file)
    if len(dtypes) != 1:
        raise ValueError(f"{path} stores its float arrays as {sorted(dtypes) or 'nothing'}, not one dtype")
    return dtypes.pop()


def _storage_dtype(value):
    if value not in STORAGE_DTYPES:
        raise ValueError(f"storage_dtype must be one of {STORAGE_DTYPES}. Received: storage_dtype={value!r}")
    return value


def _copy_group(source, target, dtype):
    """Copies an HDF5 group's attributes, groups and datasets, float arrays cast to `dtype`."""
    target.attrs.update(source.attrs)
    for key, item in source.items():
        if isinstance(item, h5py.Group):
            _copy_group(item, target.create_group(key), dtype)
        else:
            data = item[()]
            if isinstance(data, np.ndarray) and data.dtype.kind == "f":
                data = data.astype(dtype)
            target.create_dataset(key, data=data)


def _float_dtypes(file):
    """The set of dtype names of a weights file's float arrays."""
    dtypes = set()

    def visit(_, item):
        if isinstance(item, h5py.Dataset) and item.dtype.kind == "f":
            dtypes.add(item.dtype.name)

    file.visititems(visit)
    return dtypes


@contextlib.contextmanager
def _opened(path, expected):
    """Turns h5py's and zipfile's errors on an empty, truncated or foreign file into one naming the path."""
    try:
        yield
    except (OSError, KeyError, zipfile.BadZipFile) as error:
        size = os.path.getsize(path)
        raise ValueError(
            f"{path} ({size} bytes) is not a readable Keras weights file: expected {expected} ({error}). "
            "Nothing was loaded."
        ) from None


def model_structure(model):
    """`{h5 path: (layer name, [variable shapes])}` of every layer with variables, as Keras saves them.

    Keras addresses a layer in a weights file by the snake-cased class names of the layers of its
    container, made unique by `_1`, `_2`, ... in order (`layers/functional/layers/conv2d_1`), not by its
    name. This mirrors that rule so that a mismatch can be reported with the layer's own name.
    """
    structure = {}
    _walk(model, "", structure)
    return structure


def _walk(container, prefix, structure):
    used = {}
    for layer in container.layers:
        base = _snake_case(type(layer).__name__)
        used[base] = used.get(base, -1) + 1
        path = f"{prefix}layers/{base}" + (f"_{used[base]}" if used[base] else "")
        if isinstance(layer, keras.Model):
            _walk(layer, f"{path}/", structure)
        elif layer.weights:
            structure[path] = (layer.name, [tuple(v.shape) for v in layer.weights])


def _snake_case(name):
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _file_structure(file):
    """`{h5 path: [variable shapes]}` of every non-empty `vars` group of a Keras weights file."""
    structure = {}

    def visit(name, item):
        if isinstance(item, h5py.Group) and name.endswith("/vars") and len(item):
            structure[name[: -len("/vars")]] = [tuple(item[key].shape) for key in sorted(item, key=int)]

    file.visititems(visit)
    return structure


def _check_structure(model, found, path):
    expected = model_structure(model)
    for key, (layer_name, shapes) in expected.items():
        if key not in found:
            raise ValueError(
                f"{path} does not fit model {model.name!r}: it has no weights for layer {layer_name!r} "
                f"(expected {shapes} at {key!r}). Nothing was loaded."
            )
        if found[key] != shapes:
            raise ValueError(
                f"{path} does not fit model {model.name!r}: layer {layer_name!r} expects weights of shapes "
                f"{shapes}, the file holds {found[key]}. Nothing was loaded."
            )
    extra = sorted(set(found) - set(expected))
    if extra:
        raise ValueError(
            f"{path} does not fit model {model.name!r}: it holds weights for layers the model does not have, "
            f"e.g. {extra[0]!r} with shapes {found[extra[0]]}. Nothing was loaded."
        )
