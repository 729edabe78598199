"""`keras-spp`: one command line, one subcommand per module of `training.commands`.

Modules are imported only when their subcommand runs, so `keras-spp demo` does not pay for training imports.
This is the one place where an error becomes a message and an exit status: a user's mistake (a ValueError,
TypeError, OSError or RuntimeError from a command or the library) prints one line,
`keras-spp COMMAND: error: ...`, and exits with status 2, as argparse does for a bad flag; `--debug` shows
the traceback instead. The library names its arguments `like_this`; where such a name is a flag of the
command, the message names the flag (`--like-this`).

TensorFlow's start-up log lines (oneDNN, CPU instructions, absl) are quiet unless `--verbose` is given
(any value but `--verbose 0`); an explicit `TF_CPP_MIN_LOG_LEVEL` is kept. Every `--help` shows the defaults.
"""

import argparse
import importlib
import os
import re
import sys

COMMANDS = {
    "classify": "the top classes of photos, each at its own aspect ratio",
    "demo": "pool images of different sizes into fixed-length vectors",
    "export": "export a zoo model: TF Serving SavedModel (versioned) or TFLite (quantized)",
    "train": "train a zoo classifier (multi-size, full-image, any tf.distribute strategy)",
    "evaluate": "top-1/top-5 of a classifier: center crop, full image or 10 views",
    "train-detector": "fine-tune an SPP-net detector head on VOC-format data (conv5 cached)",
    "detect": "detect objects in images with an SPP-net detector (JSON lines, PNG drawings)",
    "evaluate-detector": "VOC07 mAP of a detector on a VOC-format split (JSON report, PR curves)",
}
USER_ERRORS = (ValueError, TypeError, OSError, RuntimeError)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="keras-spp", description="SPP-net for Keras 3: classify, demo, train, evaluate, export."
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        subparsers.add_parser(name, help=help_text, add_help=False)
    args, rest = parser.parse_known_args(argv)
    debug = args.debug or "--debug" in rest
    rest = [a for a in rest if a != "--debug"]
    if not wants_tf_logs(rest):
        import_tensorflow_quietly()
    module = importlib.import_module(f"training.commands.{args.command.replace('-', '_')}")
    sub = argparse.ArgumentParser(
        prog=f"keras-spp {args.command}", description=COMMANDS[args.command], formatter_class=DefaultsHelpFormatter
    )
    module.add_arguments(sub)
    if not any("--verbose" in a.option_strings for a in sub._actions):
        sub.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up log lines")
    command_args = sub.parse_args(rest)
    try:
        return module.run(command_args) or 0
    except USER_ERRORS as error:
        if debug:
            raise
        flags = {a.dest: a.option_strings[0] for a in sub._actions if a.option_strings and a.dest != "help"}
        flags.update(getattr(module, "FLAG_NAMES", {}))
        message = " ".join(with_flag_names(str(error), flags).split())  # one line
        print(f"keras-spp {args.command}: error: {message}", file=sys.stderr)
        return 2


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Adds "(default: X)" to every option's help that has a default and does not already say it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if not action.option_strings or action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return f"{text} (default: %(default)s)"


def import_tensorflow_quietly():
    """Imports TensorFlow with its start-up lines silenced: TF 2.21 prints them through absl at load time,
    past `TF_CPP_MIN_LOG_LEVEL`, so stderr's file descriptor is pointed at /dev/null for the import only.
    An import error is still raised (and printed) after stderr is back."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def wants_tf_logs(argv):
    """Whether `--verbose` (or `--verbose N`, N > 0) is among the arguments."""
    for i, arg in enumerate(argv):
        if arg == "--verbose":
            return argv[i + 1 : i + 2] != ["0"]
        if arg.startswith("--verbose="):
            return arg != "--verbose=0"
    return False


def with_flag_names(message, flags):
    """Replaces each `name` of `flags` in a library message by its flag.

    Example:
    >>> with_flag_names("`batch_size` 3 must be a multiple of the 2 replicas", {"batch_size": "--batch-size"})
    '--batch-size 3 must be a multiple of the 2 replicas'
    """
    return re.sub(r"`([A-Za-z_][A-Za-z0-9_]*)`", lambda m: flags.get(m.group(1), m.group(0)), message)


if __name__ == "__main__":
    sys.exit(main())
