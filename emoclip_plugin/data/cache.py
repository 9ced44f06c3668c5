"""Parameter-keyed, crash-safe cache folders for TorchEEG datasets.

TorchEEG reuses any existing ``io_path`` without checking how it was made, and a run killed mid-write leaves a corrupt
one. Here every cache folder's name contains a hash of (a) the source folder's file list with sizes and modification
times and (b) every preprocessing parameter; it is built under a temporary name and renamed into place only after it
is complete, so a later run never trusts a half-written cache.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable, TypeVar

T = TypeVar("T")
_COMPLETE = ".emoclip-complete.json"


#: The one cache layout under the cache root, shared by the data loaders, the benchmark and the text side.
LAYOUT = {
    "datasets": "TorchEEG datasets with our features (load_seed / load_seed_iv / the benchmark)",
    "arrays": "the benchmark's feature arrays (.npy) per dataset and feature kind",
    "splits": "TorchEEG split CSVs of the benchmark's folds",
    "text-embeddings": "class-prompt embeddings per text encoder",
    "embedded": "the benchmark's embedded default folders (synthetic)",
    "generated": "generated folders of the scaling / ablation studies (synthetic)",
}


def default_cache_dir() -> Path:
    """The cache root: ``$EMOCLIP_CACHE`` if set, else ``~/.cache/emoclip-plugin`` (layout: :data:`LAYOUT`)."""
    env = os.environ.get("EMOCLIP_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "emoclip-plugin"


def dataset_cache_dir(root: str | os.PathLike | None = None) -> Path:
    """Where processed datasets live under the cache root ``root`` (default :func:`default_cache_dir`)."""
    return Path(root if root is not None else default_cache_dir()) / "datasets"


def folder_fingerprint(root: str | os.PathLike) -> list[tuple[str, int, int]]:
    """Sorted ``(relative path, size in bytes, mtime in ns)`` of every file below ``root``."""
    root = Path(root)
    rows = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            st = path.stat()
            rows.append((path.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
    return sorted(rows)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cache key parameter of type {type(value).__name__} is not JSON-serialisable: {value!r}")


def cache_key(params: dict, root: str | os.PathLike | None = None) -> str:
    """A 16-hex-digit key from every parameter and (if given) the fingerprint of the folder ``root``."""
    payload = {"params": _jsonable(params)}
    if root is not None:
        payload["root"] = str(Path(root).resolve())
        payload["files"] = folder_fingerprint(root)
    blob = json.dumps(payload, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_orphans(parent: Path) -> None:
    """Remove temporary build folders left by processes that no longer run."""
    for tmp in parent.glob(".tmp-*"):
        try:
            pid = int(tmp.name.split("-")[-2])
        except (ValueError, IndexError):
            continue
        if not _pid_alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)


def cached_build(cache_dir: str | os.PathLike, name: str, key: str, build: Callable[[str], T],
                 meta: dict | None = None, close: Callable[[T], None] | None = None) -> T:
    """Return ``build(io_path)`` on a complete cache folder ``cache_dir/name-key``, building it first if needed.

    ``build`` must create (when the folder does not exist) or open (when it does) a dataset at ``io_path``. The first
    build runs in ``cache_dir/.tmp-name-key-<pid>-<rand>`` and is renamed into place when it returned normally; any
    exception (or a kill) leaves no folder under the final name. ``close(dataset)``, if given, releases the built
    object's open files before the rename (else a garbage collection does).
    """
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    final = cache_dir / f"{name}-{key}"
    if (final / _COMPLETE).is_file():
        return build(str(final))
    _remove_orphans(cache_dir)
    if final.exists():  # not marked complete: never trust it
        shutil.rmtree(final)
    tmp = cache_dir / f".tmp-{name}-{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        dataset = build(str(tmp))
        if close is not None:
            close(dataset)
            del dataset
        else:
            del dataset
            gc.collect()  # closes TorchEEG's LMDB environments before the folder moves
        (tmp / _COMPLETE).write_text(json.dumps({"name": name, "key": key, **(meta or {})}, default=str, indent=1))
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / _COMPLETE).is_file():  # a concurrent build did not finish it either
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return build(str(final))
