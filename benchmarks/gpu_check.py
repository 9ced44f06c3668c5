"""GPU checks that the CPU test suite cannot make: every precision, compilation, device-resident batches, the
recipe's augmentation on a device generator, refit, pickling, and CPU / GPU agreement — on a real CUDA device.

Each check prints one line; the script exits 1 at the first failure (0 when all pass). Small random inputs with a
class signal and a compact backbone: it checks that things run and agree, not how well they learn.

    python benchmarks/gpu_check.py [--device cuda:0] [--text-encoder DIR]
"""
from __future__ import annotations

import argparse
import pickle
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMPACT = dict(d_model=32, n_heads=2, depths=(1, 1, 1), conv_hidden=32, img_size=32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gpu_check.py", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--text-encoder", default=None, help="text encoder folder (default: the bundled one)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    from emoclip_plugin.training.devices import DeviceError, describe, resolve_device, worker_devices
    from emoclip_plugin.estimators import RECIPE, EmotionCLIPClassifier, SSTLegoViTClassifier
    try:
        device = resolve_device(args.device)
    except DeviceError as err:
        parser.error(str(err))
    if not device.startswith("cuda"):
        parser.error(f"--device {args.device}: this script checks a CUDA device")
    info = describe(device)
    print(f"device: {info['device_name']} ({device}); torch {info['torch']}, CUDA {info['cuda']}")
    rng = np.random.default_rng(0)
    n = 600
    y = rng.integers(0, 3, n)
    X = (rng.standard_normal((n, 4, 12, 9, 9)) + 0.4 * y[:, None, None, None, None]).astype(np.float32)
    groups = np.repeat(np.arange(6), n // 6)
    text = {"text_encoder": args.text_encoder} if args.text_encoder else {}
    passed = 0

    def check(name: str, ok: bool, detail: str = "") -> None:
        nonlocal passed
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)
        if not ok:
            sys.exit(1)
        passed += 1

    for precision in ("32", "bf16", "16-mixed"):
        start = time.perf_counter()
        clf = EmotionCLIPClassifier(module_kwargs=COMPACT, max_epochs=4, patience=2, lr=1e-3, batch_size=32,
                                    eval_batch_size=100, validation=0.34, device=device, precision=precision,
                                    random_state=0, **RECIPE, **text).fit(X, y, groups=groups)
        proba = clf.predict_proba(X)
        acc = float(np.mean(clf.predict(X) == y))
        check(f"EmotionCLIP fit/predict, precision {precision}",
              clf.device_.startswith("cuda") and clf.precision_ == precision and clf.refitted_
              and np.isfinite(proba).all() and np.allclose(proba.sum(1), 1, atol=1e-5),
              f"device {clf.device_}, refit after {clf.best_epoch_} epoch(s), training accuracy {acc:.2f}, "
              f"{time.perf_counter() - start:.1f} s")
        back = pickle.loads(pickle.dumps(clf))
        check(f"pickle round trip, precision {precision}",
              np.allclose(back.predict_proba(X), proba, atol=1e-4))

    clf = SSTLegoViTClassifier(module_kwargs=COMPACT, max_epochs=2, validation=0, device=device, precision="bf16",
                               compile=True, random_state=0, eval_batch_size=128).fit(X, y)
    proba = clf.predict_proba(X)
    check("SST-LegoViT, bf16, torch.compile", np.isfinite(proba).all(), f"{clf.n_epochs_} epochs")
    back = pickle.loads(pickle.dumps(clf))
    check("compiled model pickles as the plain module", np.allclose(back.predict_proba(X), proba, atol=1e-3))

    clf = SSTLegoViTClassifier(module_kwargs=COMPACT, max_epochs=2, validation=0, device=device, precision="32",
                               random_state=0).fit(X, y)
    module = clf.module_.eval()
    xb = torch.from_numpy(X[:64])
    with torch.no_grad():
        gpu_out = module(xb.to(device)).float().cpu()
        cpu_out = module.cpu()(xb)
    diff = float((gpu_out - cpu_out).abs().max())
    check("float32 logits on the GPU and the CPU agree", diff < 1e-2, f"max |difference| {diff:.2e}")

    count = torch.cuda.device_count()
    spread = worker_devices(2 * count, "cuda", count)
    check("worker devices round robin", spread == [f"cuda:{i % count}" for i in range(2 * count)], ", ".join(spread))
    print(f"gpu_check: {passed} checks passed on {info['device_name']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
