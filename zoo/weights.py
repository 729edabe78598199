"""Weights files of the zoo: sha256 verification and an architecture check before anything is loaded.

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


def load_weights_file(model, path, sha256=None):
    """Loads a `.weights.h5` or `.keras` file into `model`, after checking its hash and architecture.

    Args:
        model: the built Keras model to fill.
        path: a `.weights.h5` file (`model.save_weights`) or a `.keras` file (`model.save`).
        sha256: optional expected hex sha256, checked first.

    Raises:
        ValueError: wrong sha256 (both hashes named); a file for another architecture (the first layer
            that does not match named, with both shapes); an unsupported file type. Nothing is loaded then.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No weights file at {path}")
    if sha256 is not None:
        verify_sha256(path, sha256)
    if path.endswith(".weights.h5"):
        with _opened(path, "an HDF5 file written by `model.save_weights`"):
            with h5py.File(path, "r") as file:
                found = _file_structure(file)
    elif path.endswith(".keras"):
        with _opened(path, "a zip archive with model.weights.h5, written by `model.save`"):
            with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as member:
                with h5py.File(member, "r") as file:
                    found = _file_structure(file)
    else:
        raise ValueError(f"Weights must be a `.weights.h5` or `.keras` file. Received: {path!r}")
    _check_structure(model, found, path)
    model.load_weights(path)  # a .keras file: only the arrays are read, never the config: no code can run


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
