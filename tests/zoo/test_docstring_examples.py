"""Every Example in the zoo's docstrings runs and prints what it says (the house style asks for it)."""

import doctest
import importlib
import pkgutil

import pytest

import zoo

MODULES = ["zoo"] + sorted(info.name for info in pkgutil.walk_packages(zoo.__path__, "zoo."))


@pytest.mark.parametrize("module_name", MODULES)
def test_examples(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} failing example(s) in {module_name}"
