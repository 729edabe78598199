"""Helpers of the benchmarks/ scripts' tests: a script loaded as a module, the CLI run as its console script."""

import importlib.util
import os
import sys

from tests.training.conftest import REPO


def benchmark_script(name):
    """The module of `benchmarks/<name>.py` (benchmarks/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, "benchmarks", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keras_spp(monkeypatch, *argv):
    """Runs the CLI as the console script would: run.json and eval_*.json record sys.argv."""
    from training import cli

    argv = [str(a) for a in argv]
    monkeypatch.setattr(sys, "argv", ["keras-spp", *argv])
    assert cli.main(argv) == 0
