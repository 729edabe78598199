"""One module per `keras-spp` subcommand: `add_arguments(parser)` and `run(args) -> int`.

A command parses its arguments and calls library functions (keras_spp, zoo, the other modules of
training), nothing more; no command imports another. Errors are raised, not printed: `training.cli`
turns them into one line and an exit status.
"""
