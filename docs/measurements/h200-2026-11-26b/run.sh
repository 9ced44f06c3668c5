export PYTHONUNBUFFERED=1
nvidia-smi -L; python3 -c "import torch, scipy; print('torch', torch.__version__, 'scipy', scipy.__version__)"
python3 .device/sweep/sweep.py all 12 5 15 2>&1 | grep -v Warn | tee $OUT/sweep.txt
