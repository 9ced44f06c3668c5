export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .device/whl/*.whl && export PYTHONPATH=/tmp/site || exit 3
nvidia-smi -L; python3 -c "import torch, sklearn; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'sklearn', sklearn.__version__)"
B="python3 .device/bare.py"; T="--text-encoder .device/tiny-text"
P="$B benchmarks/perf_models.py --device cuda --inputs random $T"
F="grep -v Loading"
$B benchmarks/gpu_check.py $T 2>&1 | $F | tee $OUT/gpu_check.txt
$P --precision bf16 --models emotionclip,sst_legovit,emotionclip-compact,emotionclip-mlp 2>&1 | $F | tee $OUT/perf_bf16.txt
$B .device/profile_step.py 64 2>&1 | $F | tee $OUT/profile64.txt
$B .device/profile_step.py 256 2>&1 | $F | head -3 | tee -a $OUT/profile64.txt
$P --precision bf16 --compile --models emotionclip,sst_legovit 2>&1 | $F | tee $OUT/perf_bf16_compile.txt
$P --precision 32 --train-samples 8192 --models emotionclip,sst_legovit,emotionclip-compact,emotionclip-mlp 2>&1 | $F | tee $OUT/perf_fp32.txt
$P --precision 16-mixed --models emotionclip 2>&1 | $F | tee $OUT/perf_fp16.txt
