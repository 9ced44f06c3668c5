"""Module paths from before the package was grouped into layer folders, kept importing: ``emoclip_plugin.protocols``
is :mod:`emoclip_plugin.benchmark.protocols` (the same module object, so monkeypatching and pickles made with the
old path keep working). :data:`MOVED` maps each old name to its new home."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: old module name -> the module it is now
MOVED = {
    "emoclip_plugin.protocols": "emoclip_plugin.benchmark.protocols",
    "emoclip_plugin.fingerprint": "emoclip_plugin.benchmark.fingerprint",
    "emoclip_plugin.augment": "emoclip_plugin.training.augment",
    "emoclip_plugin.devices": "emoclip_plugin.training.devices",
    "emoclip_plugin.linear": "emoclip_plugin.estimators.linear",
    "emoclip_plugin.registry": "emoclip_plugin.models.registry",
    "emoclip_plugin.transformers": "emoclip_plugin.data.transformers",
}


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves an old name to the module at its new path, imported once under its new name."""

    def __init__(self):
        self._specs: dict = {}

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        module = importlib.import_module(MOVED[spec.name])
        self._specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module):
        # importlib has just set the old name's spec on the (already executed) module: give it back its own
        module.__spec__ = self._specs.pop(module.__spec__.name, module.__spec__)


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _MovedFinder())
