"""Argument checks shared by keras_spp, zoo and training: one positive-integer check, one "did you mean"."""

import difflib
import numbers


def positive_int(value, name, allow_none=False):
    """Returns `value` as an int >= 1, or raises ValueError quoting it (None passes when `allow_none`).

    Args:
        value: the value to check (bools are refused, NumPy integers accepted).
        name: the argument's name, quoted in the message.
        allow_none: accept (and return) None.

    Example:
    >>> positive_int(3, "top_k")
    3
    >>> positive_int(0, "top_k")
    Traceback (most recent call last):
    ...
    ValueError: `top_k` must be an integer >= 1. Received: top_k=0
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        expected = "None or an integer >= 1" if allow_none else "an integer >= 1"
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={value!r}")
    return int(value)


def did_you_mean(name, known, n=5, cutoff=0.5):
    """A hint naming the entries of `known` closest to `name`, else listing them all.

    Example:
    >>> did_you_mean("zf5_sp", ["zf5", "zf5_spp", "convnet5"])
    "Did you mean 'zf5_spp', 'zf5'?"
    >>> did_you_mean("vgg16", ["zf5", "zf5_spp"])
    'Known names: zf5, zf5_spp.'
    """
    close = difflib.get_close_matches(str(name), list(known), n=n, cutoff=cutoff)
    if close:
        return f"Did you mean {', '.join(repr(c) for c in close)}?"
    return f"Known names: {', '.join(known)}."
