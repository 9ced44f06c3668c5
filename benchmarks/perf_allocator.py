"""What glibc's default malloc settings cost CPU training: each model's ``fit`` with the defaults and with
:func:`emoclip_plugin.training.keep_freed_memory` (what the benchmark's folds use), in fresh processes, alternated.

Each measurement is a new Python process that builds the estimator the benchmark builds (the smoke preset's
parameters, one torch thread as with ``--jobs 2`` on two cores), fits it for ``--epochs`` epochs on random inputs of
the model's shape (``--windows`` rows; costs only, never accuracies) and reports the training windows per second of
the fit's wall time, the process's user and system CPU seconds during the fit, its minor page faults and its peak
resident memory. ``--rounds`` alternations per model (A, B, A, B, ...); the median of each side is printed, then the
ratio. Same seeds on both sides: the predictions must agree exactly (checked), since the allocator changes no value.

    python benchmarks/perf_allocator.py                       # eegnet, dgcnn, emotionclip (smoke sizes)
    python benchmarks/perf_allocator.py --models eegnet --rounds 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHAPES = {"eegnet": (62, 200), "dgcnn": (62, 5), "emotionclip": (6, 4, 9, 9), "sst_legovit": (6, 4, 9, 9),
          "ccnn": (5, 9, 9), "emotionclip_mlp": (6, 4, 9, 9)}


def _child(model: str, windows: int, epochs: int, keep: bool) -> dict:
    import resource
    import time
    import warnings

    warnings.filterwarnings("ignore")
    import numpy as np
    import psutil
    import torch

    from emoclip_plugin.benchmark.presets import resolve_config
    from emoclip_plugin.estimators import get_estimator
    from emoclip_plugin.training.allocator import keep_freed_memory

    if keep:
        assert keep_freed_memory(), "glibc's mallopt refused the settings"
    torch.set_num_threads(1)
    params = dict(resolve_config("smoke")["models"].get(model, {}))
    params.update(max_epochs=epochs, random_state=0, refit=False, device="cpu")
    params.pop("patience", None)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((windows, *SHAPES[model])).astype(np.float32)
    y = np.arange(windows) % 3
    groups = np.arange(windows) % 5
    est = get_estimator(model, **params)
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    est.fit(X, y, groups=groups)
    seconds, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
    valid = getattr(est, "valid_indices_", None)
    n_train = windows - (0 if valid is None else len(valid))
    proba = est.predict_proba(X[:256])
    return {"windows_per_s": n_train * est.n_epochs_ / seconds, "user_s": r1.ru_utime - r0.ru_utime,
            "system_s": r1.ru_stime - r0.ru_stime, "minor_faults": r1.ru_minflt - r0.ru_minflt,
            "peak_rss_mb": psutil.Process().memory_info().rss / 1e6, "proba_sum": float(np.asarray(proba).sum()),
            "proba_head": np.asarray(proba)[:4].round(6).tolist()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="perf_allocator.py", description=__doc__.split("\n")[0])
    p.add_argument("--models", default="eegnet,dgcnn,emotionclip", help="comma-separated (default eegnet,dgcnn,emotionclip)")
    p.add_argument("--windows", type=int, default=2560, help="rows of random input per fit (default 2560)")
    p.add_argument("--epochs", type=int, default=2, help="epochs per fit (default 2)")
    p.add_argument("--rounds", type=int, default=2, help="alternations per model (default 2)")
    p.add_argument("--child", nargs=2, metavar=("MODEL", "KEEP"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:  # one measurement (a fresh process: glibc's settings are per process)
        print(json.dumps(_child(args.child[0], args.windows, args.epochs, args.child[1] == "1")))
        return 0
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in SHAPES]
    if unknown:
        p.error(f"--models: {', '.join(unknown)}: expected some of {', '.join(SHAPES)}")
    from emoclip_plugin.training.devices import _cpu_model
    print(f"device: CPU ({_cpu_model()}), 1 torch thread per process; {args.windows} random windows, {args.epochs} epochs, "
          f"smoke preset parameters; {args.rounds} alternated round(s) per side, medians")
    print(f"{'model':<14}{'malloc':<22}{'train win/s':>12}{'user s':>9}{'system s':>10}{'minor faults':>14}"
          f"{'peak RSS MB':>13}")
    ratios = []
    for model in models:
        runs = {False: [], True: []}
        for _ in range(args.rounds):
            for keep in (False, True):
                out = subprocess.run([sys.executable, __file__, "--windows", str(args.windows), "--epochs",
                                      str(args.epochs), "--child", model, "1" if keep else "0"],
                                     capture_output=True, text=True, check=True).stdout
                runs[keep].append(json.loads(out.strip().splitlines()[-1]))
        heads = {json.dumps(r["proba_head"]) for side in runs.values() for r in side}
        if len(heads) != 1:
            raise SystemExit(f"perf_allocator.py: {model}: the predictions differ between runs: {heads}")
        med = {}
        for keep, label in ((False, "glibc defaults"), (True, "keep_freed_memory")):
            m = {k: statistics.median(r[k] for r in runs[keep]) for k in
                 ("windows_per_s", "user_s", "system_s", "minor_faults", "peak_rss_mb")}
            med[keep] = m
            print(f"{model:<14}{label:<22}{m['windows_per_s']:>12,.0f}{m['user_s']:>9.2f}{m['system_s']:>10.2f}"
                  f"{m['minor_faults']:>14,.0f}{m['peak_rss_mb']:>13,.0f}")
        ratios.append(med[True]["windows_per_s"] / med[False]["windows_per_s"])
        print(f"{model:<14}ratio {ratios[-1]:.2f}x (same predictions on both sides)")
    print(f"speedup: {statistics.median(ratios):.2f}x (median over models)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
