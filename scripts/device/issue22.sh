#!/usr/bin/env bash
# Issue 22 (GPU throughput) in ONE device call, about 8 minutes; raw outputs land in $OUT.
#
# Prepare here first (the CPU machine, package installed; .device/ is untracked, so it travels with the tree):
#   .venv/bin/python scripts/device/make_tiny_text.py .device/tiny-text     # the device has no bundled MiniLM
#   .venv/bin/pip download skorch==1.4.0 --no-deps -d .device/whl          # the device may lack skorch
# Then, with `status` showing a device:  run(command="bash scripts/device/issue22.sh", timeout_s=600)
# and commit $OUT's files under docs/measurements/<date>-<device>/ with a README naming the commit.
#
# What it runs (each line of output is one measured figure; see the scripts' docstrings):
#   1-5. benchmarks/gpu_throughput.py: the estimator loop vs the raw step, CUDA graphs, batch sizes 64-512,
#        cudnn.benchmark, a profile, and the projected full SEED strict run;
#   then benchmarks/perf_models.py bf16 (eager and compiled): the figures the README's GPU section quotes.
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-runs/device}
mkdir -p "$OUT"
{ nvidia-smi -L; python3 -c "import sys, torch; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda)"; } 2>&1 | tee "$OUT/device.txt"
if ! python3 -c "import skorch" 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --target /tmp/site .device/whl/*.whl || exit 3
    export PYTHONPATH=/tmp/site
fi
B="python3 scripts/device/bare.py"
T="--text-encoder .device/tiny-text"
timeout 330 $B benchmarks/gpu_throughput.py --device cuda --precision bf16 $T 2>&1 | grep -v Loading | tee "$OUT/throughput_bf16.txt"
P="$B benchmarks/perf_models.py --device cuda --inputs random --presets '' --precision bf16 --models emotionclip,sst_legovit --train-samples 8192 $T"
timeout 80 bash -c "$P" 2>&1 | grep -v Loading | tee "$OUT/perf_bf16.txt"
timeout 110 bash -c "$P --compile" 2>&1 | grep -v Loading | tee "$OUT/perf_bf16_compile.txt"
