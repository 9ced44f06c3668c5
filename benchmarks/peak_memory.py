"""Run a command and record the memory of its whole process tree: peak resident and peak private memory, and how
low the machine's available memory went.

    python benchmarks/peak_memory.py --out runs/mem -- python benchmarks/run_all.py --root ... --jobs 2
    python benchmarks/peak_memory.py --stop-after 3600 --out runs/mem -- python benchmarks/run_all.py ...

Every ``--interval`` seconds it sums over the command and all its descendants (workers included) the resident set
(RSS) and its private part, RSS minus the file-backed and shared pages (on Linux ``RssAnon``: what the process
itself allocated). Pages of a memory-mapped cache count in RSS but not in the private figure: the kernel shares them
between the workers reading the same file and can drop them under pressure, so the private sum is what decides
whether a run fits. ``--out`` gets ``memory.csv`` (one row per sample), ``memory.json`` (the peaks) and
``memory.md`` (them as a table); the summary is printed last. ``--stop-after`` sends the command SIGINT after that
many seconds (a benchmark run then stops; rerun the same command to go on from its finished folds), and the summary
says it was stopped.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def tree_memory(pid: int) -> dict:
    """``{"rss": bytes, "private": bytes, "processes": n}`` of process ``pid`` and all its descendants (processes
    that end while being read are skipped)."""
    import psutil
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return {"rss": 0, "private": 0, "processes": 0}
    rss = private = n = 0
    for proc in procs:
        try:
            info = proc.memory_info()
        except psutil.Error:
            continue
        shared = getattr(info, "shared", 0)  # Linux: RssFile + RssShmem
        rss += info.rss
        private += max(0, info.rss - shared)
        n += 1
    return {"rss": rss, "private": private, "processes": n}


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB"


def markdown(summary: dict) -> str:
    """``memory.json``'s peaks as a one-row Markdown table (what ``OUT/memory.md`` holds)."""
    stopped = summary.get("stopped_after_seconds")
    how = (f"SIGINT after {stopped / 60:.0f} min, exit status {summary['exit_status']}" if stopped
           else f"exit status {summary['exit_status']}")
    return ("| wall | end | peak resident, process tree | peak private, process tree | processes | lowest "
            "available memory |\n|---|---|---|---|---|---|\n"
            f"| {summary['wall_seconds'] / 60:.1f} min | {how} | {summary['peak_tree_rss_gb']:.1f} GB | "
            f"{summary['peak_tree_private_gb']:.1f} GB | {summary['max_processes']} | "
            f"{summary['lowest_available_gb']:.1f} of {summary['machine_memory_gb']:.1f} GB |\n")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        print("peak_memory.py: error: give the command after --, e.g. peak_memory.py -- python run.py",
              file=sys.stderr)
        return 2
    split = argv.index("--")
    p = argparse.ArgumentParser(prog="peak_memory.py", description=__doc__.split("\n")[0])
    p.add_argument("--interval", type=float, default=1.0, help="seconds between samples (default 1)")
    p.add_argument("--stop-after", dest="stop_after", type=float, default=None,
                   help="send the command SIGINT after this many seconds")
    p.add_argument("--out", type=Path, default=None, help="memory.csv and memory.json go here")
    args = p.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command:
        p.error("no command after --")
    if not args.interval > 0:
        p.error(f"--interval {args.interval}: expected a positive number of seconds")
    if args.stop_after is not None and not args.stop_after > 0:
        p.error(f"--stop-after {args.stop_after}: expected a positive number of seconds")
    import psutil

    start = time.time()
    try:
        # SIGINT back to its default in the command: a shell without job control starts background commands with it
        # ignored, and --stop-after (or the user's Ctrl-C) must still reach the command
        child = subprocess.Popen(command, start_new_session=True,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    except OSError as err:
        p.error(f"cannot start {command[0]!r}: {err}")
    samples, stopped = [], False
    peak = {"rss": 0, "private": 0, "processes": 0, "rss_at": 0.0, "private_at": 0.0}
    low_available = psutil.virtual_memory().available
    total = psutil.virtual_memory().total

    def sample() -> None:
        nonlocal low_available
        now = time.time() - start
        mem = tree_memory(child.pid)
        available = psutil.virtual_memory().available
        low_available = min(low_available, available)
        for key in ("rss", "private"):
            if mem[key] > peak[key]:
                peak[key], peak[f"{key}_at"] = mem[key], now
        peak["processes"] = max(peak["processes"], mem["processes"])
        samples.append({"seconds": round(now, 1), "tree_rss_gb": round(mem["rss"] / 1e9, 3),
                        "tree_private_gb": round(mem["private"] / 1e9, 3), "processes": mem["processes"],
                        "available_gb": round(available / 1e9, 3)})

    try:
        while child.poll() is None:
            sample()
            if args.stop_after is not None and not stopped and time.time() - start >= args.stop_after:
                stopped = True
                os.killpg(child.pid, signal.SIGINT)
            time.sleep(args.interval)
    except KeyboardInterrupt:  # the user's Ctrl-C reaches the command's group too; wait for it
        stopped = True
        os.killpg(child.pid, signal.SIGINT)
    try:
        rc = child.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        rc = child.wait()
    wall = time.time() - start
    summary = {
        "command": command, "wall_seconds": round(wall, 1), "exit_status": rc, "stopped_after_seconds":
            args.stop_after if stopped else None,
        "peak_tree_rss_gb": round(peak["rss"] / 1e9, 3), "peak_tree_rss_at_seconds": round(peak["rss_at"], 1),
        "peak_tree_private_gb": round(peak["private"] / 1e9, 3),
        "peak_tree_private_at_seconds": round(peak["private_at"], 1), "max_processes": peak["processes"],
        "lowest_available_gb": round(low_available / 1e9, 3), "machine_memory_gb": round(total / 1e9, 3),
        "interval_seconds": args.interval,
    }
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        with open(args.out / "memory.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["seconds", "tree_rss_gb", "tree_private_gb", "processes",
                                                    "available_gb"])
            writer.writeheader()
            writer.writerows(samples)
        (args.out / "memory.json").write_text(json.dumps(summary, indent=1) + "\n")
        (args.out / "memory.md").write_text(markdown(summary))
    how = (f"stopped by SIGINT after {args.stop_after:g} s (the command's exit status {rc})"
           if stopped and args.stop_after is not None
           else f"stopped by SIGINT (the command's exit status {rc})" if stopped else f"exit status {rc}")
    print(f"[memory] {wall / 60:.1f} min, {how}; peak of the process tree: {_gb(peak['rss'])} resident "
          f"({_gb(peak['private'])} private, i.e. not file-backed or shared) with up to {peak['processes']} "
          f"processes; lowest available memory {_gb(low_available)} of {_gb(total)}", flush=True)
    return rc if not stopped else 0


if __name__ == "__main__":
    sys.exit(main())
