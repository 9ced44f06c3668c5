"""Training throughput of paper-size EmotionCLIP, step by step (issue 22): the estimator's loop against the raw
training step on the same batches, CUDA graphs, batch sizes, cuDNN autotuning and a profile, in one call.

Prepared on the CPU for a lent GPU; every section prints one line per figure, measured in the same process:

1. **loop vs raw step** at ``--batch`` (64): windows/s of the estimator's own ``fit`` (the second of two epochs,
   no validation split, as ``perf_models.py`` measures it) and of the raw step (``zero_grad``, the net's
   ``train_step_single``, ``optimizer.step``) on the same device-resident batches, synchronised only at the ends; the
   difference is host overhead of the loop (per-batch Python work, callbacks, ``.item()`` syncs);
2. **CUDA graphs**: the raw step with the module under ``torch.compile(mode="reduce-overhead")`` (fixed batch
   shape: the loop would need ``drop_last``), skipped with its reason where it fails;
3. **batch sizes** ``--batches`` (64,128,256,512): raw step and estimator loop at each (throughput only: whether a
   batch size trains as well is decided on the tuning folders, not here);
4. **cuDNN autotuning**: the raw step with ``torch.backends.cudnn.benchmark`` off and on;
5. **profile**: ``torch.profiler`` over 5 raw steps at ``--batch``, the operators with the most device time
   (BatchNorm's share);
6. **projection**: the full SEED strict run of EmotionCLIP from the best loop rate measured (45 per-session
   folds, the paper's epoch bounds, which the strict preset keeps), per GPU and for ``--jobs`` GPUs.

It runs without TorchEEG (the lent machines have none) through ``scripts/device/bare.py``; ``scripts/device/issue22.sh``
is the whole device call.

    python benchmarks/gpu_throughput.py --device cuda --precision bf16 [--text-encoder DIR]
    python benchmarks/gpu_throughput.py --device cpu --compact --batches 8,16 --steps 3   # a check on a CPU

Inputs are standard-normal grids ``[4, 12, 9, 9]`` (speed does not depend on the values).
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMPACT = dict(d_model=32, n_heads=2, depths=(1, 1, 1), conv_hidden=32, img_size=32)


def _sync(device: str) -> None:
    import torch
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _estimator(args, batch: int, device: str, precision: str, max_epochs: int = 2):
    from emoclip_plugin.estimators import EmotionCLIPClassifier
    extra = {"module_kwargs": COMPACT} if args.compact else {}
    if args.text_encoder:
        extra["text_encoder"] = args.text_encoder
    return EmotionCLIPClassifier(max_epochs=max_epochs, validation=0, lr_schedule="none", batch_size=batch,
                                 eval_batch_size=batch, device=device, precision=precision, random_state=0, **extra)


def loop_rate(args, X, y, batch: int, device: str, precision: str) -> tuple[float, object]:
    """Windows/s of the second epoch of the estimator's own fit, and the fitted estimator."""
    clf = _estimator(args, batch, device, precision).fit(X, y)
    return len(X) / clf.history_[-1]["dur"], clf


