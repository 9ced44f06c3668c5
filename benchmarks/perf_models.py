"""Model speed: training samples/s and CPU inference latency for EmotionCLIP, SST-LegoViT and DGCNN, one run.

All models see the same generated SEED folder, read through TorchEEG (EmotionCLIP / SST-LegoViT: ``[4, 12, 9, 9]``
frame grids of 2-s windows; DGCNN: band DE ``[62, 5]`` of 1-s windows). For each model it prints

* training samples/s: one epoch of the scikit-learn estimator (``fit``, AdamW, batch 64, no validation split) after a
  warm-up epoch, with PyTorch's default thread count;
* inference latency per sample at batch 1 on 1 thread (median of ``--repeats`` calls, ``torch.inference_mode``);
* inference time per sample at batch 256 on 1 thread;
* forward GFLOP per sample (``torch.utils.flop_counter``).

Rows: ``emotionclip`` and ``sst_legovit`` at the paper's size (d_model 128, depths (2, 2, 2), 64x64 working grid),
``emotionclip-compact`` (d_model 32, depths (1, 1, 1), 32x32 working grid), ``emotionclip-mlp`` (flat DE [310] ->
MLP encoder) and ``dgcnn`` (TorchEEG). Targets (issue 4): EmotionCLIP <= 2 ms per sample at batch 1; training time per
sample within 2x of DGCNN.

    python benchmarks/perf_models.py [--train-samples 256] [--repeats 20]
"""
from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

COMPACT = dict(d_model=32, n_heads=2, depths=(1, 1, 1), conv_hidden=32, img_size=32)


def _latency_ms(module: torch.nn.Module, x: torch.Tensor, repeats: int) -> float:
    module.eval()
    times = []
    with torch.inference_mode():
        for _ in range(3):
            module(x)
        for _ in range(repeats):
            start = time.perf_counter()
            module(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3 / len(x)


def _gflop(module: torch.nn.Module, x: torch.Tensor) -> float:
    from torch.utils.flop_counter import FlopCounterMode
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        module.eval()(x)
    return counter.get_total_flops() / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-samples", type=int, default=256, help="training windows per model (one epoch)")
    parser.add_argument("--repeats", type=int, default=20, help="timed inference calls at batch 1")
    args = parser.parse_args()
    logging.getLogger("torcheeg").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning)

    from emoclip_plugin.data.seed import load_seed, to_numpy
    from emoclip_plugin.data.synthetic import write_folder
    from emoclip_plugin.estimators import DGCNNClassifier, EmotionCLIPClassifier, SSTLegoViTClassifier

    work = Path(tempfile.mkdtemp(prefix="emoclip-perf-models-"))
    try:
        root = write_folder(work / "Preprocessed_EEG", "seed", subjects=2, seconds=20, seed=2)
        grids, yg, _ = to_numpy(load_seed(root, "emotionclip", cache_dir=work / "cache"))
        de, yd, _ = to_numpy(load_seed(root, "de", cache_dir=work / "cache"))
        n = args.train_samples
        rng = np.random.default_rng(0)
        gi = rng.choice(len(grids), min(n, len(grids)), replace=False)
        di = rng.choice(len(de), min(n, len(de)), replace=False)
        rows = [
            ("emotionclip", EmotionCLIPClassifier, {}, grids[gi], yg[gi]),
            ("sst_legovit", SSTLegoViTClassifier, {}, grids[gi], yg[gi]),
            ("emotionclip-compact", EmotionCLIPClassifier, {"module_kwargs": COMPACT}, grids[gi], yg[gi]),
            ("emotionclip-mlp", EmotionCLIPClassifier, {}, de[di].reshape(len(di), -1), yd[di]),
            ("dgcnn", DGCNNClassifier, {}, de[di], yd[di]),
        ]
        print(f"data: generated SEED folder, {len(grids)} 2-s windows / {len(de)} 1-s windows; "
              f"{n} training samples per model; torch {torch.__version__}, {torch.get_num_threads()} threads")
        header = (f"{'model':<22}{'params':>10}{'GFLOP/sample':>14}{'train samples/s':>17}{'train ms/sample':>17}"
                  f"{'b1 ms/sample':>14}{'b256 ms/sample':>16}")
        print(header)
        results = {}
        threads = torch.get_num_threads()
        for name, cls, extra, X, y in rows:
            torch.set_num_threads(threads)
            clf = cls(max_epochs=2, validation=0, lr_schedule="none", random_state=0, **extra).fit(X, y)
            epoch_s = clf.history_[-1]["dur"]  # the second epoch (the first one warms up)
            train_rate = len(X) / epoch_s
            module = clf.module_.cpu()
            torch.set_num_threads(1)
            b1 = _latency_ms(module, torch.from_numpy(X[:1]), args.repeats)
            batch = torch.from_numpy(np.concatenate([X] * (256 // len(X) + 1))[:256])
            b256 = _latency_ms(module, batch, 2)
            flop = _gflop(module, torch.from_numpy(X[:1]))
            params = sum(p.numel() for p in module.parameters())
            results[name] = (train_rate, b1)
            print(f"{name:<22}{params:>10,}{flop:>14.4f}{train_rate:>17.1f}{1e3 / train_rate:>17.2f}{b1:>14.2f}"
                  f"{b256:>16.3f}", flush=True)
        torch.set_num_threads(threads)
        ratio = results["dgcnn"][0] / results["emotionclip"][0]
        print(f"EmotionCLIP (paper size) batch-1 latency: {results['emotionclip'][1]:.2f} ms/sample "
              f"(target <= 2 ms: {'met' if results['emotionclip'][1] <= 2 else 'NOT met'}); "
              f"compact: {results['emotionclip-compact'][1]:.2f} ms; MLP: {results['emotionclip-mlp'][1]:.2f} ms")
        print(f"training time per sample, EmotionCLIP / DGCNN: {ratio:.1f}x (target <= 2x: "
              f"{'met' if ratio <= 2 else 'NOT met'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
