"""Copy a finished benchmark or study run into a committed artefact folder, ``docs/measurements/<date>-<name>/``.

    python benchmarks/save_artefact.py RUN_DIR docs/measurements/2026-12-01-default [--log run.log]

Copies what the run wrote (``results.csv``, ``provenance.json``, ``summary.md``, ``comparisons.csv``, a study's
``ablation.md`` / ``scaling.md``, plots), writes ``command.txt`` from the provenance's command (the interpreter path
shortened to ``python``) and the wall time from its start and end, and the printed output with ``--log``. The README's
and docs' tables are then generated from the folder by ``benchmarks/readme_tables.py``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

COPIED = ("results.csv", "provenance.json", "summary.md", "comparisons.csv", "ablation.md", "scaling.md")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="save_artefact.py", description=__doc__.split("\n")[0])
    p.add_argument("run", type=Path, help="the run's --out folder")
    p.add_argument("dest", type=Path, help="docs/measurements/<date>-<name>")
    p.add_argument("--log", type=Path, default=None, help="the printed output of the run (saved as output.txt)")
    args = p.parse_args(argv)
    prov_path = args.run / "provenance.json"
    if not (args.run / "results.csv").is_file() or not prov_path.is_file():
        p.error(f"{args.run}: expected results.csv and provenance.json (a finished run)")
    prov = json.loads(prov_path.read_text())
    args.dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        if (args.run / name).is_file():
            shutil.copy2(args.run / name, args.dest / name)
    for plot in args.run.glob("*.png"):
        shutil.copy2(plot, args.dest / plot.name)
    command = list(prov.get("command") or [])
    if command and "python" in Path(command[0]).name:
        command[0] = "python"
    start, end = prov.get("started"), prov.get("finished") or prov.get("ended")
    wall = ""
    if start and end:
        seconds = (dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds()
        wall = f"# wall time: {seconds / 60:.1f} min ({start} -> {end}), host {prov.get('host')}\n"
    code = f"# code: {prov.get('code')} (git {prov.get('git_commit')})\n"
    (args.dest / "command.txt").write_text(" ".join(command) + "\n" + wall + code)
    if args.log is not None:
        shutil.copy2(args.log, args.dest / "output.txt")
    print(f"artefact: {args.dest} ({', '.join(sorted(f.name for f in args.dest.iterdir()))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
