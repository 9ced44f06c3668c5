"""The benchmark command line: ``python benchmarks/run_all.py`` (console script ``emoclip-bench``).

Runs EmotionCLIP and the baselines on SEED / SEED-IV under strict, leakage-free protocols and writes
``OUT/results.csv`` (one row per dataset x protocol x model x fold x seed), ``OUT/provenance.json``, ``OUT/summary.md``
and plots. Without ``--root`` it writes the embedded default (a small synthetic SEED-format folder) into the cache and
runs the ``smoke`` preset on it. Re-running the same command skips finished folds.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import socket
import sys
from pathlib import Path

DATASETS = ("seed", "seed-iv")
PROTOCOL_CHOICES = ("cross-subject", "cross-time", "within-subject", "cross-dataset", "all")
#: What ``--protocol all`` runs (cross-dataset is asked for by name: it needs both datasets).
ALL_PROTOCOLS = ["cross-subject", "cross-time", "within-subject"]


class UsageError(ValueError):
    """A command-line value that cannot work; reported before any work starts."""


def build_parser() -> argparse.ArgumentParser:
    from .estimators import list_estimators
    from .benchmark.presets import PRESETS
    p = argparse.ArgumentParser(prog="run_all.py", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default=None, help=f"{' | '.join(DATASETS)} | all (default: detected from --root; "
                                                   "'seed' for the embedded default)")
    p.add_argument("--root", type=Path, action="append", default=None,
                   help="a real Preprocessed_EEG/ or eeg_raw_data/ folder (feature folders: DE models only); "
                        "repeat for SEED and SEED-IV")
    p.add_argument("--protocol", default="cross-subject",
                   help=" | ".join(PROTOCOL_CHOICES) + ", or several comma-separated (default cross-subject; all = the "
                        "three within-dataset protocols; cross-dataset needs SEED and SEED-IV)")
    p.add_argument("--models", default=None, help=f"comma-separated, from {','.join(list_estimators())} "
                                                  "(default: the preset's)")
    p.add_argument("--preset", default=None, help=f"{' | '.join(PRESETS)} (default: smoke for the embedded default, "
                                                  "strict with --root); several comma-separated (strict,paper) run "
                                                  "on the same folds and are compared per model (inflation)")
    p.add_argument("--config", type=Path, default=None, help="YAML file overriding the preset's settings")
    p.add_argument("--out", type=Path, default=Path("runs/latest"), help="results folder (default runs/latest)")
    p.add_argument("--jobs", type=int, default=1, help="folds in parallel processes on this machine (default 1)")
    p.add_argument("--scheduler", default=None, help="address of a Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 42, the paper's)")
    p.add_argument("--seeds", default=None, help="several seeds, every fold run once per seed: a list (0,1,2) or a count "
                                                 "N (seeds 0..N-1); the summary gives the spread over folds and over "
                                                 "seeds separately")
    p.add_argument("--shots", type=int, default=None, help="labelled windows per class of the test subject/session "
                                                           "added to training (default: the preset's; strict 0)")
    p.add_argument("--cross-subject", dest="cross_subject", default=None,
                   help="per-session | pooled (default: the preset's)")
    feats = p.add_argument_group("features (default: the preset's; they key the caches and are recorded per row)")
    feats.add_argument("--baseline-seconds", dest="baseline_seconds", type=float, default=None,
                       help="EmotionCLIP grids: seconds at each trial's start whose mean feature is subtracted, then "
                            "dropped (paper 5; 0 = no baseline)")
    feats.add_argument("--window-seconds", dest="window_seconds", type=float, default=None,
                       help="EmotionCLIP grids: window length in s (paper 2)")
    feats.add_argument("--frame-seconds", dest="frame_seconds", type=float, default=None,
                       help="EmotionCLIP grids: frame length in s (paper 0.5 -> 4 frames per 2-s window)")
    feats.add_argument("--bands", default=None, help="EmotionCLIP grids: bands as name:low-high,... in Hz "
                                                     "(paper: six bands, see FrameFeatureConfig)")
    feats.add_argument("--zscore", default=None, help="EmotionCLIP grids: on | off, z-score each map across electrodes "
                                                      "(paper on)")
    feats.add_argument("--de-window", dest="de_window", type=float, default=None,
                       help="band-DE / raw window in s (default 1 SEED, 4 SEED-IV)")
    comp = p.add_argument_group("compute (default: the preset's; recorded per row)")
    comp.add_argument("--device", default=None, help="auto | cpu | cuda | cuda:N for the neural models (default auto: "
                                                     "CUDA when available); with --jobs, 'cuda' gives each worker its "
                                                     "own GPU, round robin")
    comp.add_argument("--precision", default=None, help="32 | bf16 | 16-mixed | auto (default auto: bf16 on a GPU "
                                                        "that has it, else 32)")
    comp.add_argument("--compile", action="store_true", default=None, help="torch.compile the neural models")
    comp.add_argument("--estimate", action="store_true",
                      help="build the task grid, time a few training steps and one evaluation pass of each model on "
                           "the chosen device, print the projected wall time, and exit without training")
    comp.add_argument("--estimate-steps", dest="estimate_steps", type=int, default=20,
                      help="training steps timed per model by --estimate (default 20)")
    p.add_argument("--threads", type=int, default=None, help="torch threads per task (default: cores / jobs)")
    p.add_argument("--cache", type=Path, default=None, help="cache folder (default $EMOCLIP_CACHE or "
                                                            "~/.cache/emoclip-plugin)")
    p.add_argument("--resume-any-code", dest="resume_any_code", action="store_true",
                   help="reuse finished folds computed by other code (another code fingerprint); off by default, "
                        "recorded in provenance.json, and the summary says when a table mixes fingerprints")
    p.add_argument("--verbose", action="store_true", help="epoch progress bars, and a full traceback for data errors")
    return p


def _validate(args) -> dict:
    """Check every option before any work; returns the resolved run settings."""
    from .benchmark.presets import ConfigError, PRESETS, resolve_config
    from .data.folders import DataFolderError, detect_family
    from .estimators import estimator_input_kind, get_estimator, list_estimators

    if args.dataset is not None and args.dataset not in DATASETS + ("all",):
        raise UsageError(f"--dataset {args.dataset!r}: choose from {', '.join(DATASETS + ('all',))}")
    protocols = [v.strip() for v in args.protocol.split(",") if v.strip()]
    bad = [v for v in protocols if v not in PROTOCOL_CHOICES]
    if bad or not protocols or len(set(protocols)) != len(protocols):
        raise UsageError(f"--protocol {args.protocol!r}: choose one or more (distinct) of "
                         f"{', '.join(PROTOCOL_CHOICES)}")
    protocols = list(dict.fromkeys(q for v in protocols for q in (ALL_PROTOCOLS if v == "all" else [v])))
    presets = [v.strip() for v in (args.preset or "").split(",") if v.strip()] if args.preset is not None else []
    bad = [v for v in presets if v not in PRESETS]
    if args.preset is not None and (bad or not presets or len(set(presets)) != len(presets)):
        raise UsageError(f"--preset {args.preset!r}: choose one or more (distinct) of {', '.join(PRESETS)}")
    for name in ("jobs",):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} {getattr(args, name)}: expected an integer >= 1")
    if args.threads is not None and args.threads < 1:
        raise UsageError(f"--threads {args.threads}: expected an integer >= 1")
    if args.estimate_steps < 1:
        raise UsageError(f"--estimate-steps {args.estimate_steps}: expected an integer >= 1")
    seeds = _seeds(args)
    if args.shots is not None and args.shots < 0:
        raise UsageError(f"--shots {args.shots}: expected an integer >= 0")
    if args.cross_subject is not None and args.cross_subject not in ("per-session", "pooled"):
        raise UsageError(f"--cross-subject {args.cross_subject!r}: choose from per-session, pooled")
    if args.scheduler is not None:
        if "://" not in args.scheduler and ":" not in args.scheduler:
            raise UsageError(f"--scheduler {args.scheduler!r}: expected an address like tcp://HOST:PORT")
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--scheduler needs Dask distributed: pip install 'emoclip-plugin[dask]'") from None
        if args.jobs != 1:
            raise UsageError("--jobs and --scheduler exclude each other (the cluster decides the parallelism)")

    sources = []
    if args.root:
        for root in args.root:
            if not root.is_dir():
                raise UsageError(f"--root {root}: folder not found")
            try:
                family = detect_family(root)
            except DataFolderError as err:
                raise UsageError(f"--root {root}: {err}") from None
            sources.append((family.replace("-features", ""), family, root, "user"))
        wanted = DATASETS if args.dataset == "all" else (args.dataset,) if args.dataset else None
        if wanted is not None:
            found = {s[0] for s in sources}
            missing = [d for d in wanted if d not in found]
            if missing:
                raise UsageError(f"--dataset {args.dataset}: no --root for {missing}; the folders given look like "
                                 f"{sorted(found)}")
            sources = [s for s in sources if s[0] in wanted]
        if len({s[0] for s in sources}) != len(sources):
            raise UsageError("two --root folders of the same dataset; give one per dataset")
    else:
        default = DATASETS if "cross-dataset" in protocols else ("seed",)
        datasets = DATASETS if args.dataset == "all" else (args.dataset,) if args.dataset else default
        sources = [(d, d, None, "synthetic") for d in datasets]
    if "cross-dataset" in protocols and {s[0] for s in sources} != set(DATASETS):
        raise UsageError("--protocol cross-dataset needs both SEED and SEED-IV: give a --root for each (or neither "
                         "for the embedded defaults), without --dataset")

    presets = presets or ["strict" if args.root else "smoke"]
    overrides = {"shots": args.shots, "cross_subject": args.cross_subject, "de_window": args.de_window,
                 "features": _feature_options(args), "device": args.device, "precision": args.precision,
                 "compile": args.compile}
    try:
        configs = {name: resolve_config(name, args.config, overrides) for name in presets}
    except ConfigError as err:
        raise UsageError(str(err)) from None
    first = configs[presets[0]]
    for name, config in configs.items():
        for key in ("features", "de_window", "cross_subject", "device", "precision", "compile"):
            if config[key] != first[key]:
                raise UsageError(f"--preset {args.preset}: {presets[0]} and {name} differ in {key} ({first[key]!r} vs "
                                 f"{config[key]!r}); presets compared in one run must share the data, folds and "
                                 f"device (set it with --{key.replace('_', '-')} or the config file)")
        if "cross-dataset" in protocols and config["shots"]:
            raise UsageError(f"--protocol cross-dataset is zero-shot, but preset {name} adds {config['shots']} "
                             "labelled test windows per class; add --shots 0")
    device, precision = _compute(first, args.scheduler)
    models = ([m.strip() for m in args.models.split(",") if m.strip()] if args.models else
              list(dict.fromkeys(m for c in configs.values() for m in c["default_models"])))
    bad = [m for m in models if m not in list_estimators()]
    if bad or not models:
        raise UsageError(f"--models: unknown {bad or 'empty list'}; choose from {', '.join(list_estimators())}")
    for name, config in configs.items():  # estimator parameters: checked before any feature is computed
        for model in models:
            try:
                estimator = get_estimator(model, **config["models"].get(model, {}))
                if hasattr(estimator, "_check_params"):
                    estimator.set_params(device="cpu", precision="32")._check_params()
            except (TypeError, ValueError) as err:
                raise UsageError(f"preset {name}, model {model}: {_one_line(err)}") from None
    for dataset, family, root, _ in sources:
        if family.endswith("-features"):
            usable = [m for m in models if estimator_input_kind(m) in ("de", "de_grid")]
            if len(usable) != len(models):
                raise UsageError(f"--root {root} is a feature folder ({family}): it has band DE only, so "
                                 f"{sorted(set(models) - set(usable))} cannot run; use a raw folder or "
                                 f"--models {','.join(usable) or 'dgcnn,de_logreg'}")
    jobs = args.jobs
    threads = args.threads or max(1, (os.cpu_count() or 1) // jobs)
    return {"sources": sources, "presets": presets, "configs": configs, "models": models, "protocols": protocols,
            "threads": threads, "device": device, "precision": precision, "seeds": seeds}


def _seeds(args) -> list[int]:
    """The run's seeds from ``--seed`` / ``--seeds`` (default: [42])."""
    if args.seed is not None and args.seeds is not None:
        raise UsageError("--seed and --seeds exclude each other; give the seeds as --seeds 42,43 or a count")
    if args.seed is not None:
        if args.seed < 0:
            raise UsageError(f"--seed {args.seed}: expected an integer >= 0")
        return [args.seed]
    if args.seeds is None:
        return [42]
    try:
        values = [int(v) for v in args.seeds.split(",") if v.strip() != ""]
    except ValueError:
        values = []
    if "," not in args.seeds and len(values) == 1:
        if values[0] < 1:
            raise UsageError(f"--seeds {args.seeds}: a count must be >= 1")
        return list(range(values[0]))
    if not values or min(values) < 0 or len(set(values)) != len(values):
        raise UsageError(f"--seeds {args.seeds!r}: expected distinct integers >= 0 (0,1,2) or a count (3)")
    return values


