"""The house's layering, checked on the source: what may import what, and no room too big.

keras_spp imports neither zoo nor training; zoo never imports training; the library modules of training
never import a command or the CLI; no command imports another. Files under keras_spp/, zoo/ and training/
stay within 300 lines.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("keras_spp", "zoo", "training")
FILES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def imported_modules(path):
    """Absolute names of every module `path` imports, at any depth (function-level imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path):
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def is_under(name, package):
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("path", FILES, ids=module_name)
def test_imports_follow_the_layers(path):
    me = module_name(path)
    imports = imported_modules(path)
    if is_under(me, "keras_spp"):
        assert not [n for n in imports if is_under(n, "zoo") or is_under(n, "training")], me
    if is_under(me, "zoo"):
        assert not [n for n in imports if is_under(n, "training")], me
    commands = [n for n in imports if is_under(n, "training.commands") and n != "training.commands"]
    if is_under(me, "training.commands"):
        assert not [n for n in commands if not is_under(n, me)], f"{me} imports another command: {commands}"
    elif me != "training.cli":
        assert not commands and "training.cli" not in imports, f"library module {me} imports the command side"


@pytest.mark.parametrize("path", FILES, ids=module_name)
def test_no_file_over_300_lines(path):
    assert len(path.read_text().splitlines()) <= 300, module_name(path)


def test_the_version_is_written_once():
    import keras_spp

    assert "version = attr: keras_spp.__version__" in (ROOT / "setup.cfg").read_text()
    assert keras_spp.__version__.count(".") == 2
