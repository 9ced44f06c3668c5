"""Write docs/measurements/2026-12-02-real-size-eegnet-memory/ from the stopped run (one-off, recorded in command.txt)."""
import json, shutil, sys, datetime as dt
from pathlib import Path
sys.path.insert(0, "benchmarks")
from peak_memory import markdown
from emoclip_plugin.benchmark.fingerprint import package_versions

dest = Path("docs/measurements/2026-12-02-real-size-eegnet-memory")
dest.mkdir(parents=True, exist_ok=True)
mem, run = Path("/tmp/mem-eegnet"), Path("/tmp/runs/real-eegnet")
summary = json.loads((mem / "memory.json").read_text())
for name in ("memory.json", "memory.csv"):
    shutil.copy2(mem / name, dest / name)
(dest / "memory.md").write_text(markdown(summary))
folds = sorted((run / "folds").glob("*.json"))
if folds:
    (dest / "folds").mkdir(exist_ok=True)
    for f in folds:
        shutil.copy2(f, dest / "folds" / f.name)
# printed output: tqdm redraws collapsed to each line's last state
raw = Path("/tmp/real-eegnet.log").read_text(errors="replace")
lines = []
for line in raw.split("\n"):
    parts = [p for p in line.split("\r") if p.strip()]
    if parts:
        lines.append(parts[-1].rstrip())
(dest / "output.txt").write_text("\n".join(lines) + "\n")
prov = json.loads((run / "provenance.json").read_text())
started = prov["started"]
ended = (dt.datetime.fromisoformat(started) + dt.timedelta(seconds=summary["wall_seconds"])).isoformat(timespec="seconds")
out = {"command": "python benchmarks/peak_memory.py --interval 1 --stop-after 2700 --out /tmp/mem-eegnet -- "
                  + " ".join(["python", *prov["command"][1:]]),
       "output": "output.txt", "started": started, "ended": ended, "wall_seconds": summary["wall_seconds"],
       "host": prov["host"], "code": prov["code"], "git_commit": prov["git_commit"], "git_dirty": prov["git_dirty"],
       "git_diff_hash": prov["git_diff_hash"],
       "code_note": "the sources of this fingerprint were committed unchanged as fe55ddf (the run started from the "
                    "working tree just before that commit)",
       "versions": package_versions(),
       "machine": "this project's CPU VM: 2 cores, 24 GiB RAM, no GPU",
       "finished_folds": len(folds)}
(dest / "provenance.json").write_text(json.dumps(out, indent=1) + "\n")
(dest / "command.txt").write_text(out["command"] + "\n" + f"# wall time: {summary['wall_seconds'] / 60:.1f} min "
                                  f"({started} -> {ended}), host {prov['host']}; SIGINT at 45 min was ignored (see README.md), the process group ended by SIGTERM at 46.4 min\n"
                                  f"# code: {prov['code']} (committed as fe55ddf)\n"
                                  "# memory.md: python /tmp/art/make_artefact.py (peak_memory.markdown of memory.json)\n")
print(dest, sorted(p.name for p in dest.iterdir()))