def _compute(config: dict, scheduler: str | None) -> tuple[str, str]:
    """The run's device and precision, checked against this machine before any work (one line on failure).

    With ``--scheduler`` the cluster's workers do the training, so this machine's devices are not checked: ``auto``
    stays for each worker to resolve, and only CUDA tasks ask the cluster for GPUs."""
    from .devices import DeviceError, resolve_device, resolve_precision
    if scheduler:
        return config["device"], config["precision"]
    try:
        device = resolve_device(config["device"])
        precision = resolve_precision(config["precision"], device)
    except DeviceError as err:
        raise UsageError(f"--device {config['device']} --precision {config['precision']}: {err}") from None
    return device, precision


def _feature_options(args) -> dict:
    """The EmotionCLIP feature options given on the command line, as a configuration's ``features`` mapping."""
    out = {k: getattr(args, k) for k in ("baseline_seconds", "window_seconds", "frame_seconds")
           if getattr(args, k) is not None}
    if args.zscore is not None:
        if args.zscore not in ("on", "off"):
            raise UsageError(f"--zscore {args.zscore!r}: choose from on, off")
        out["zscore"] = args.zscore == "on"
    if args.bands is not None:
        bands = {}
        for item in args.bands.split(","):
            try:
                name, rng = item.split(":")
                low, high = (float(v) for v in rng.split("-"))
            except ValueError:
                raise UsageError(f"--bands {args.bands!r}: expected name:low-high,... in Hz, e.g. "
                                 "delta:1-4,theta:4-8,alpha:8-14") from None
            bands[name.strip()] = [low, high]
        out["bands"] = bands
    return out


