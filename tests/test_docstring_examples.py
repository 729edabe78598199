"""Every Example in the docstrings of keras_spp, zoo and training runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import keras_spp
import training
import zoo

MODULES = sorted(
    name
    for package in (keras_spp, zoo, training)
    for name in [package.__name__]
    + [info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
)


@pytest.mark.parametrize("module_name", MODULES)
def test_examples(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} failing example(s) in {module_name}"
