"""Real-size SEED, stage by stage: wall time, peak memory of the process tree and cache disk per stage.

Writes (or reuses, under ``--cache``) a SEED-format folder of real size with our generator — by default 15 subjects x
3 sessions x 15 trials of about 226 s (lengths varying by ±18 %), blinks on the frontal channels and 50 Hz line
noise, float64 ``.mat`` files as SEED's — then runs the benchmark's own stages on it, one after the other:

1. the folder scan and the benchmark's preflight (the file headers, before any feature);
2. each feature kind the default models take, through TorchEEG (``emotionclip`` grids, band ``de``);
3. the array cache of each kind (the ``.npy`` files the folds read, memory-mapped);
4. fold building for each preset (cross-subject, with the leakage guard);
5. per preset and default model, the first fold's estimator as the benchmark configures it, timed for a bounded
   number of seconds (``benchmark.estimate.measure``: training steps, then prediction), with the projected time of
   one epoch over that fold's training windows. Full epochs of the paper-size models at real size take hours on a
   CPU; a bounded measurement keeps the study to minutes, and says how many steps each figure rests on.

For each stage it prints the wall time, the peak resident memory of this process and its children (sampled every
0.2 s; it includes the ~1 GB of the imported libraries) with its private part in brackets (resident minus
file-backed and shared pages: the memory-mapped caches' pages count as resident but the kernel shares and reclaims
them; see ``peak_memory.py``), and the disk the caches use after it (the generated folder not counted); ``--out``
gets ``stages.csv`` and the same as a Markdown table, ``stages.md``. Synthetic data: the figures are sizes and
costs, never accuracies.

    python benchmarks/perf_scale.py                           # real size, about 15 GB of .mat files
    python benchmarks/perf_scale.py --subjects 3 --seconds 40 --presets smoke --model-seconds 2   # a quick look
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _tree_memory() -> dict:
    """Resident and private bytes of this process and all its children (peak_memory.py's sampler)."""
    from peak_memory import tree_memory  # benchmarks/ is on the path: this script's own folder
    return tree_memory(os.getpid())


def _disk(path: Path, exclude: Path | None = None) -> int:
    """Bytes of the files under ``path``, those under ``exclude`` left out."""
    if not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*")
               if f.is_file() and (exclude is None or exclude not in f.parents))


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB"


class Stages:
    """Times stages; each ``with stages("name"):`` records wall time, peak tree RSS and the cache's disk after it."""

    def __init__(self, cache: Path, folder: Path):
        self.cache, self.folder = cache, folder
        self.rows: list[dict] = []

    def disk(self) -> int:
        """The caches' bytes (the generated folder left out)."""
        return _disk(self.cache, self.folder)

    def __call__(self, name: str, **info):
        stages = self

        class _Stage:
            def __enter__(self):
                self.peak, self.done = {"rss": 0, "private": 0}, threading.Event()
                self.sample()

                def sample():
                    while not self.done.wait(0.2):
                        self.sample()
                self.thread = threading.Thread(target=sample, daemon=True)
                self.thread.start()
                self.start = time.perf_counter()
                return self

            def sample(self):
                now = _tree_memory()
                self.peak = {k: max(self.peak[k], now[k]) for k in self.peak}

            def __exit__(self, kind, exc, tb):
                wall = time.perf_counter() - self.start
                self.done.set()
                self.thread.join()
                self.sample()
                if kind is None:
                    row = {"stage": name, "wall_s": round(wall, 1), "peak_rss_gb": round(self.peak["rss"] / 1e9, 2),
                           "peak_private_gb": round(self.peak["private"] / 1e9, 2),
                           "cache_gb": round(stages.disk() / 1e9, 2), **info}
                    stages.rows.append(row)
                    extra = "".join(f"; {k} {v}" for k, v in info.items())
                    print(f"[stage] {name}: {wall:.1f} s, peak memory {_gb(self.peak['rss'])} resident "
                          f"({_gb(self.peak['private'])} private), cache {_gb(stages.disk())}{extra}", flush=True)
                return False
        return _Stage()


