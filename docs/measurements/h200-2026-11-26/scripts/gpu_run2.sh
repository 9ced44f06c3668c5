export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .device/whl/*.whl && export PYTHONPATH=/tmp/site || exit 3
B="python3 .device/bare.py"; T="--text-encoder .device/tiny-text"; F="grep -v Loading"
$B .device/variants.py 2>&1 | $F | tee $OUT/variants.txt
P="$B benchmarks/perf_models.py --device cuda --inputs random $T --precision bf16"
$P --models emotionclip,sst_legovit --train-samples 8192 2>&1 | $F | tee $OUT/perf_bf16_fused.txt
$P --compile --models emotionclip --train-samples 8192 2>&1 | $F | tee $OUT/perf_bf16_fused_compile.txt