def _one_line(err: BaseException) -> str:
    """An error message on one line (the messages name the file first: ``<file>: <problem>``)."""
    return " ".join(str(err).split())


def preflight(sources: list[tuple], protocols: list[str], configs: dict[str, dict], seeds: list[int]) -> None:
    """Check that every within-dataset protocol can build its folds and few-shot calibration on each folder, from
    the folders' headers (:func:`~emoclip_plugin.protocols.check_layout`); raises ``ValueError`` naming the folder."""
    from .benchmark.presets import feature_settings
    import warnings

    from .data.folders import StrayFileWarning, scan_folder
    from .protocols import WITHIN_SUBJECT_TRAIN_TRIALS, check_layout
    for dataset, family, root, _ in sources:
        with warnings.catch_warnings():  # stray files are reported once, when the loaders read the folder
            warnings.simplefilter("ignore", StrayFileWarning)
            trials = scan_folder(root, family).trials()
        for protocol in protocols:
            if protocol == "cross-dataset":
                continue
            for name, config in configs.items():
                try:
                    check_layout(trials, protocol, config["cross_subject"], config["shots"] if not
                                 family.endswith("-features") else 0, config["calibration"], seeds,
                                 float(feature_settings(config, "emotionclip")["baseline_seconds"]),
                                 WITHIN_SUBJECT_TRAIN_TRIALS[dataset])
                except ValueError as err:
                    label = f"preset {name}, " if len(configs) > 1 else ""
                    raise ValueError(f"{root} ({dataset}): {label}{protocol}: {err}") from None