def stages_markdown(rows: list[dict]) -> str:
    """The stages as a Markdown table (what ``OUT/stages.md`` holds)."""
    lines = ["| stage | wall | peak memory (private) | caches on disk | note |", "|---|---|---|---|---|"]
    for row in rows:
        note = []
        if row.get("windows") not in (None, ""):
            note.append(f"{int(float(row['windows'])):,} windows")
        if row.get("train_windows_per_s") not in (None, ""):
            note.append(f"{float(row['train_windows_per_s']):,.1f} training / {float(row['predict_windows_per_s']):,.0f}"
                        f" predicted windows/s ({row['measured_on']}); one pass over the fold "
                        f"~{float(row['epoch_s_projected']) / 60:,.1f} min")
        wall = float(row["wall_s"])
        when = f"{wall / 60:.1f} min" if wall >= 60 else f"{wall:.1f} s"
        memory = f"{float(row['peak_rss_gb']):.1f} GB"
        if row.get("peak_private_gb") not in (None, ""):
            memory += f" ({float(row['peak_private_gb']):.1f} GB)"
        lines.append(f"| {row['stage']} | {when} | {memory} | {float(row['cache_gb']):.1f} GB | {'; '.join(note)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="perf_scale.py", description=__doc__.split("\n")[0])
    p.add_argument("--subjects", type=int, default=15)
    p.add_argument("--seconds", type=float, default=226.0, help="mean trial length in s (SEED: about 226)")
    p.add_argument("--length-jitter", dest="length_jitter", type=float, default=0.18,
                   help="trial lengths vary uniformly by this fraction (default ±18 %%, as SEED's)")
    p.add_argument("--blinks-per-minute", dest="blinks", type=float, default=10.0)
    p.add_argument("--line-noise-uv", dest="line_noise", type=float, default=5.0)
    p.add_argument("--generator-seed", dest="generator_seed", type=int, default=1)
    p.add_argument("--presets", default="smoke,strict", help="presets whose folds and models are timed")
    p.add_argument("--models", default=None, help="models (default: each preset's default models)")
    p.add_argument("--model-seconds", dest="model_seconds", type=float, default=10.0,
                   help="seconds of training steps timed per model and preset (and half as long predicting)")
    p.add_argument("--cache", type=Path, default=None,
                   help="where the folder and the caches go (default: the benchmark's cache)")
    p.add_argument("--out", type=Path, default=Path("runs/perf_scale"), help="stages.csv goes here")
    args = p.parse_args(argv)
    if args.subjects < 2:
        p.error(f"--subjects {args.subjects}: expected an integer >= 2")
    for name in ("seconds", "model_seconds"):
        if not getattr(args, name) > 0:
            p.error(f"--{name.replace('_', '-')} {getattr(args, name)}: expected a positive number")
    if not 0 <= args.length_jitter < 1:
        p.error(f"--length-jitter {args.length_jitter}: expected a fraction in [0, 1)")

    import logging
    import warnings

    import numpy as np

    from emoclip_plugin.benchmark.api import BenchmarkError, RunOptions, preflight, resolve
    from emoclip_plugin.benchmark.estimate import measure
    from emoclip_plugin.benchmark.runner import build_tasks, make_estimator, prepare_data
    from emoclip_plugin.data.cache import dataset_cache_dir, default_cache_dir
    from emoclip_plugin.data.folders import scan_folder
    from emoclip_plugin.data.seed import load_dataset
    from emoclip_plugin.data.synthetic import write_folder
    from emoclip_plugin.benchmark.presets import frame_feature_config
    logging.getLogger("torcheeg").setLevel(logging.WARNING)

    cache = args.cache or default_cache_dir()
    name = (f"seed-{args.subjects}subj-{args.seconds:g}s-jitter{args.length_jitter:g}-blinks{args.blinks:g}-"
            f"line{args.line_noise:g}-gen{args.generator_seed}")
    root = Path(cache) / "perf-scale" / name / "Preprocessed_EEG"
    from emoclip_plugin.benchmark.presets import ConfigError, resolve_config
    from emoclip_plugin.estimators import ModelError, resolve_model
    presets = [x for x in args.presets.split(",") if x]
    if not presets:
        p.error(f"--presets {args.presets!r}: expected one or more of smoke, strict, paper")
    try:  # the options, before minutes of writing the folder
        for preset in presets:
            resolve_config(preset)
        for model in [x for x in (args.models or "").split(",") if x]:
            resolve_model(model)
    except (ConfigError, ModelError) as err:
        p.error(str(err))
    stages = Stages(Path(cache), root.parent)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    print(f"folder: {root} ({args.subjects} subjects x 3 sessions x 15 trials of {args.seconds:g} s "
          f"±{100 * args.length_jitter:g} %, {args.blinks:g} blinks/min, {args.line_noise:g} µV line noise; "
          f"generator seed {args.generator_seed}; synthetic)")
    if not any(root.glob("*.mat")):
        with stages("generate the folder (not a benchmark stage)"):
            write_folder(root, "seed", subjects=args.subjects, seconds=args.seconds, seed=args.generator_seed,
                         length_jitter=args.length_jitter, blinks_per_minute=args.blinks,
                         line_noise_uv=args.line_noise, overwrite=True, progress=True)
    runs = {}
    try:  # one resolution per preset: presets may differ in their folds (smoke pools the sessions, strict does not)
        for preset in presets:
            runs[preset] = resolve(RunOptions.from_kwargs(root=[root], preset=preset, models=args.models,
                                                          cache=cache, device="cpu", quiet=True))
    except BenchmarkError as err:
        p.error(str(err))
    mat_bytes = sum(f.stat().st_size for f in root.glob("*.mat"))
    print(f"folder size: {_gb(mat_bytes)} of .mat files", flush=True)

    first = runs[presets[0]]
    sources = [(d, f, root, label) for d, f, _, label in first["sources"]]
    dataset, family = sources[0][0], sources[0][1]
    with stages("scan the folder + preflight"):
        scan = scan_folder(root, family)
        for settings in runs.values():
            preflight(sources, settings["protocols"], settings["configs"], settings["seeds"])
    print(f"files: {len(scan.files)} session files", flush=True)

    datasets_dir = dataset_cache_dir(cache)
    warnings.simplefilter("once")
    prepared_by_features: dict[str, dict] = {}
    tasks_by_preset, configs = {}, {}
    for preset, settings in runs.items():
        config = configs[preset] = settings["configs"][preset]
        specs = settings["models"]
        key = json.dumps([config["features"], config["de_window"]], sort_keys=True, default=str)
        prepared = prepared_by_features.setdefault(key, {})
        for kind in dict.fromkeys(s.kind for s in specs):
            if (dataset, kind) in prepared:  # the same features as an earlier preset's: built once
                continue
            with stages(f"features: {kind}"):
                if kind == "emotionclip":
                    ds = load_dataset(root, family, kind, cache_dir=datasets_dir,
                                      feature_config=frame_feature_config(config["features"] or {}), progress=True)
                else:
                    ds = load_dataset(root, family, kind, cache_dir=datasets_dir,
                                      window_seconds=config["de_window"], progress=True)
            with stages(f"array cache: {kind}", windows=len(ds)):
                prepared[(dataset, kind)] = prepare_data(root, family, kind, cache, config["features"],
                                                         config["de_window"], progress=True)
            print(f"windows: {kind} {len(ds):,}", flush=True)
        with stages(f"folds: {preset}"):
            tasks_by_preset[preset] = build_tasks(prepared, [dataset], settings["protocols"], specs, config,
                                                  preset, settings["seeds"], settings["threads"],
                                                  Path(cache) / "splits", {dataset: "synthetic"}, "perf-scale",
                                                  device="cpu", precision="32", progress=True)
    for preset, tasks in tasks_by_preset.items():
        validation = configs[preset]["validation"]
        seen = set()
        for task in tasks:
            if task.model in seen:
                continue
            seen.add(task.model)
            X = np.load(Path(task.data_dir) / "X.npy", mmap_mode="r")
            y = np.load(Path(task.data_dir) / "y.npy")
            train = np.asarray(task.fold.train)
            est = make_estimator(task, validation=validation)
            # at most 20,000 of the fold's training windows in memory: measure() uses only what its time allows
            rows = np.sort(np.random.default_rng(0).choice(train, min(len(train), 20000), replace=False))
            with stages(f"model: {preset} {task.model}"):
                rates = measure(est, X[rows], y[rows], steps=10 ** 6, seconds=args.model_seconds)
            n_fit = int(round(len(train) * (1 - validation)))
            epoch = rates.train_s_per_window * n_fit
            stages.rows[-1].update({"train_windows_per_s": round(1 / rates.train_s_per_window, 1),
                                    "predict_windows_per_s": round(1 / rates.eval_s_per_window, 1),
                                    "epoch_s_projected": round(epoch, 1), "measured_on": rates.note})
            what = "one epoch" if rates.exact else "one fit (scaled linearly)"
            print(f"        {1 / rates.train_s_per_window:,.1f} training windows/s, "
                  f"{1 / rates.eval_s_per_window:,.1f} predicted/s ({rates.note}); {what} over the fold's "
                  f"{n_fit:,} fitting windows ~{epoch / 60:,.1f} min", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    keys = list(dict.fromkeys(k for row in stages.rows for k in row))
    with open(args.out / "stages.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(stages.rows)
    (args.out / "stages.md").write_text(stages_markdown(stages.rows))
    print(f"started {started}, ended {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}; "
          f"stages: {args.out / 'stages.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
