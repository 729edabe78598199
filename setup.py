"""Packaging beyond setup.cfg: the code packages, found, and two data-only packages that carry the shipped
presets' weights and the sample photos in the wheel (no code, no __init__.py): saved_models/ becomes
zoo/saved_models/ and samples/ training/samples/. A source checkout reads them where they are
(zoo.loading.SAVED_MODELS, training.commands.demo.SAMPLES look in both places).
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {"zoo.saved_models": "saved_models", "training.samples": "samples"}

setup(
    packages=find_packages(include=["keras_spp", "keras_spp.*", "zoo", "zoo.*", "training", "training.*"])
    + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
)
