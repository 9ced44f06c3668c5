"""Where one benchmark fold's training time goes: a neural model's first fold, trained as ``run_all.py`` trains it,
then again with one thing changed at a time, and a profile of the benchmark's own configuration.

On a generated SEED folder (default 5 subjects x 30-s trials, generator seed 1: a tuning folder, not a reported one)
it builds the first cross-subject fold of ``--model`` under ``--preset`` exactly as the benchmark does (the same
features, fold, estimator parameters, inner validation split by training subjects), trains it for ``--epochs`` epochs
(no refit; the refit repeats the same training step) and prints the training windows per second over the fit's wall
time. Then the same fit with one change each:

* ``no validation``: ``validation=0`` (the per-epoch validation pass and early stopping's bookkeeping gone);
* ``batch 64``: the batch size perf_models.py uses (a recipe change if adopted: it needs the tuning folders);
* ``1 thread``: ``torch.set_num_threads(1)`` (the benchmark's ``--threads`` default is the CPUs / jobs);
* ``mean pools``: SST-LegoViT's band and spatial means of the paper ([E]) instead of the preset's flattened pools
  (what ``perf_models.py``'s compact row trains; a model change, decided on the tuning folders);
* ``perf_models' row``: mean pools, batch 64, no validation, no learning-rate schedule at once (how
  ``perf_models.py`` times the compact backbone), to tell the configuration apart from the loop.

(EmotionCLIP's frozen text side embeds the class prompts once per fit, from a disk cache after the first; the
profile shows it under ``text``.)

Last, a ``cProfile`` of the benchmark configuration's fit: the functions with the most cumulative time, grouped
into the module's forward, backward, the optimiser's update, validation, the data loader and the text side
(cumulative times: a group's calls include what they call). Timings are
ratios within the same run; synthetic data (the figures are costs, never accuracies).

    python benchmarks/profile_fold.py                       # smoke EmotionCLIP, 3 epochs
    python benchmarks/profile_fold.py --model sst_legovit --epochs 2
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _fit_rate(est, X, y, groups, threads: int | None = None) -> tuple[float, float, int]:
    """(training windows/s over the fit's wall time, seconds, training windows per epoch)."""
    import torch
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        start = time.perf_counter()
        est.fit(X, y, groups=groups)
        seconds = time.perf_counter() - start
    finally:
        torch.set_num_threads(previous)
    n_train = len(X) - (len(est.valid_indices_) if getattr(est, "valid_indices_", None) is not None else 0)
    return n_train * est.n_epochs_ / seconds, seconds, n_train


#: cProfile entries summed into the groups of the breakdown (first match wins; cumulative times overlap, so the
#: groups are read as "time under")
GROUPS = (("forward (training + validation)", ("infer",)),
          ("backward", ("_engine_run_backward",)),
          ("optimiser update", ("_single_tensor_adam", "_multi_tensor_adam", "_fused_adam")),
          ("validation pass", ("validation_step", "evaluation_step")),
          ("data loader", ("__next__",)),
          ("text side", ("class_text_embeddings", "load_text_encoder")))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="profile_fold.py", description=__doc__.split("\n")[0])
    p.add_argument("--model", default="emotionclip")
    p.add_argument("--preset", default="smoke")
    p.add_argument("--subjects", type=int, default=5)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--generator-seed", dest="generator_seed", type=int, default=1)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--cache", type=Path, default=None, help="cache folder (default: a temporary one, removed)")
    p.add_argument("--top", type=int, default=18, help="profile lines shown")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error(f"--epochs {args.epochs}: expected an integer >= 1")

    import logging
    import shutil
    import warnings

    import numpy as np
    import torch
    from sklearn.base import clone

    from emoclip_plugin.benchmark.api import BenchmarkError, RunOptions, resolve
    from emoclip_plugin.benchmark.runner import build_tasks, is_neural, make_estimator, prepare_data
    from emoclip_plugin.data.synthetic import write_folder
    from emoclip_plugin.training.allocator import keep_freed_memory
    keep_freed_memory()  # as the benchmark's folds train (runner.run_task)
    logging.getLogger("torcheeg").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning)

    work = None if args.cache is not None else Path(tempfile.mkdtemp(prefix="emoclip-profile-fold-"))
    cache = args.cache or work / "cache"
    try:
        root = Path(cache) / "profile-fold" / f"seed-{args.subjects}x{args.seconds:g}s-gen{args.generator_seed}"
        if not any(root.glob("*.mat")):
            write_folder(root, "seed", subjects=args.subjects, seconds=args.seconds, seed=args.generator_seed,
                         overwrite=True)
        try:
            settings = resolve(RunOptions.from_kwargs(root=[root], preset=args.preset, models=args.model,
                                                      cache=cache, device="cpu", quiet=True))
        except BenchmarkError as err:
            p.error(str(err))
        config = settings["configs"][args.preset]
        spec = settings["models"][0]
        dataset, family = settings["sources"][0][0], settings["sources"][0][1]
        prep = prepare_data(root, family, spec.kind, cache, config["features"], config["de_window"])
        tasks = build_tasks({(dataset, spec.kind): prep}, [dataset], ["cross-subject"], settings["models"], config,
                            args.preset, settings["seeds"][:1], settings["threads"], Path(cache) / "splits",
                            {dataset: "synthetic"}, "profile")
        task = tasks[0]
        est = make_estimator(task, config["validation"])
        if not is_neural(est):
            p.error(f"--model {args.model}: not a neural model (nothing to profile per epoch)")
        X = np.load(Path(task.data_dir) / "X.npy", mmap_mode="r")
        y = np.load(Path(task.data_dir) / "y.npy")
        rows = task.fold.train
        Xf, yf, groups = np.ascontiguousarray(spec.transform(X[rows])), y[rows], task.groups[:len(rows)]
        base = clone(est).set_params(max_epochs=args.epochs, patience=10 ** 6, refit=False, verbose=0)
        params = base.get_params()
        print(f"{args.preset} {args.model}, fold {task.fold.name}: {len(rows):,} training windows of shape "
              f"{list(Xf.shape[1:])}; batch {params['batch_size']}, validation {params.get('validation')}, "
              f"{args.epochs} epochs, no refit; torch threads {torch.get_num_threads()}; folder {root.name} "
              "(synthetic)", flush=True)
        variants = [("as the benchmark trains it", base, None),
                    ("no validation", clone(base).set_params(validation=0), None),
                    ("batch 64", clone(base).set_params(batch_size=64), None),
                    ("1 thread", clone(base), 1)]
        pools = {k: v for k, v in (params.get("module_kwargs") or {}).items() if k in ("band_pool", "spatial_pool")}
        if pools:  # the preset flattens SST-LegoViT's pools; perf_models.py's compact row keeps the [E] means
            means = {k: v for k, v in params["module_kwargs"].items() if k not in pools}
            variants.append(("mean pools ([E], as perf_models' row)", clone(base).set_params(module_kwargs=means),
                             None))
            variants.append(("perf_models' row: all of the above but threads, no lr schedule",
                             clone(base).set_params(module_kwargs=means, batch_size=64, validation=0,
                                                    lr_schedule="none", warmup_epochs=0), None))
        rates = {}
        for name, variant, threads in variants:
            rate, seconds, n_train = _fit_rate(variant, Xf, yf, groups, threads)
            rates[name] = rate
            ratio = rate / rates["as the benchmark trains it"]
            print(f"  {name:<38} {rate:8.1f} training windows/s  ({seconds:6.1f} s for {variant.n_epochs_} x "
                  f"{n_train:,} windows; {ratio:4.2f}x the benchmark's)", flush=True)
        profile = cProfile.Profile()
        profiled = clone(base)
        profile.enable()
        profiled.fit(Xf, yf, groups=groups)
        profile.disable()
        stats = pstats.Stats(profile)
        total = max(v[3] for v in stats.stats.values())
        print(f"profile of the benchmark's configuration ({total:.1f} s under cProfile):")
        for group, names in GROUPS:
            under = max((v[3] for (f, _, fn), v in stats.stats.items() if fn in names
                         and ("emoclip_plugin" in f or "skorch" in f or "torch" in f)), default=0.0)
            print(f"  {group:<32} {under:6.2f} s under ({100 * under / total:4.1f} %)")
        print(_top(profile, "cumulative", args.top))
        print(f"profile: tottime-sorted top {args.top}:")
        print(_top(profile, "tottime", args.top))
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _top(profile: cProfile.Profile, key: str, n: int) -> str:
    """pstats' table of the ``n`` functions first by ``key`` (``"cumulative"``, ``"tottime"``), from its header."""
    buf = io.StringIO()
    pstats.Stats(profile, stream=buf).sort_stats(key).print_stats(n)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:])


if __name__ == "__main__":
    sys.exit(main())
