"""The device scripts run as they will on a lent GPU machine: without TorchEEG or braindecode (blocked here through
``scripts/device/bare.py``), with the tiny text encoder ``make_tiny_text.py`` writes; on the CPU, compact and tiny."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bare(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EMOCLIP_BARE_BLOCK": "torcheeg,braindecode,moabb", "PYTHONPATH": ""}
    return subprocess.run([sys.executable, str(ROOT / "scripts/device/bare.py"), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)


def test_issue22_scripts_run_without_torcheeg(tmp_path):
    text = tmp_path / "tiny-text"
    made = subprocess.run([sys.executable, str(ROOT / "scripts/device/make_tiny_text.py"), str(text)],
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-2000:]
    assert (text / "config.json").is_file() and (text / "vocab.txt").is_file()
    out = _bare([str(ROOT / "benchmarks/gpu_throughput.py"), "--device", "cpu", "--compact", "--batch", "8",
                 "--batches", "8,16", "--steps", "2", "--windows", "32", "--skip", "graphs",
                 "--text-encoder", str(text)], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    for section in ("1. loop vs raw step", "3. batch sizes", "5. profile", "6. projection"):
        assert section in out.stdout
    assert "batch 16: estimator loop" in out.stdout and "<= 200 epochs, patience 50" in out.stdout
    assert "with --jobs 4" in out.stdout
    perf = _bare([str(ROOT / "benchmarks/perf_models.py"), "--device", "cpu", "--inputs", "random", "--presets", "",
                  "--models", "emotionclip-compact", "--train-samples", "64", "--repeats", "1",
                  "--text-encoder", str(text)], tmp_path)
    assert perf.returncode == 0, perf.stderr[-3000:]
    assert "emotionclip-compact" in perf.stdout
    bad = _bare([str(ROOT / "benchmarks/gpu_throughput.py"), "--device", "cpu", "--batches", "8,x"], tmp_path)
    assert bad.returncode == 2 and "--batches '8,x': expected integers" in bad.stderr
