"""`keras-spp`: one command line, one subcommand per module of this package.

Each module named in COMMANDS provides `add_arguments(parser)` and `run(args) -> int`. Modules are
imported only when their subcommand runs, so `keras-spp demo` does not pay for training imports.
"""

import argparse
import importlib
import sys

COMMANDS = {
    "demo": ("training.demo", "pool images of different sizes into fixed-length vectors"),
    "export": ("training.export_cli", "export a zoo model: TF Serving SavedModel (versioned) or TFLite (quantized)"),
    "train": ("training.train_classifier", "train a zoo classifier (multi-size, full-image, any tf.distribute strategy)"),
    "evaluate": ("training.evaluate", "top-1/top-5 of a classifier: center crop, full image or 10 views"),
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="keras-spp", description="SPP-net for Keras 3: demo, train, evaluate, export.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        subparsers.add_parser(name, help=help_text, add_help=False)
    args, rest = parser.parse_known_args(argv)
    module = importlib.import_module(COMMANDS[args.command][0])
    sub = argparse.ArgumentParser(prog=f"keras-spp {args.command}", description=COMMANDS[args.command][1])
    module.add_arguments(sub)
    return module.run(sub.parse_args(rest)) or 0


if __name__ == "__main__":
    sys.exit(main())
