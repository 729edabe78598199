"""Atomic file writes: a reader (or a process killed mid-write) sees the old file or the new one, never half."""

import os


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_save(path, save):
    """Calls `save(temporary_path)` for a hidden path beside `path`, then renames it to `path`.

    For writers that take a file name (e.g. `model.save_weights`); the temporary name keeps `path`'s suffix.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    name = os.path.basename(path)
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{name}")
    try:
        save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    _fsync_dir(folder)


def atomic_write(path, write):
    """Calls `write(file_object)` on a temporary file beside `path`, fsyncs it and renames it to `path`.

    Example:
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "run.json")
    >>> atomic_write(path, lambda f: f.write(b"{}"))
    >>> open(path).read()
    '{}'
    """

    def save(tmp):
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())

    atomic_save(path, save)


def atomic_write_text(path, text):
    """Writes `text` (UTF-8) to `path` atomically."""
    atomic_write(path, lambda f: f.write(text.encode()))
