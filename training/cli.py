"""`keras-spp`: one command line, one subcommand per module of `training.commands`.

Modules are imported only when their subcommand runs, so `keras-spp demo` does not pay for training imports.
This is the one place where an error becomes a message and an exit status: a user's mistake (a ValueError,
TypeError, OSError or RuntimeError from a command or the library) prints one line,
`keras-spp COMMAND: error: ...`, and exits with status 2, as argparse does for a bad flag; `--debug` shows
the traceback instead. The library names its arguments `like_this`; where such a name is a flag of the
command, the message names the flag (`--like-this`).
"""

import argparse
import importlib
import re
import sys

COMMANDS = {
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
        prog="keras-spp", description="SPP-net for Keras 3: demo, train, evaluate, export."
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        subparsers.add_parser(name, help=help_text, add_help=False)
    args, rest = parser.parse_known_args(argv)
    debug = args.debug or "--debug" in rest
    rest = [a for a in rest if a != "--debug"]
    module = importlib.import_module(f"training.commands.{args.command.replace('-', '_')}")
    sub = argparse.ArgumentParser(prog=f"keras-spp {args.command}", description=COMMANDS[args.command])
    module.add_arguments(sub)
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


def with_flag_names(message, flags):
    """Replaces each `name` of `flags` in a library message by its flag.

    Example:
    >>> with_flag_names("`batch_size` 3 must be a multiple of the 2 replicas", {"batch_size": "--batch-size"})
    '--batch-size 3 must be a multiple of the 2 replicas'
    """
    return re.sub(r"`([A-Za-z_][A-Za-z0-9_]*)`", lambda m: flags.get(m.group(1), m.group(0)), message)


if __name__ == "__main__":
    sys.exit(main())
