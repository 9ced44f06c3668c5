"""Checks for the optional-but-required TorchEEG stack, with one clear message when it is missing."""
from __future__ import annotations

import importlib

INSTALL_HINT = (
    "emoclip-plugin needs TorchEEG 1.1.3 (installed with --no-deps because of its stale scipy pin), "
    "torch-scatter and braindecode. Run `make setup` in the emoclip-plugin repository, or follow the "
    "'Install' section of README.md."
)


class MissingDependencyError(ImportError):
    """Raised when TorchEEG (or another part of the documented stack) cannot be imported."""


def require(module: str, what: str | None = None):
    """Import ``module`` or raise :class:`MissingDependencyError` naming it and pointing at the README recipe."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - exercised by tests with a blocked import
        name = what or module
        raise MissingDependencyError(f"could not import {name!r} ({exc}). {INSTALL_HINT}") from exc


def require_extra(module: str, extra: str):
    """Import an optional dependency that comes with an extra of ours, or raise :class:`MissingDependencyError` naming
    the extra (``pip install "emoclip-plugin[<extra>]"``)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(f"this part of emoclip-plugin needs {module!r}, which is not installed ({exc}); "
                                     f"install it with: pip install \"emoclip-plugin[{extra}]\" "
                                     f"(`make setup` installs it)") from exc
