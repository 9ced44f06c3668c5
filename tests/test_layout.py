"""The package's layout: layer folders, imports that only go down the layers, and the module paths from before the
folders still importing."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import emoclip_plugin
from emoclip_plugin._moved import MOVED

ROOT = Path(emoclip_plugin.__file__).resolve().parent
#: bottom to top; a layer may import the ones before it (and the root's private helpers), never one after it
LAYERS = ["data", "text", "models", "training", "estimators", "benchmark", "moabb", "cli"]
ROOT_HELPERS = {"_deps", "_moved", "__version__"}


def _imported_layers(path: Path) -> set[str]:
    """The top-level parts of ``emoclip_plugin`` that ``path`` imports (relative or absolute imports)."""
    package = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + (path.name == "__init__.py")]
            targets = ([base + node.module.split(".")] if node.module
                       else [base + [alias.name] for alias in node.names])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("emoclip_plugin."):
            targets = [node.module.split(".")]
        elif isinstance(node, ast.Import):
            targets = [a.name.split(".") for a in node.names if a.name.startswith("emoclip_plugin.")]
        found |= {t[1] for t in targets if len(t) > 1 and t[0] == "emoclip_plugin"}
    return found


def test_the_package_root_holds_layer_folders_and_the_command_line():
    loose = sorted(p.stem for p in ROOT.glob("*.py") if p.stem != "__init__")
    assert loose == ["_deps", "_moved", "cli"]
    assert {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} == set(LAYERS) - {"cli"}


def test_no_layer_imports_a_layer_above_it():
    upward = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        layer = parts[0] if len(parts) > 1 else parts[0][:-3]
        if layer not in LAYERS:
            continue
        for target in _imported_layers(path) - ROOT_HELPERS - {layer}:
            if target not in LAYERS or LAYERS.index(target) > LAYERS.index(layer):
                upward.append(f"{path.relative_to(ROOT)} imports {target}")
    assert not upward


@pytest.mark.parametrize("old", sorted(MOVED))
def test_the_old_module_paths_still_import_the_same_module(old):
    module, new = importlib.import_module(old), importlib.import_module(MOVED[old])
    assert module is new and module.__name__ == MOVED[old] and module.__spec__.name == MOVED[old]
    public = [n for n in getattr(new, "__all__", dir(new)) if not n.startswith("_")]
    assert public and all(getattr(importlib.import_module(old), n) is getattr(new, n) for n in public)


def test_a_name_never_moved_is_not_resolved():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("emoclip_plugin.no_such_module")
