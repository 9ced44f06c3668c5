#!/usr/bin/env bash
# The same small folder written with 1 and with 2 BLAS threads on one machine: bytes and values compared.
#   PY=.venv/bin/python bash docs/measurements/2026-12-02-real-size-fast-run/segments/2/rounding.sh > .../rounding.txt
set -euo pipefail
PY=${PY:-.venv/bin/python}
T=$(mktemp -d)
for n in 1 2; do
  OPENBLAS_NUM_THREADS=$n OMP_NUM_THREADS=$n "$PY" -m emoclip_plugin.data.synthetic "$T/t$n" --quiet --subjects 1 \
    --seconds 20 --seed 1 --length-jitter 0.18 --blinks-per-minute 10 --line-noise-uv 5 > /dev/null
done
"$PY" - "$T" <<'PY'
import glob, os, sys
import numpy as np, scipy.io as sio
t = sys.argv[1]
print(f"{'file':<18} {'bytes after header':<20} {'max |1 - 2 threads| (uV)':<26} mean |x| (uV)")
for f in sorted(glob.glob(f"{t}/t1/*.mat")):
    g = f.replace("/t1/", "/t2/")
    same = open(f, "rb").read()[128:] == open(g, "rb").read()[128:]
    a, b = sio.loadmat(f), sio.loadmat(g)
    keys = [k for k in a if not k.startswith("__") and k != "label"]
    diff = max((np.abs(a[k] - b[k]).max() for k in keys), default=0.0)
    mean = np.mean([np.abs(a[k]).mean() for k in keys]) if keys else float("nan")
    print(f"{os.path.basename(f):<18} {'same' if same else 'differ':<20} {diff:<26.3g} {mean:.3g}")
PY
rm -rf "$T"
