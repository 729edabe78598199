"""Atomic file writes: a reader (or a process killed mid-write) sees the old file or the new one, never half."""

import contextlib
import os
import re

from keras_spp.export.temp_names import host_name, left_by_dead_writer

# `.tmp-<host>-<pid>-<name>`: a writer killed mid-write leaves this; a later run removes it once that pid is gone.
_TMP_NAME = re.compile(r"\.tmp-(?P<host>.+)-(?P<pid>\d+)-(?P<name>[^-]+)")


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
    tmp = os.path.join(folder, f".tmp-{host_name()}-{os.getpid()}-{name}")
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


def remove_stale_temp_files(*folders):
    """Removes the temporary files of `atomic_save` in `folders` whose writer (a process of this host) is gone.

    Returns the removed paths. A file of a live process, of another host (a shared file system), or without
    a host in its name (written before hosts were recorded) is left alone.
    """
    removed = []
    for folder in folders:
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            match = _TMP_NAME.fullmatch(name)
            path = os.path.join(folder, name)
            if match and left_by_dead_writer(match["host"], match["pid"]) and os.path.isfile(path):
                os.remove(path)
                removed.append(path)
    return removed


@contextlib.contextmanager
def run_folder(out):
    """Creates the folder `out` for the block; if the block fails and this call created `out`, removes it
    again when nothing was written in it (empty subfolders only), so a refused run leaves nothing behind."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise ValueError(f"`out` {out!r} exists and is not a folder")
    created = not os.path.exists(out)
    os.makedirs(out, exist_ok=True)
    try:
        yield out
    except BaseException:
        if created and not any(files for _, _, files in os.walk(out)):
            for folder, _, _ in sorted(os.walk(out), key=lambda entry: -len(entry[0])):
                with contextlib.suppress(OSError):
                    os.rmdir(folder)
        raise
