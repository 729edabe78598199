"""The one error type the `keras-spp` commands report to users, and how they report it."""

import sys


class UsageError(ValueError):
    """A bad command-line value or input: the CLI prints it as `error: ...` and exits with status 2."""


def exit_status(command, function, args):
    """Runs `function(args)`; returns 0, or 2 after printing `keras-spp COMMAND: error: ...` for a UsageError."""
    try:
        function(args)
        return 0
    except UsageError as error:
        print(f"keras-spp {command}: error: {error}", file=sys.stderr)
        return 2
