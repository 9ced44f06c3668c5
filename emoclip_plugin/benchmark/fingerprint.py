"""Provenance: which code computed a result (the code fingerprint) and with which packages.

Every benchmark row records :func:`code_fingerprint`, and a resumed run reuses a stored fold only when its
fingerprint matches the running code. The fingerprint hashes the package's own source files (every file under
``emoclip_plugin/`` but byte-code), so it changes with any edit of the package, committed or not, and stays the same
across commits that do not touch it (README, docs, tests). Inside a git work tree :func:`git_state` also records the
commit and whether the package differs from it, for provenance.
"""
from __future__ import annotations

import hashlib
import subprocess
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _source_files(package_dir: Path) -> list[Path]:
    return sorted(p for p in package_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and p.suffix not in (".pyc", ".pyo"))


def source_hash(package_dir: str | Path = PACKAGE_DIR) -> str:
    """``"src-<16 hex>"``: SHA-256 over the relative paths and contents of the package's source files."""
    package_dir = Path(package_dir)
    digest = hashlib.sha256()
    for path in _source_files(package_dir):
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return "src-" + digest.hexdigest()[:16]


def git_state(package_dir: str | Path = PACKAGE_DIR) -> dict:
    """``{"commit": HEAD or None, "dirty": bool, "diff_hash": hash of the package's uncommitted changes or None}``;
    ``commit`` is ``None`` outside a git work tree (an installed package)."""
    package_dir = Path(package_dir)

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(package_dir), *args], capture_output=True, text=True, timeout=10,
                              check=True).stdout

    try:
        top = Path(git("rev-parse", "--show-toplevel").strip()).resolve()
        package_dir.resolve().relative_to(top)
        commit = git("rev-parse", "HEAD").strip() or None
        diff = git("diff", "HEAD", "--", ".") + git("ls-files", "--others", "--exclude-standard", "--", ".")
    except (OSError, ValueError, subprocess.SubprocessError):
        return {"commit": None, "dirty": False, "diff_hash": None}
    dirty = bool(diff.strip())
    return {"commit": commit, "dirty": dirty,
            "diff_hash": hashlib.sha256(diff.encode()).hexdigest()[:12] if dirty else None}


@lru_cache(maxsize=None)
def code_fingerprint(package_dir: str | None = None) -> str:
    """The fingerprint of the running package (see the module docstring); computed once per process."""
    return source_hash(package_dir or PACKAGE_DIR)


def code_provenance(package_dir: str | None = None) -> dict:
    """``{"code": fingerprint, "git_commit": ..., "git_dirty": ..., "git_diff_hash": ...}`` for provenance files;
    ``git_commit`` carries a ``+dirty`` suffix when the package differs from the commit."""
    state = git_state(package_dir or PACKAGE_DIR)
    commit = state["commit"] and state["commit"] + ("+dirty" if state["dirty"] else "")
    return {"code": code_fingerprint(package_dir), "git_commit": commit, "git_dirty": state["dirty"],
            "git_diff_hash": state["diff_hash"]}


def package_versions() -> dict:
    """Python's and the stack's package versions (``None`` where not installed), for provenance files."""
    import platform
    from importlib import metadata
    out = {"python": platform.python_version()}
    for pkg in ("emoclip-plugin", "torch", "torcheeg", "braindecode", "skorch", "scikit-learn", "transformers",
                "numpy", "scipy", "pandas", "mne", "distributed", "moabb", "pyriemann"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


__all__ = ["code_fingerprint", "code_provenance", "git_state", "package_versions", "source_hash"]
