"""Write this artefact from run.sh's outputs (see README.md).

    python docs/measurements/2026-12-03-real-size-eegnet/make_artefact.py

Reads /tmp/eegnet-cmd.txt (the command, code and start), /tmp/eegnet.log (the printed output), /tmp/mem-eegnet
(peak_memory.py's trace) and /tmp/runs/eegnet (the run's results store), and writes here: ``command.txt``,
``output.txt`` (tqdm redraws collapsed), ``memory.{csv,json,md}``, ``run-provenance.json``, ``epochs.csv`` (one row
per epoch of each fold: the running-fold bar's last state in that epoch, i.e. the windows it read, its seconds from
the epoch's start to its end including the validation pass, the windows/s and the validation loss; an epoch still
running when the run stopped is marked ``complete = no``), ``epochs.md`` (per fold and phase) and, for folds that
finished, ``folds/`` and ``results.csv``.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import statistics as st
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
RUN, LOG, MEM, CMD = Path("/tmp/runs/eegnet"), Path("/tmp/eegnet.log"), Path("/tmp/mem-eegnet"), Path("/tmp/eegnet-cmd.txt")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
STATE = re.compile(r"^\s*(?P<model>\w+) (?P<fold>s\d\d):\s+\d+%\|[^|]*\|\s*(?P<n>\d+)/(?P<total>\d+) "
                   r"\[(?P<elapsed>[\d:]+)<[^,]*, *(?P<rate>[\d.]+|\?)window/s, (?P<phase>\w+) epoch "
                   r"(?P<epoch>\d+)/(?P<max>\d+)(?:, valid loss (?P<loss>[\d.]+))?\]")


def seconds(clock: str) -> int:
    """tqdm's ``[H:]MM:SS`` in seconds."""
    out = 0
    for part in clock.split(":"):
        out = out * 60 + int(part)
    return out


def epochs(raw: str) -> list[dict]:
    """The last state of each (fold, phase, epoch) of the running-fold bars in the raw output."""
    last: dict[tuple, dict] = {}
    for part in ANSI.sub("", raw).replace("\n", "\r").split("\r"):
        m = STATE.match(part)
        if m:
            last[(m["model"], m["fold"], m["phase"], int(m["epoch"]))] = m.groupdict()
    rows = []
    ordered = sorted(last.items(), key=lambda kv: (kv[0][1], kv[0][2] != "selection", kv[0][3]))
    for i, ((model, fold, phase, epoch), m) in enumerate(ordered):
        secs = seconds(m["elapsed"])
        # an epoch's last drawn state can come before its end (a fold's bar goes when its result arrives): an epoch
        # that a later one of the same fold follows was complete
        later = i + 1 < len(ordered) and ordered[i + 1][0][1] == fold
        complete = m["loss"] is not None or m["n"] == m["total"] or later
        rows.append({"model": model, "fold": fold, "phase": phase, "epoch": epoch, "max_epochs": int(m["max"]),
                     "windows_read": int(m["n"]), "windows_per_epoch": int(m["total"]), "seconds": secs,
                     "windows_per_second": f"{int(m['n']) / secs:.1f}" if secs else "",
                     "valid_loss": m["loss"] or "", "complete": "yes" if complete else "no"})
    return rows


def main() -> int:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from peak_memory import markdown
    spec = importlib.util.spec_from_file_location(
        "fast_run", REPO / "docs/measurements/2026-12-02-real-size-fast-run/make_artefact.py")
    fast_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fast_run)

    raw = LOG.read_text(errors="replace")
    summary = json.loads((MEM / "memory.json").read_text())
    shutil.copy2(CMD, HERE / "command.txt")
    with (HERE / "command.txt").open("a") as fh:
        fh.write(f"# wall time {summary['wall_seconds'] / 60:.1f} min, exit status {summary['exit_status']}"
                 f"{' (stopped by --stop-after)' if summary.get('stopped_after_seconds') else ''}\n")
    (HERE / "output.txt").write_text(fast_run.collapse(raw))
    for name in ("memory.json", "memory.csv"):
        shutil.copy2(MEM / name, HERE / name)
    (HERE / "memory.md").write_text(markdown(summary))
    if (RUN / "provenance.json").exists():
        shutil.copy2(RUN / "provenance.json", HERE / "run-provenance.json")
    finished = sorted((RUN / "folds").glob("*.json")) if (RUN / "folds").is_dir() else []
    if finished:
        (HERE / "folds").mkdir(exist_ok=True)
        for f in finished:
            shutil.copy2(f, HERE / "folds" / f.name)
        if (RUN / "results.csv").exists():
            shutil.copy2(RUN / "results.csv", HERE / "results.csv")

    rows = epochs(raw)
    with (HERE / "epochs.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| fold | phase | complete epochs | windows per epoch | seconds per epoch (min-max) | windows/s (median) "
             "| validation loss by epoch | epoch running at the stop |", "|---|---|---|---|---|---|---|---|"]
    for key in sorted({(r["fold"], r["phase"]) for r in rows}, key=lambda k: (k[0], k[1] != "selection")):
        mine = [r for r in rows if (r["fold"], r["phase"]) == key]
        done = [r for r in mine if r["complete"] == "yes"]
        running = [r for r in mine if r["complete"] == "no"]
        lines.append(
            f"| {key[0]} | {key[1]} | {len(done)} | {mine[0]['windows_per_epoch']} | "
            + (f"{min(r['seconds'] for r in done)}-{max(r['seconds'] for r in done)}" if done else "-") + " | "
            + (f"{st.median(float(r['windows_per_second']) for r in done):.0f}" if done else "-") + " | "
            + (", ".join(r["valid_loss"] for r in done if r["valid_loss"]) or "-") + " | "
            + (f"epoch {running[0]['epoch']}: {running[0]['windows_read']} windows in {running[0]['seconds']} s"
               if running else "-") + " |")
    (HERE / "epochs.md").write_text("\n".join(lines) + "\n")
    print(f"{HERE.relative_to(REPO)}: {len(rows)} epoch rows, {len(finished)} folds finished, "
          f"peak private {summary['peak_tree_private_gb']:.1f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
