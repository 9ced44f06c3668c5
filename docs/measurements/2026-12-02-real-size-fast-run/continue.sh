#!/usr/bin/env bash
# Go on with issue 21's full fast run at real size from the folds committed here: same code (a worktree of the
# commit the run started from, so the code fingerprint matches and the benchmark's own resume reuses the folds),
# the same generated folder (written again if absent, then checked against folder-content-sha256.txt), the same
# command. Stops itself after STOP_AFTER seconds (SIGINT: the folds finished so far are kept).
#
#   bash docs/measurements/2026-12-02-real-size-fast-run/continue.sh STOP_AFTER_SECONDS SEGMENT
#   python docs/measurements/2026-12-02-real-size-fast-run/make_artefact.py SEGMENT    # then commit this folder
#
# SEGMENT: a short name for this piece of the run (1, 2, ...). Needs the project's .venv (make setup) and ~25 GB
# free under /tmp (15 GB folder, ~11 GB caches).
set -euo pipefail
STOP_AFTER=${1:?usage: continue.sh STOP_AFTER_SECONDS SEGMENT}
SEGMENT=${2:?usage: continue.sh STOP_AFTER_SECONDS SEGMENT}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$HERE" rev-parse --show-toplevel)
COMMIT=c24219c674166e955fcded357c0baea4665458e6
PY=${PY:-$REPO/.venv/bin/python}
CODE=/tmp/run-code
CACHE=/tmp/ps-real
FOLDER=$CACHE/perf-scale/seed-15subj-226s-jitter0.18-blinks10-line5-gen1/Preprocessed_EEG
OUT=/tmp/runs/real-fast

[ -x "$PY" ] || { echo "continue.sh: $PY not found: run 'make setup' first (or set PY)" >&2; exit 2; }
[ -d "$CODE" ] || git -C "$REPO" worktree add --detach "$CODE" "$COMMIT"
[ "$(git -C "$CODE" rev-parse HEAD)" = "$COMMIT" ] || { echo "continue.sh: $CODE is not at $COMMIT" >&2; exit 2; }
export PYTHONPATH=$CODE  # the worktree's package, not the checkout's (its fingerprint is the run's)

if ! ls "$FOLDER"/*.mat > /dev/null 2>&1; then
  echo "writing the real-size folder (about 8-12 min) ..."
  (cd "$CODE" && "$PY" -m emoclip_plugin.data.synthetic --dataset seed --subjects 15 --seconds 226 --seed 1 \
     --length-jitter 0.18 --blinks-per-minute 10 --line-noise-uv 5 "$FOLDER")
fi
echo "checking the folder's content (everything after each .mat file's 128-byte header, which holds its date) ..."
(cd "$FOLDER" && while read -r sum name; do
   [ "$(tail -c +129 "$name" | sha256sum | cut -d' ' -f1)" = "$sum" ] || { echo "continue.sh: $FOLDER/$name differs from the run's folder" >&2; exit 2; }
 done < "$HERE/folder-content-sha256.txt")
[ "$(ls "$FOLDER" | wc -l)" = "$(wc -l < "$HERE/folder-content-sha256.txt")" ] || { echo "continue.sh: $FOLDER holds other files" >&2; exit 2; }

mkdir -p "$OUT/folds"
cp -n "$HERE"/folds/*.json "$OUT/folds/"
cd "$CODE"
"$PY" benchmarks/peak_memory.py --interval 1 --stop-after "$STOP_AFTER" --out "/tmp/mem-fast-$SEGMENT" -- \
  "$PY" benchmarks/run_all.py --root "$FOLDER" --preset smoke --models de_logreg,dgcnn,frames_logreg,eegnet --jobs 2 \
  --cache "$CACHE" --out "$OUT" > "/tmp/real-fast-$SEGMENT.log" 2>&1 || true
tail -n 3 "/tmp/real-fast-$SEGMENT.log"
