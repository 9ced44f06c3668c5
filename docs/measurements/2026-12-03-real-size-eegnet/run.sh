#!/usr/bin/env bash
# Issue 21: EEGNet alone at real size, as the four-model run trains it (smoke preset, --jobs 2), to measure what
# the fast-model run (2026-12-02-real-size-fast-run) could not reach: EEGNet's epoch times, its peak memory and, if
# time allows, whole folds. Stops itself at STOP (a time `date -d` reads, e.g. 16:00), SIGINT: finished folds are kept.
#
#   bash docs/measurements/2026-12-03-real-size-eegnet/run.sh 16:00
#   python docs/measurements/2026-12-03-real-size-eegnet/make_artefact.py     # then commit this folder
#
# Needs the project's .venv (make setup; or PY=...) and ~20 GB free under /tmp (15 GB folder, caches).
set -euo pipefail
STOP=${1:?usage: run.sh STOP_TIME}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$HERE" rev-parse --show-toplevel)
PY=${PY:-$REPO/.venv/bin/python}
CACHE=/tmp/ps-real
FOLDER=$CACHE/perf-scale/seed-15subj-226s-jitter0.18-blinks10-line5-gen1/Preprocessed_EEG
OUT=/tmp/runs/eegnet
export PYTHONPATH=$REPO  # this checkout's package
[ -x "$PY" ] || { echo "run.sh: $PY not found: run 'make setup' first (or set PY)" >&2; exit 2; }
cd "$REPO"
if ! ls "$FOLDER"/*.mat > /dev/null 2>&1; then
  # the real-size folder of perf_scale.py and the 2026-12-02 run (synthetic: generator seed 1)
  "$PY" -m emoclip_plugin.data.synthetic --dataset seed --subjects 15 --seconds 226 --seed 1 \
    --length-jitter 0.18 --blinks-per-minute 10 --line-noise-uv 5 "$FOLDER" 2> /tmp/eegnet-folder.log
fi
STOP_AFTER=$(( $(date -d "$STOP" +%s) - $(date +%s) ))
[ "$STOP_AFTER" -gt 600 ] || { echo "run.sh: less than 10 minutes before $STOP" >&2; exit 2; }
CMD=("$PY" benchmarks/run_all.py --root "$FOLDER" --preset smoke --models eegnet --jobs 2 --cache "$CACHE" --out "$OUT")
{ echo "python benchmarks/peak_memory.py --interval 1 --stop-after $STOP_AFTER --out /tmp/mem-eegnet -- ${CMD[*]}" | sed "s#$PY#python#g"
  echo "# code $(git rev-parse HEAD) (dirty: $(git status --porcelain -- emoclip_plugin benchmarks | grep -q . && echo yes || echo no)), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), started $(date -u +%FT%TZ)"
} > /tmp/eegnet-cmd.txt
"$PY" benchmarks/peak_memory.py --interval 1 --stop-after "$STOP_AFTER" --out /tmp/mem-eegnet -- "${CMD[@]}" \
  > /tmp/eegnet.log 2>&1 || true
echo "# ended $(date -u +%FT%TZ)" >> /tmp/eegnet-cmd.txt
tail -n 3 /tmp/eegnet.log
