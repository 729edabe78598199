"""Temporary names that carry their writer's host and process id, so a later writer can tell the leftovers
of a killed writer (same host, process gone) from the files of a live one. Used by the SavedModel export and
by the training checkpoints.

Example:
>>> import os
>>> left_by_dead_writer(host_name(), os.getpid())
False
"""

import os
import socket


def host_name():
    """This machine's host name as it appears in temporary names (never empty, no path separator)."""
    return socket.gethostname().replace(os.sep, "_") or "host"


def writer_alive(pid):
    """Whether process `pid` of this host is alive (this process counts; another user's live process too)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a live process of another user
        return True
    return True


def left_by_dead_writer(host, pid):
    """True when a temporary file named with `host` and `pid` belongs to a writer of this host that is gone."""
    return host == host_name() and not writer_alive(int(pid))
