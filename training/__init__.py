"""Scripts over the public API of keras_spp and zoo: the `keras-spp` command. Nothing imports this package."""
