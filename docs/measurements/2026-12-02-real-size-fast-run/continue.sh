#!/usr/bin/env bash
# Go on with issue 21's full fast run at real size from the folds committed here: same code (a worktree of the
# commit the run started from, so the code fingerprint matches and the benchmark's own resume reuses the folds),
# the same generated folder (written again if absent, then checked against folder-content-sha256.txt), the same
# command. Stops itself after STOP_AFTER seconds, or at @EPOCH_SECONDS (`@$(date -d 10:30 +%s)`), SIGINT: the folds
# finished so far are kept.
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
[ "$(ls "$FOLDER" | wc -l)" = "$(wc -l < "$HERE/folder-content-sha256.txt")" ] || { echo "continue.sh: $FOLDER holds other files" >&2; exit 2; }
echo "checking the folder's content (everything after each .mat file's 128-byte header, which holds its date) ..."
DIFFERENT=$(cd "$FOLDER" && while read -r sum name; do
   [ -f "$name" ] || { echo "continue.sh: $FOLDER/$name is missing" >&2; exit 2; }
   [ "$(tail -c +129 "$name" | sha256sum | cut -d' ' -f1)" = "$sum" ] || echo "$name"
 done < "$HERE/folder-content-sha256.txt")
if [ -n "$DIFFERENT" ]; then
  # The generator's matrix products (OpenBLAS) and numpy's vectorised functions round differently with another
  # CPU or thread count (1 vs 2 BLAS threads on a small folder: max |difference| 2.8e-14 uV), so a folder written
  # again on another machine has other bytes. REWRITTEN_OK=1 accepts it if de_logreg's 15 folds, run again on it,
  # give the committed test windows, confusion matrices and accuracies (check_folds.py).
  echo "continue.sh: $(echo "$DIFFERENT" | wc -l) files' bytes differ from the run's folder" >&2
  [ "${REWRITTEN_OK:-0}" = 1 ] || { echo "continue.sh: set REWRITTEN_OK=1 to check it by de_logreg's folds" >&2; exit 2; }
  mkdir -p "$HERE/segments/$SEGMENT"
  CHECK=$HERE/segments/$SEGMENT/folder-check.txt
  { echo "# $(echo "$DIFFERENT" | wc -l) of $(wc -l < "$HERE/folder-content-sha256.txt") files' bytes differ from folder-content-sha256.txt:"
    echo "$DIFFERENT" | sed 's/^/#   /'
    echo "# command: run_all.py --root FOLDER --preset smoke --models de_logreg --jobs 2 --cache $CACHE --out /tmp/runs/check-de (code $COMMIT)"
    echo "# started $(date -u +%FT%TZ)"; } > "$CHECK"
  rm -rf /tmp/runs/check-de
  (cd "$CODE" && "$PY" benchmarks/run_all.py --root "$FOLDER" --preset smoke --models de_logreg --jobs 2 \
     --cache "$CACHE" --out /tmp/runs/check-de --quiet) > "/tmp/check-de-$SEGMENT.log" 2>&1 \
    || { echo "continue.sh: the de_logreg check failed (/tmp/check-de-$SEGMENT.log)" >&2; exit 2; }
  echo "# ended $(date -u +%FT%TZ)" >> "$CHECK"
  if ! "$PY" "$HERE/check_folds.py" /tmp/runs/check-de de_logreg | tee -a "$CHECK" | tail -n 1; then
    echo "continue.sh: the rewritten folder does not reproduce de_logreg's folds ($CHECK)" >&2; exit 2
  fi
fi

mkdir -p "$OUT/folds"
cp -n "$HERE"/folds/*.json "$OUT/folds/"
case $STOP_AFTER in @*) STOP_AFTER=$(( ${STOP_AFTER#@} - $(date +%s) )) ;; esac
[ "$STOP_AFTER" -gt 60 ] || { echo "continue.sh: less than a minute left before the stop time" >&2; exit 2; }
cd "$CODE"
"$PY" benchmarks/peak_memory.py --interval 1 --stop-after "$STOP_AFTER" --out "/tmp/mem-fast-$SEGMENT" -- \
  "$PY" benchmarks/run_all.py --root "$FOLDER" --preset smoke --models de_logreg,dgcnn,frames_logreg,eegnet --jobs 2 \
  --cache "$CACHE" --out "$OUT" > "/tmp/real-fast-$SEGMENT.log" 2>&1 || true
tail -n 3 "/tmp/real-fast-$SEGMENT.log"
