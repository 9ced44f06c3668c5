"""Add one segment of the real-size fast run to this artefact (see README.md and continue.sh).

    python docs/measurements/2026-12-02-real-size-fast-run/make_artefact.py SEGMENT

Reads /tmp/runs/real-fast (the run's results store), /tmp/mem-fast-SEGMENT (peak_memory.py's output) and
/tmp/real-fast-SEGMENT.log (the printed output), and writes here: ``folds/`` (every fold finished so far: the
store a later segment resumes from), ``fold-times.txt`` (when each fold finished), ``results.csv``,
``segments/SEGMENT/`` (command, memory, output, the run's provenance), ``segments.csv`` and ``segments.md`` (one row
per segment) and ``progress.md`` (folds, accuracy, training time per model and when its last fold finished,
generated from results.csv and fold-times.txt). Once all folds are finished it also copies the run's report (summary.md & co.).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
RUN = Path("/tmp/runs/real-fast")
MODELS = ["de_logreg", "dgcnn", "frames_logreg", "eegnet"]
FOLDS_PER_MODEL = 15
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
RUNNING_BAR = re.compile(r"^\s+\S+ s\d\d( seed \d+)?:")  # the bars of running folds (their last states only)


def collapse(raw: str) -> str:
    """The printed output with tqdm's redraws collapsed: each line's last state; repeated states of one bar are
    left out (the fold bar's and feature bars' last states stay); the running folds' bars come last, one line each
    (its last state that has a rate)."""
    out: list[str] = []
    running: dict[str, str] = {}  # a running fold's bar -> its last state with a rate
    for line in ANSI.sub("", raw).split("\n"):
        parts = [p.rstrip() for p in line.split("\r") if p.strip()]
        for part in parts:
            if RUNNING_BAR.match(part):
                if "window/s" in part and "?window/s" not in part:
                    running[part.split(":")[0].strip()] = part.strip()
                continue
            key = part.split(":")[0] if "|" in part else None
            if key and out and "|" in out[-1] and out[-1].split(":")[0] == key:
                out[-1] = part  # the same bar redrawn
            else:
                out.append(part)
    if running:
        out += ["", "# each running fold's bar, last state with a rate (the folds the run was stopped in or "
                "the last ones):"] + [running[k] for k in sorted(running)]
    return "\n".join(out) + "\n"


def main(segment: str) -> int:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from peak_memory import markdown

    mem_dir, log = Path(f"/tmp/mem-fast-{segment}"), Path(f"/tmp/real-fast-{segment}.log")
    summary = json.loads((mem_dir / "memory.json").read_text())
    run_prov = json.loads((RUN / "provenance.json").read_text())
    seg = HERE / "segments" / segment
    seg.mkdir(parents=True, exist_ok=True)
    for name in ("memory.json", "memory.csv"):
        shutil.copy2(mem_dir / name, seg / name)
    (seg / "memory.md").write_text(markdown(summary))
    (seg / "output.txt").write_text(collapse(log.read_text(errors="replace")))
    shutil.copy2(RUN / "provenance.json", seg / "run-provenance.json")

    folds = HERE / "folds"
    folds.mkdir(exist_ok=True)
    for f in sorted((RUN / "folds").glob("*.json")):
        shutil.copy2(f, folds / f.name)
    after = len(list(folds.glob("*.json")))
    times_path = HERE / "fold-times.txt"  # when each fold finished (its file's mtime; git does not keep mtimes)
    times = dict(reversed(line.split(" ", 1)) for line in times_path.read_text().splitlines()) \
        if times_path.exists() else {}
    for f in (RUN / "folds").glob("*.json"):
        times[f.name] = dt.datetime.fromtimestamp(f.stat().st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
    times_path.write_text("".join(f"{times[n]} {n}\n" for n in sorted(times, key=lambda n: (times[n], n))))
    shutil.copy2(RUN / "results.csv", HERE / "results.csv")

    started = dt.datetime.fromisoformat(run_prov["started"])
    # folds finished before this segment started (counted from their times: a rerun of this script gives the same)
    before = sum(dt.datetime.fromisoformat(t) < started for t in times.values())
    ended = started + dt.timedelta(seconds=summary["wall_seconds"])
    stopped = summary.get("stopped_after_seconds")
    interrupted = bool(stopped) or summary["exit_status"] == 130  # --stop-after, or SIGINT sent by hand
    command = " ".join(["python", "benchmarks/peak_memory.py", "--interval", "1"]
                       + (["--stop-after", f"{stopped:g}"] if stopped else [])
                       + ["--out", str(mem_dir), "--", "python", *run_prov["command"][1:]])
    (seg / "command.txt").write_text(
        f"{command}\n# run from a worktree of {run_prov['git_commit']} (PYTHONPATH=<worktree>; continue.sh)\n"
        f"# wall time: {summary['wall_seconds'] / 60:.1f} min ({started.isoformat()} -> "
        f"{ended.isoformat(timespec='seconds')}), host {run_prov['host']}; "
        f"{'stopped by SIGINT' if interrupted else 'ended by itself'}, exit status {summary['exit_status']}\n"
        f"# code: {run_prov['code']} (git {run_prov['git_commit']}, dirty: {run_prov['git_dirty']})\n"
        f"# folds finished: {before} before this segment, {after} after\n")

    rows_path = HERE / "segments.csv"
    rows = list(csv.DictReader(rows_path.open())) if rows_path.exists() else []
    rows = [r for r in rows if r["segment"] != segment]
    rows.append({"segment": segment, "started": started.isoformat(), "ended": ended.isoformat(timespec="seconds"),
                 "wall_minutes": f"{summary['wall_seconds'] / 60:.1f}", "end": "SIGINT" if interrupted else "finished",
                 "exit_status": summary["exit_status"], "folds_before": before, "folds_after": after,
                 "peak_private_gb": f"{summary['peak_tree_private_gb']:.1f}",
                 "peak_resident_gb": f"{summary['peak_tree_rss_gb']:.1f}",
                 "lowest_available_gb": f"{summary['lowest_available_gb']:.1f}",
                 "host": run_prov["host"], "code": run_prov["code"]})
    with rows_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    results = list(csv.DictReader((HERE / "results.csv").open()))
    lines = ["| model | folds finished | accuracy so far (mean ± sample std over finished folds, %) | "
             "training time of the finished folds | epochs (min-max) | last fold finished |", "|---|---|---|---|---|---|"]
    segments = [(dt.datetime.fromisoformat(r["started"]), dt.datetime.fromisoformat(r["ended"]), r["segment"])
                for r in rows]
    import statistics as st

    def finished(model: str) -> str:
        """When a model's last fold finished, in minutes after the start of the segment it finished in (wall time
        including the feature building of that segment), once all its folds are done."""
        mine = [dt.datetime.fromisoformat(t) for n, t in times.items() if f"__{model}__" in n]
        if len(mine) < FOLDS_PER_MODEL:
            return "-"
        last = max(mine)
        for start, end, name in segments:
            if start <= last <= end:
                return f"{(last - start).total_seconds() / 60:.1f} min after segment {name}'s start"
        return last.isoformat()

    for model in MODELS:
        mine = [r for r in results if r["model"] == model]
        acc = [100 * float(r["accuracy"]) for r in mine]
        secs = sum(float(r["train_seconds"]) for r in mine)
        epochs = [int(float(r["epochs"])) for r in mine if r["epochs"]]
        lines.append(f"| {model} | {len(mine)} / {FOLDS_PER_MODEL} | "
                     + (f"{st.mean(acc):.2f} ± {st.stdev(acc):.2f}" if len(acc) > 1 else f"{acc[0]:.2f}" if acc else "-") + " | "
                     + (f"{secs / 60:.1f} min" if mine else "-") + " | "
                     + (f"{min(epochs)}-{max(epochs)}" if epochs else "-") + " | " + finished(model) + " |")
    (HERE / "progress.md").write_text("\n".join(lines) + "\n")
    seg_lines = ["| segment | started | wall | ended by | folds finished (before → after) | peak memory, private | "
                 "peak memory, resident | lowest available memory |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        seg_lines.append(f"| {r['segment']} | {r['started'][:16].replace('T', ' ')} UTC | {r['wall_minutes']} min | "
                         f"{r['end']} (exit {r['exit_status']}) | {r['folds_before']} → {r['folds_after']} of "
                         f"{len(MODELS) * FOLDS_PER_MODEL} | {r['peak_private_gb']} GB | {r['peak_resident_gb']} GB | "
                         f"{r['lowest_available_gb']} GB |")
    (HERE / "segments.md").write_text("\n".join(seg_lines) + "\n")

    if after == len(MODELS) * FOLDS_PER_MODEL:
        for f in RUN.iterdir():
            if f.is_file() and f.name not in ("provenance.json",):
                shutil.copy2(f, HERE / f.name)
    print(f"{HERE.relative_to(REPO)}: segment {segment}, folds {before} -> {after} of "
          f"{len(MODELS) * FOLDS_PER_MODEL}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "1"))