def raw_rate(clf, X, y, batch: int, steps: int, device: str, compiled: bool = False) -> float:
    """Windows/s of ``steps`` raw training steps of ``clf``'s net on device-resident batches of ``batch``."""
    import torch
    net = clf.net_
    module = net.module_
    if compiled:
        net.module_ = torch.compile(module, mode="reduce-overhead")
    xs = [torch.from_numpy(X[i * batch:(i + 1) * batch]).to(device) for i in range(len(X) // batch)]
    ys = [torch.from_numpy(y[i * batch:(i + 1) * batch]).to(device) for i in range(len(X) // batch)]
    try:
        def step(i: int) -> None:
            net.optimizer_.zero_grad(set_to_none=True)
            net.train_step_single((xs[i % len(xs)], ys[i % len(ys)]))
            net.optimizer_.step()

        for i in range(3):  # warm-up (allocator, cuDNN plans, compilation / graph capture)
            step(i)
        _sync(device)
        start = time.perf_counter()
        for i in range(steps):
            step(i)
        _sync(device)
        return steps * batch / (time.perf_counter() - start)
    finally:
        net.module_ = module


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gpu_throughput.py", description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--precision", default="auto", help="32 | bf16 | 16-mixed | auto (bf16 on a GPU that has it)")
    p.add_argument("--batch", type=int, default=64, help="batch size of sections 1, 2, 4, 5 (default 64, the paper's)")
    p.add_argument("--batches", default="64,128,256,512", help="batch sizes of section 3")
    p.add_argument("--steps", type=int, default=30, help="timed raw steps per figure")
    p.add_argument("--windows", type=int, default=None, help="windows per loop epoch (default 16,384 on a GPU, "
                                                                    "32 batches on a CPU)")
    p.add_argument("--jobs", type=int, default=4, help="GPUs of the projection's second line")
    p.add_argument("--compact", action="store_true", help="the compact backbone (a quick check, not the target)")
    p.add_argument("--text-encoder", dest="text_encoder", default=None)
    p.add_argument("--skip", default="", help="sections to leave out, e.g. graphs,profile")
    args = p.parse_args(argv)
    try:
        batches = [int(b) for b in args.batches.split(",") if b.strip()]
    except ValueError:
        p.error(f"--batches {args.batches!r}: expected integers separated by commas")
    if not batches or min(batches + [args.batch, args.steps]) < 1:
        p.error("--batch, --batches and --steps must be integers >= 1")
    warnings.filterwarnings("ignore", category=UserWarning)
    import torch

    from emoclip_plugin.benchmark.estimate import Rates, epoch_bounds, fold_seconds, format_hours, \
        seed_windows_per_session
    from emoclip_plugin.estimators.recipes import PAPER_RECIPE
    from emoclip_plugin.training.devices import DeviceError, describe, resolve_device_precision
    try:
        device, precision = resolve_device_precision(args.device, args.precision)
    except DeviceError as err:
        p.error(str(err))
    gpu = device.startswith("cuda")
    info = describe(device)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    largest = max(batches + [args.batch])
    n = args.windows or (16384 if gpu else 32 * args.batch)
    n = max(largest * 2, n - n % largest)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 4, 12, 9, 9), dtype=np.float32)
    y = rng.integers(0, 3, n)
    size = "compact" if args.compact else "paper-size"
    print(f"device: {info['device_name']} ({device}); torch {info['torch']}, CUDA {info['cuda']}; precision "
          f"{precision}; {size} EmotionCLIP; {n:,} random windows [4, 12, 9, 9] per loop epoch", flush=True)

    print("1. loop vs raw step", flush=True)
    loop, clf = loop_rate(args, X, y, args.batch, device, precision)
    raw = raw_rate(clf, X, y, args.batch, args.steps, device)
    print(f"   batch {args.batch}: estimator loop {loop:,.0f} windows/s, raw step {raw:,.0f} windows/s "
          f"(loop = {100 * loop / raw:.0f} % of raw; the rest is host overhead)", flush=True)
    best = {"rate": loop, "what": f"loop, batch {args.batch}"}

    if "graphs" not in skip:
        print("2. CUDA graphs (torch.compile mode='reduce-overhead', fixed batch shape)", flush=True)
        try:
            graphed = raw_rate(clf, X, y, args.batch, args.steps, device, compiled=True)
            print(f"   batch {args.batch}: raw step {graphed:,.0f} windows/s ({graphed / raw:.2f}x the eager raw step)",
                  flush=True)
        except Exception as err:  # noqa: BLE001 - a compiler failure is a finding, not a crash
            print(f"   skipped: {type(err).__name__}: {' '.join(str(err).split())[:300]}", flush=True)

    if "batches" not in skip:
        print("3. batch sizes (throughput only; accuracy per batch size comes from the tuning folders)", flush=True)
        for b in batches:
            loop_b, clf_b = loop_rate(args, X, y, b, device, precision)
            raw_b = raw_rate(clf_b, X, y, b, max(3, args.steps * args.batch // b), device)
            print(f"   batch {b}: estimator loop {loop_b:,.0f} windows/s, raw step {raw_b:,.0f} windows/s", flush=True)
            if loop_b > best["rate"]:
                best = {"rate": loop_b, "what": f"loop, batch {b}"}

    if "cudnn" not in skip and gpu:
        print("4. cuDNN autotuning (torch.backends.cudnn.benchmark)", flush=True)
        before = torch.backends.cudnn.benchmark
        try:
            for flag in (False, True):
                torch.backends.cudnn.benchmark = flag
                rate = raw_rate(clf, X, y, args.batch, args.steps, device)
                print(f"   benchmark={flag}: raw step {rate:,.0f} windows/s at batch {args.batch}", flush=True)
        finally:
            torch.backends.cudnn.benchmark = before

    if "profile" not in skip:
        print(f"5. profile of 5 raw steps at batch {args.batch} (operators by {'device' if gpu else 'CPU'} time)",
              flush=True)
        from torch.profiler import ProfilerActivity, profile
        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if gpu else [])
        with profile(activities=activities) as prof:
            raw_rate(clf, X, y, args.batch, 5, device)
        key = "cuda_time_total" if gpu else "cpu_time_total"
        table = prof.key_averages().table(sort_by=key, row_limit=14, max_name_column_width=50)
        print("\n".join("   " + line for line in table.splitlines()), flush=True)

    print("6. projection", flush=True)
    per_session = seed_windows_per_session()
    n_fit, folds = 14 * per_session, 45
    bounds = epoch_bounds(PAPER_RECIPE, 0.2, refit=True)  # the strict preset's epoch bounds (the paper's)
    rates = Rates(1 / best["rate"], 1 / (3 * best["rate"]))  # evaluation ~3x training speed (forward only)
    low, high = (folds * s for s in fold_seconds(rates, n_fit, per_session, bounds, 0.2))
    print(f"   best measured: {best['rate']:,.0f} training windows/s ({best['what']}); full SEED strict run of "
          f"EmotionCLIP ({folds} folds x {n_fit:,} training windows, <= {bounds['max_epochs']} epochs, patience "
          f"{bounds['patience']}, validation 0.2 then refit): {format_hours(low)} - {format_hours(high)} on one "
          f"device; {format_hours(low / args.jobs)} - {format_hours(high / args.jobs)} with --jobs {args.jobs}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
