#!/usr/bin/env bash
# Right after run.sh, on the same folder and machine, nothing else on the cores: what `--estimate` projects for the
# same command, with the code before (BEFORE, a commit: timed with all of the process's torch threads) and after
# this artefact's change (the working tree: timed with the threads each job trains with, and the run's allocator).
#
#   bash docs/measurements/2026-12-03-real-size-eegnet/estimate.sh 29ba50f    # writes estimate-*.txt here
set -euo pipefail
BEFORE=${1:?usage: estimate.sh BEFORE_COMMIT}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$HERE" rev-parse --show-toplevel)
PY=${PY:-$REPO/.venv/bin/python}
FOLDER=/tmp/ps-real/perf-scale/seed-15subj-226s-jitter0.18-blinks10-line5-gen1/Preprocessed_EEG
[ -d /tmp/est-before ] || git -C "$REPO" worktree add --detach /tmp/est-before "$BEFORE"
for which in before after; do
  code=$REPO; [ $which = before ] && code=/tmp/est-before
  { echo "# python benchmarks/run_all.py --root FOLDER --preset smoke --models eegnet --jobs 2 --cache /tmp/ps-real --estimate --out /tmp/runs/estimate"
    echo "# code: $(git -C "$code" rev-parse HEAD)$([ $which = after ] && git -C "$code" status --porcelain -- emoclip_plugin | grep -q . && echo ' + working tree'), $(date -u +%FT%TZ)"
    (cd "$code" && PYTHONPATH=$code /usr/bin/time -f "# wall %e s, peak resident %M KB" "$PY" benchmarks/run_all.py \
       --root "$FOLDER" --preset smoke --models eegnet --jobs 2 --cache /tmp/ps-real --estimate --out /tmp/runs/estimate --quiet) 2>&1
  } > "$HERE/estimate-$which.txt"
  cat "$HERE/estimate-$which.txt"
done
git -C "$REPO" worktree remove --force /tmp/est-before
