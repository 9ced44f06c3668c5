"""``emoclip-bench cache list|clear``: what the cache root holds (with sizes) and removing parts of it.

The layout (:data:`emoclip_plugin.data.cache.LAYOUT`) is shared by the loaders, the benchmark and the text side, so
one listing shows everything the package keeps on disk. Folders a killed build left (``.tmp-*``) are shown as
incomplete and removed by ``clear`` like the rest.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ..data.cache import LAYOUT, default_cache_dir


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def human(n: int) -> str:
    """``1.2 GB``-style size."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def entries(root: Path) -> list[dict]:
    """One entry per cached item under ``root``: ``kind`` (a :data:`LAYOUT` key), ``name``, ``path``, ``bytes``,
    ``complete``. Text embeddings are one entry (many small files)."""
    out = []
    for kind in LAYOUT:
        folder = root / kind
        if not folder.is_dir():
            continue
        if kind == "text-embeddings":
            files = [p for p in folder.rglob("*") if p.is_file()]
            if files:
                out.append({"kind": kind, "name": f"{len(files)} file(s)", "path": folder,
                            "bytes": sum(p.stat().st_size for p in files), "complete": True})
            continue
        for item in sorted(folder.iterdir()):
            out.append({"kind": kind, "name": item.name, "path": item, "bytes": _size(item),
                        "complete": not item.name.startswith(".tmp-")})
    return out


def main(argv: list[str]) -> int:
    """``cache list [--cache DIR]`` / ``cache clear KIND|all [--cache DIR]``."""
    p = argparse.ArgumentParser(prog="run_all.py cache", description="Show or remove emoclip-plugin's caches.")
    p.add_argument("action", choices=("list", "clear"))
    p.add_argument("kind", nargs="?", default=None,
                   help=f"for clear: {' | '.join(LAYOUT)} | all (required)")
    p.add_argument("--cache", type=Path, default=None,
                   help="cache root (default $EMOCLIP_CACHE or ~/.cache/emoclip-plugin)")
    args = p.parse_args(argv)
    root = args.cache or default_cache_dir()
    if args.action == "list":
        if args.kind is not None:
            p.error("list takes no kind")
        found = entries(root)
        print(f"cache root: {root}")
        if not found:
            print("(empty)")
            return 0
        for e in found:
            note = "" if e["complete"] else "  (incomplete: a killed build; removed by clear)"
            print(f"{e['kind']:<16} {human(e['bytes']):>9}  {e['name']}{note}")
        print(f"{'total':<16} {human(sum(e['bytes'] for e in found)):>9}")
        return 0
    if args.kind not in tuple(LAYOUT) + ("all",):
        p.error(f"clear needs what to remove: {', '.join(LAYOUT)} or all (got {args.kind!r})")
    kinds = list(LAYOUT) if args.kind == "all" else [args.kind]
    freed = 0
    for kind in kinds:
        folder = root / kind
        if folder.is_dir():
            freed += _size(folder)
            shutil.rmtree(folder)
            print(f"removed {folder}")
    print(f"freed {human(freed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