def run(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = _validate(args)
    except UsageError as err:
        parser.error(str(err))
    import logging

    from dataclasses import replace

    import numpy as np
    from tqdm.auto import tqdm

    from .benchmark.presets import config_hash, feature_settings
    from .fingerprint import package_versions
    from .benchmark.report import majority_rates, plot_all, plot_comparisons, write_summary
    from .benchmark.stats import meta_analysis, paired_comparisons
    from .benchmark.runner import build_tasks, execute, prepare_data
    from .benchmark.store import ResultStore, atomic_write, result_list, rows_frame
    from .data.cache import default_cache_dir
    from .data.folders import DataFolderError
    from .data.synthetic import embedded_default
    from .estimators import estimator_input_kind
    from .protocols import LeakageError

    logging.getLogger("torcheeg").setLevel(logging.WARNING)
    configs, presets, models = settings["configs"], settings["presets"], settings["models"]
    config = configs[presets[0]]  # what the presets share: data, folds, device (checked in _validate)
    cache = args.cache or default_cache_dir()
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    for name, preset_config in configs.items():
        print(f"preset: {name} — {preset_config['description']}")
    if "cross-subject" in settings["protocols"]:
        print(f"cross-subject mode: {config['cross_subject']} (option --cross-subject per-session|pooled)")
    shots = "; ".join(f"{c['shots']}" + (f" ({c['calibration']})" if c["shots"] else "")
                      + (f" in {n}" if len(configs) > 1 else "") for n, c in configs.items())
    print(f"protocols: {', '.join(settings['protocols'])}; models: {', '.join(models)}; shots: {shots}"
          f"; seed(s) {', '.join(map(str, settings['seeds']))}; output: {args.out}")
    grids = feature_settings(config, "emotionclip")
    print(f"features: EmotionCLIP grids {grids['window_seconds']:g}-s windows of {grids['frame_seconds']:g}-s frames, "
          f"{len(grids['bands'])} bands, trial baseline {grids['baseline_seconds']:g} s"
          + (" (off)" if not grids["baseline_seconds"] else " (subtracted)")
          + f", z-score {'on' if grids['zscore'] else 'off'}; DE window "
          + (f"{config['de_window']:g} s" if config["de_window"] else "default (1 s SEED, 4 s SEED-IV)")
          + "; refit after early stopping: " + ", ".join(
              ("on" if c["refit"] else "off") + (f" ({n})" if len(configs) > 1 else "") for n, c in configs.items()))
    from .devices import describe
    device, precision = settings["device"], settings["precision"]
    where = (f"{device} on the cluster's workers" if args.scheduler else
             f"{describe(device)['device_name']} ({device})")
    print(f"compute: neural models on {where}, precision {precision}"
          + (", torch.compile" if config["compile"] else "") + "; scikit-learn models on the CPU")

    sources = []
    for dataset, family, root, label in settings["sources"]:
        if root is None:
            root = embedded_default(dataset, cache)
        sources.append((dataset, family, root, label))
    try:  # the folds and calibration each protocol needs, from the file headers: before any feature is computed
        preflight(sources, settings["protocols"], configs, settings["seeds"])
    except DataFolderError as err:
        parser.exit(2, f"{parser.prog}: error: {_one_line(err)}\n")
    except ValueError as err:
        parser.error(_one_line(err))
    prepared, class_names, roots = {}, {}, {}
    for dataset, family, root, label in sources:
        for kind in dict.fromkeys(estimator_input_kind(m) for m in models):
            print(f"loading {dataset} ({label}) as '{kind}' features from {root}")
            try:
                prep = prepare_data(root, family, kind, cache, config["features"], config["de_window"])
            except DataFolderError as err:  # a bad file found while reading: one line, no traceback
                if args.verbose:
                    raise
                parser.exit(2, f"{parser.prog}: error: {_one_line(err)}\n")
            prepared[(dataset, kind)] = prep
            class_names[dataset] = prep.class_names
        roots[dataset] = {"root": str(root), "data": label,
                          "cache_keys": {k: p.cache_key for (d, k), p in prepared.items() if d == dataset}}
    tasks = []
    try:
        for name, preset_config in configs.items():
            built = build_tasks(prepared, [s[0] for s in sources], settings["protocols"], models, preset_config, name,
                                settings["seeds"], settings["threads"], Path(cache) / "splits",
                                {s[0]: s[3] for s in sources}, package_versions()["emoclip-plugin"] or "dev",
                                device=settings["device"], precision=settings["precision"])
            if len(configs) > 1:  # the presets' results live side by side in one store
                built = [replace(t, task_id=f"{name}__{t.task_id}") for t in built]
            tasks += built
    except LeakageError as err:
        print(f"leakage guard: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        parser.error(str(err))

    out = Path(args.out)
    if args.estimate and not (out / "folds").is_dir():  # an estimate writes nothing
        store = None
    else:
        store = ResultStore(out)
    finished: dict[str, dict] = {}  # task_id -> result, in memory: results.csv is rewritten from it after each fold
    from .fingerprint import code_provenance
    code = code_provenance()
    for t in tasks if store is not None else ():
        stored = store.load(t.task_id, t.config_hash, None if args.resume_any_code else code["code"])
        if stored is not None:
            finished[t.task_id] = stored
    todo = [t for t in tasks if t.task_id not in finished]
    if args.estimate:
        from .benchmark.estimate import print_estimate
        print_estimate(todo, len(finished), config["validation"], args.jobs, args.estimate_steps, args.scheduler)
        return 0
    print(f"{len(tasks)} folds x models: {len(finished)} already finished in {out} (skipped), {len(todo)} to run"
          + (f" on {args.scheduler}" if args.scheduler else f" with {args.jobs} job(s) x {settings['threads']} "
             "thread(s)"))
    provenance = {"command": [sys.executable] + sys.argv if argv is None else ["run_all.py", *argv],
                  "started": started, "host": socket.gethostname(), **code,
                  "resume_any_code": bool(args.resume_any_code),
                  "versions": package_versions(), "preset": ",".join(presets),
                  **({"config": config, "config_hash": config_hash(config)} if len(configs) == 1 else
                     {"configs": configs, "config_hashes": {n: config_hash(c) for n, c in configs.items()}}),
                  "models": models, "protocols": settings["protocols"], "seeds": settings["seeds"],
                  "datasets": roots,
                  "refit": config["refit"] if len(configs) == 1 else {n: c["refit"] for n, c in configs.items()},
                  "features": {kind: feature_settings(config, kind)
                               for kind in dict.fromkeys(estimator_input_kind(m) for m in models)},
                  "jobs": args.jobs, "scheduler": args.scheduler, "threads_per_task": settings["threads"],
                  "device": settings["device"], "precision": settings["precision"], "compile": config["compile"],
                  "device_description": None if args.scheduler else describe(settings["device"])}
    atomic_write(out / "provenance.json", json.dumps(provenance, indent=1, default=str))

    errors = []
    bar = tqdm(total=len(tasks), initial=len(finished), desc="folds", unit="fold")

    def in_task_order() -> list[dict]:
        return [finished[t.task_id] for t in tasks if t.task_id in finished]

    def on_result(task, result):
        store.save(task.task_id, result)
        finished[task.task_id] = result
        store.write_csv(in_task_order())
        accuracy = np.mean([r["row"]["accuracy"] for r in result_list(result)])
        bar.set_postfix_str(f"{task.model} {task.fold.name}: {100 * accuracy:.1f}%")
        bar.update(1)

    def on_error(task, err):
        errors.append((task.task_id, err))
        bar.write(f"FAILED {task.task_id}: {type(err).__name__}: {err}")
        bar.update(1)

    for name, preset_config in configs.items():  # one pass per preset: each has its own validation fraction
        execute([t for t in todo if t.preset == name], on_result, on_error, jobs=args.jobs, scheduler=args.scheduler,
                validation=preset_config["validation"], verbose=args.verbose)
    bar.close()  # the fold bar's [elapsed<remaining] comes from the folds finished so far
    results = in_task_order()
    store.write_csv(results)
    flat = [r for result in results for r in result_list(result)]
    rows = rows_frame(flat)
    chance = {d: 1 / len(c) for d, c in class_names.items()}
    chance.update(majority_rates(flat))
    comparisons = paired_comparisons(rows)
    atomic_write(out / "comparisons.csv", comparisons.to_csv(index=False))
    meta = meta_analysis(comparisons)
    if not meta.empty:  # a pair that ran on SEED and SEED-IV: Stouffer's combination, as MOABB does
        atomic_write(out / "meta_analysis.csv", meta.to_csv(index=False))
    text = write_summary(rows, out, configs, chance, comparisons, meta)
    plots = plot_all(flat, out, class_names, chance) + plot_comparisons(comparisons, out)
    provenance["finished"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    if not rows.empty:
        cols = [c for c in ("model", "device", "device_name", "precision", "torch", "cuda") if c in rows]
        provenance["devices_used"] = rows[cols].drop_duplicates().to_dict("records")
    provenance["folds_finished"], provenance["folds_failed"] = len(results), len(errors)
    provenance["rows"] = len(flat)
    atomic_write(out / "provenance.json", json.dumps(provenance, indent=1, default=str))
    print(text)
    print(f"results: {out / 'results.csv'} ({len(flat)} rows); plots: {', '.join(p.name for p in plots)}")
    if errors:
        print(f"{len(errors)} task(s) failed: " + "; ".join(f"{t}: {e}" for t, e in errors), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """``run_all.py [options]`` runs the benchmark; ``run_all.py cache list|clear ...`` manages the caches."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["cache"]:
        from .benchmark.caches import main as cache_main
        return cache_main(args[1:])
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
