"""The benchmark as a library: :func:`run` does everything ``run_all.py`` does and returns a :class:`BenchmarkResult`.

::

    from emoclip_plugin import benchmark
    r = benchmark.run(models=["emotionclip", "dgcnn", "svm_de"], out="runs/x")      # the embedded default folder
    r = benchmark.run(root="data/Preprocessed_EEG", preset="strict", protocol="cross-subject",
                      models=["emotionclip", "braindecode:ShallowFBCSPNet",
                              benchmark.model(my_pipeline, input="de", name="mine")], out="runs/y")
    r.summary; r.results; r.comparisons; r.plot(); r.save("artefacts/y")

One pipeline, in the order the data flows: options are checked (:func:`resolve`), each folder's headers are checked
against the protocols (:func:`preflight`), the features are built and cached (``runner.prepare_data``), the task
grid is built and guarded (``runner.build_tasks``), finished folds are reused from ``out`` when the code and settings
match (:func:`run_tasks`), the rest run locally, in ``jobs`` processes or on a Dask cluster, and the statistics,
summary, plots and provenance are written to ``out``. The command line (:mod:`emoclip_plugin.cli`) parses arguments
into the same options and prints what this module reports; the study scripts run their grids through
:func:`run_tasks`.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import socket
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

import pandas as pd

DATASETS = ("seed", "seed-iv")
PROTOCOL_CHOICES = ("cross-subject", "cross-time", "within-subject", "cross-dataset", "all")
#: What ``protocol="all"`` runs (cross-dataset is asked for by name: it needs both datasets).
ALL_PROTOCOLS = ["cross-subject", "cross-time", "within-subject"]


class BenchmarkError(ValueError):
    """An option value that cannot work; raised before any work starts (the command line: one line, exit 2)."""


@dataclass
class RunOptions:
    """Every option of :func:`run` (the command line's flags, same names with ``_`` for ``-``)."""

    root: list | None = None
    models: list | None = None
    protocol: str = "cross-subject"
    preset: str | None = None
    out: Path = Path("runs/latest")
    dataset: str | None = None
    config: Path | None = None
    jobs: int = 1
    scheduler: str | None = None
    seed: int | None = None
    seeds: Any = None
    shots: int | None = None
    cross_subject: str | None = None
    baseline_seconds: float | str | None = None  # seconds, or "auto"
    window_seconds: float | None = None
    frame_seconds: float | None = None
    bands: Any = None
    zscore: Any = None
    de_window: float | None = None
    device: str | None = None
    precision: str | None = None
    compile: bool | None = None
    estimate: bool = False
    estimate_steps: int = 20
    estimate_seconds: float = 5.0
    threads: int | None = None
    cache: Path | None = None
    resume_any_code: bool = False
    verbose: bool = False
    quiet: bool = False
    command: list | None = None

    @classmethod
    def from_kwargs(cls, **kwargs) -> "RunOptions":
        names = {f.name for f in fields(cls)}
        bad = sorted(set(kwargs) - names)
        if bad:
            raise BenchmarkError(f"unknown option(s) {bad}; valid: {sorted(names)}")
        opts = cls(**kwargs)
        if opts.root is not None and not isinstance(opts.root, (list, tuple)):
            opts.root = [opts.root]
        if opts.root is not None:
            opts.root = [Path(r) for r in opts.root]
        if isinstance(opts.models, str):
            opts.models = [m.strip() for m in opts.models.split(",") if m.strip()]
        elif opts.models is not None and not isinstance(opts.models, (list, tuple)):
            opts.models = [opts.models]
        for name in ("protocol", "preset"):
            value = getattr(opts, name)
            if isinstance(value, (list, tuple)):
                setattr(opts, name, ",".join(value))
        if isinstance(opts.seeds, int) and not isinstance(opts.seeds, bool):
            opts.seeds = str(opts.seeds)
        elif isinstance(opts.seeds, (list, tuple)):
            opts.seeds = ",".join(str(s) for s in opts.seeds)
        if isinstance(opts.zscore, bool):
            opts.zscore = "on" if opts.zscore else "off"
        if isinstance(opts.bands, dict):
            opts.bands = ",".join(f"{k}:{lo:g}-{hi:g}" for k, (lo, hi) in opts.bands.items())
        for name in ("out", "config", "cache"):
            value = getattr(opts, name)
            if value is not None and not isinstance(value, Path):
                setattr(opts, name, Path(value))
        return opts


def model(obj: Any, input: Any, name: str | None = None, **params):
    """A researcher's model for ``run(models=[...])``: an unfitted scikit-learn estimator or pipeline (cloned per
    fold), a skorch net, an ``nn.Module`` class (trained with the preset's recipe), a factory or an import string,
    with the input it takes (``"emotionclip"``, ``"de"``, ``"de_grid"``, ``"raw"`` or a callable on raw windows
    ``[n, 62, T]``); ``params`` are set on every fold's copy."""
    from ..estimators import ModelError, spec_from_object
    try:
        return spec_from_object(obj, name, input, defaults=params)
    except ModelError as err:
        raise BenchmarkError(str(err)) from None


# ------------------------------------------------------------------------------------------------ options
def resolve(opts: RunOptions) -> dict:
    """Check every option before any work; returns the resolved run settings (sources, presets' configurations,
    model specs, protocols, seeds, device, threads). Raises :class:`BenchmarkError` naming the option."""
    from ..data.folders import DataFolderError, detect_family
    from ..estimators import ModelError, resolve_model, spec_from_object
    from ..estimators.catalog import expand_groups
    from .presets import PRESETS, ConfigError, model_params, resolve_config

    if opts.dataset is not None and opts.dataset not in DATASETS + ("all",):
        raise BenchmarkError(f"--dataset {opts.dataset!r}: choose from {', '.join(DATASETS + ('all',))}")
    protocols = [v.strip() for v in (opts.protocol or "").split(",") if v.strip()]
    bad = [v for v in protocols if v not in PROTOCOL_CHOICES]
    if bad or not protocols or len(set(protocols)) != len(protocols):
        raise BenchmarkError(f"--protocol {opts.protocol!r}: choose one or more (distinct) of "
                             f"{', '.join(PROTOCOL_CHOICES)}")
    protocols = list(dict.fromkeys(q for v in protocols for q in (ALL_PROTOCOLS if v == "all" else [v])))
    presets = [v.strip() for v in (opts.preset or "").split(",") if v.strip()] if opts.preset is not None else []
    bad = [v for v in presets if v not in PRESETS]
    if opts.preset is not None and (bad or not presets or len(set(presets)) != len(presets)):
        raise BenchmarkError(f"--preset {opts.preset!r}: choose one or more (distinct) of {', '.join(PRESETS)}")
    if not isinstance(opts.jobs, int) or opts.jobs < 1:
        raise BenchmarkError(f"--jobs {opts.jobs}: expected an integer >= 1")
    if opts.threads is not None and opts.threads < 1:
        raise BenchmarkError(f"--threads {opts.threads}: expected an integer >= 1")
    if opts.estimate_steps < 1:
        raise BenchmarkError(f"--estimate-steps {opts.estimate_steps}: expected an integer >= 1")
    if not isinstance(opts.estimate_seconds, (int, float)) or not opts.estimate_seconds > 0:
        raise BenchmarkError(f"--estimate-seconds {opts.estimate_seconds}: expected a number of seconds > 0")
    seeds = _seeds(opts)
    if opts.shots is not None and opts.shots < 0:
        raise BenchmarkError(f"--shots {opts.shots}: expected an integer >= 0")
    if opts.cross_subject is not None and opts.cross_subject not in ("per-session", "pooled"):
        raise BenchmarkError(f"--cross-subject {opts.cross_subject!r}: choose from per-session, pooled")
    if opts.scheduler is not None:
        if "://" not in opts.scheduler and ":" not in opts.scheduler:
            raise BenchmarkError(f"--scheduler {opts.scheduler!r}: expected an address like tcp://HOST:PORT")
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise BenchmarkError("--scheduler needs Dask distributed: pip install 'emoclip-plugin[dask]'") from None
        if opts.jobs != 1:
            raise BenchmarkError("--jobs and --scheduler exclude each other (the cluster decides the parallelism)")

    sources = []
    if opts.root:
        for root in opts.root:
            if not root.is_dir():
                raise BenchmarkError(f"--root {root}: folder not found")
            try:
                family = detect_family(root)
            except DataFolderError as err:
                raise BenchmarkError(f"--root {root}: {err}") from None
            sources.append((family.replace("-features", ""), family, root, "user"))
        wanted = DATASETS if opts.dataset == "all" else (opts.dataset,) if opts.dataset else None
        if wanted is not None:
            found = {s[0] for s in sources}
            missing = [d for d in wanted if d not in found]
            if missing:
                raise BenchmarkError(f"--dataset {opts.dataset}: no --root for {missing}; the folders given look "
                                     f"like {sorted(found)}")
            sources = [s for s in sources if s[0] in wanted]
        if len({s[0] for s in sources}) != len(sources):
            raise BenchmarkError("two --root folders of the same dataset; give one per dataset")
    else:
        default = DATASETS if "cross-dataset" in protocols else ("seed",)
        datasets = DATASETS if opts.dataset == "all" else (opts.dataset,) if opts.dataset else default
        sources = [(d, d, None, "synthetic") for d in datasets]
    if "cross-dataset" in protocols and {s[0] for s in sources} != set(DATASETS):
        raise BenchmarkError("--protocol cross-dataset needs both SEED and SEED-IV: give a --root for each (or "
                             "neither for the embedded defaults), without --dataset")

    presets = presets or ["strict" if opts.root else "smoke"]
    overrides = {"shots": opts.shots, "cross_subject": opts.cross_subject, "de_window": opts.de_window,
                 "features": _feature_options(opts), "device": opts.device, "precision": opts.precision,
                 "compile": opts.compile}
    try:
        configs = {name: resolve_config(name, opts.config, overrides) for name in presets}
    except ConfigError as err:
        raise BenchmarkError(str(err)) from None
    first = configs[presets[0]]
    for name, config in configs.items():
        for key in ("features", "de_window", "cross_subject", "device", "precision", "compile"):
            if config[key] != first[key]:
                raise BenchmarkError(f"--preset {opts.preset}: {presets[0]} and {name} differ in {key} "
                                     f"({first[key]!r} vs {config[key]!r}); presets compared in one run must share "
                                     f"the data, folds and device (set it with --{key.replace('_', '-')} or the "
                                     "config file)")
        if "cross-dataset" in protocols and config["shots"]:
            raise BenchmarkError(f"--protocol cross-dataset is zero-shot, but preset {name} adds {config['shots']} "
                                 "labelled test windows per class; add --shots 0")
    device, precision = _compute(first, opts.scheduler)
    entries = expand_groups(list(opts.models) if opts.models else
                            list(dict.fromkeys(m for c in configs.values() for m in c["default_models"])))
    if not entries:
        raise BenchmarkError("--models: empty list")
    specs = []
    for entry in entries:
        try:
            definition = first["user_models"].get(entry) if isinstance(entry, str) else None
            if definition is not None:
                spec = spec_from_object(definition["class"], entry, definition["input"],
                                        library=definition.get("library", "user"),
                                        source=definition.get("source", ""))
            else:
                spec = resolve_model(entry)
        except ModelError as err:
            raise BenchmarkError(f"--models: {err}") from None
        specs.append(spec)
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise BenchmarkError(f"--models: the names {names} are not distinct (give each model its own name)")
    for name, config in configs.items():  # estimator parameters and input shapes: before any feature is computed
        for spec in specs:
            try:
                estimator = spec.build(**model_params(config, spec))
                if hasattr(estimator, "_check_params"):
                    estimator.set_params(device="cpu", precision="32")._check_params()
                for dataset, *_ in sources:
                    _probe_module(estimator, spec, config, dataset)
            except (TypeError, ValueError) as err:
                raise BenchmarkError(f"preset {name}, model {spec.name}: {_one_line(err)}") from None
    for dataset, family, root, _ in sources:
        if family.endswith("-features"):
            usable = [s.name for s in specs if s.kind in ("de", "de_grid")]
            if len(usable) != len(specs):
                raise BenchmarkError(f"--root {root} is a feature folder ({family}): it has band DE only, so "
                                     f"{sorted(set(names) - set(usable))} cannot run; use a raw folder or "
                                     f"--models {','.join(usable) or 'dgcnn,de_logreg'}")
    threads = opts.threads or max(1, (os.cpu_count() or 1) // opts.jobs)
    return {"sources": sources, "presets": presets, "configs": configs, "models": specs, "protocols": protocols,
            "threads": threads, "device": device, "precision": precision, "seeds": seeds}


def input_shape(kind: str, config: dict, dataset: str) -> tuple:
    """One sample's shape of feature ``kind`` under ``config`` (SEED / SEED-IV: 62 channels at 200 Hz)."""
    from .presets import feature_settings
    if kind == "emotionclip":
        grids = feature_settings(config, "emotionclip")
        return (int(round(grids["window_seconds"] / grids["frame_seconds"])), 2 * len(grids["bands"]), 9, 9)
    if kind == "de":
        return (62, 5)
    if kind == "de_grid":
        return (5, 9, 9)
    seconds = config["de_window"] or (4.0 if dataset == "seed-iv" else 1.0)
    return (62, int(round(seconds * 200)))


def _probe_module(estimator, spec, config: dict, dataset: str) -> None:
    """Build a library / researcher module at the run's input shape and pass two zero windows through it, so a model
    that cannot take this window length fails here, in one line, not after the features."""
    from ..estimators import ModuleClassifier
    if not isinstance(estimator, ModuleClassifier) or callable(spec.input):
        return
    import torch
    shape = input_shape(spec.kind, config, dataset)
    try:
        module = estimator._build_module(shape, 4 if dataset == "seed-iv" else 3)
        module.eval()
        with torch.no_grad():
            module(torch.zeros(2, *shape))
    except Exception as err:  # noqa: BLE001 - any library error becomes one line
        if spec.kind == "raw":
            raise ValueError(f"cannot take {dataset}'s raw windows of {shape[1]} samples ({shape[1] / 200:g} s at "
                             f"200 Hz): {type(err).__name__}: {_one_line(err)[:200]}; try another --de-window") \
                from None
        raise ValueError(f"cannot take input of shape {list(shape)}: {type(err).__name__}: "
                         f"{_one_line(err)[:200]}") from None


def _seeds(opts: RunOptions) -> list[int]:
    """The run's seeds from ``seed`` / ``seeds`` (default: [42])."""
    if opts.seed is not None and opts.seeds is not None:
        raise BenchmarkError("--seed and --seeds exclude each other; give the seeds as --seeds 42,43 or a count")
    if opts.seed is not None:
        if opts.seed < 0:
            raise BenchmarkError(f"--seed {opts.seed}: expected an integer >= 0")
        return [opts.seed]
    if opts.seeds is None:
        return [42]
    try:
        values = [int(v) for v in opts.seeds.split(",") if v.strip() != ""]
    except ValueError:
        values = []
    if "," not in opts.seeds and len(values) == 1:
        if values[0] < 1:
            raise BenchmarkError(f"--seeds {opts.seeds}: a count must be >= 1")
        return list(range(values[0]))
    if not values or min(values) < 0 or len(set(values)) != len(values):
        raise BenchmarkError(f"--seeds {opts.seeds!r}: expected distinct integers >= 0 (0,1,2) or a count (3)")
    return values


def _compute(config: dict, scheduler: str | None) -> tuple[str, str]:
    """The run's device and precision, checked against this machine before any work.

    With a scheduler the cluster's workers do the training, so this machine's devices are not checked: ``auto``
    stays for each worker to resolve, and only CUDA tasks ask the cluster for GPUs."""
    from ..training.devices import DeviceError, resolve_device, resolve_precision
    if scheduler:
        return config["device"], config["precision"]
    try:
        device = resolve_device(config["device"])
        precision = resolve_precision(config["precision"], device)
    except DeviceError as err:
        raise BenchmarkError(f"--device {config['device']} --precision {config['precision']}: {err}") from None
    return device, precision


def _feature_options(opts: RunOptions) -> dict:
    """The EmotionCLIP feature options given, as a configuration's ``features`` mapping."""
    out = {k: getattr(opts, k) for k in ("baseline_seconds", "window_seconds", "frame_seconds")
           if getattr(opts, k) is not None}
    if opts.zscore is not None:
        if opts.zscore not in ("on", "off"):
            raise BenchmarkError(f"--zscore {opts.zscore!r}: choose from on, off")
        out["zscore"] = opts.zscore == "on"
    if opts.bands is not None:
        bands = {}
        for item in opts.bands.split(","):
            try:
                name, rng = item.split(":")
                low, high = (float(v) for v in rng.split("-"))
            except ValueError:
                raise BenchmarkError(f"--bands {opts.bands!r}: expected name:low-high,... in Hz, e.g. "
                                     "delta:1-4,theta:4-8,alpha:8-14") from None
            bands[name.strip()] = [low, high]
        out["bands"] = bands
    return out


def _one_line(err: BaseException) -> str:
    """An error message on one line (the messages name the file first: ``<file>: <problem>``)."""
    return " ".join(str(err).split())


def preflight(sources: list[tuple], protocols: list[str], configs: dict[str, dict], seeds: list[int]) -> None:
    """Check that every within-dataset protocol can build its folds and few-shot calibration on each folder, from
    the folders' headers (:func:`~emoclip_plugin.benchmark.protocols.check_layout`); raises ``ValueError`` naming the folder,
    or :class:`~emoclip_plugin.data.folders.DataFolderError` for a bad file."""
    import warnings

    from ..data.folders import StrayFileWarning, scan_folder
    from .protocols import WITHIN_SUBJECT_TRAIN_TRIALS, check_layout
    from .presets import feature_settings
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


# ------------------------------------------------------------------------------------------------ running
def run_tasks(tasks: list, out: str | Path, *, resume_any_code: bool = False, jobs: int = 1,
              scheduler: str | None = None, validation: dict[str, float] | float = 0.2, verbose: bool = False,
              on_saved: Callable[[dict[str, dict]], None] | None = None, progress: bool = True,
              describe: Callable[[Any, dict], str] | None = None, log_each: bool = False,
              before: Callable[[list, dict], None] | None = None) -> tuple[dict[str, dict], list[tuple[str, BaseException]]]:
    """Run ``tasks`` into the results store ``out/folds`` and return ``(finished, errors)``.

    A finished fold is reused only when its settings hash and, unless ``resume_any_code``, the code fingerprint
    match. Each new result is saved at once, and ``on_saved`` gets every finished result by task id (the caller
    rewrites ``results.csv`` from them). ``validation``: the inner validation fraction, per preset name or one for
    all. ``before(todo, finished)`` runs after the store is read and before anything trains (provenance). A tqdm bar
    over the folds shows each finished fold (``describe(task, result)``; with ``log_each`` also as a line of its own)
    and, below it, one bar per running fold with its phase, epoch and the training windows the epoch has read (ETA of
    the epoch), unless ``progress`` is off."""
    import numpy as np
    from tqdm.auto import tqdm

    from .progress import RunningFolds
    from .runner import execute
    from .store import ResultStore, result_list

    store = ResultStore(out)
    finished = store.finished(tasks, resume_any_code)
    todo = [t for t in tasks if t.task_id not in finished]
    if before is not None:
        before(todo, finished)
    errors: list[tuple[str, BaseException]] = []
    bar = tqdm(total=len(tasks), initial=len(finished), desc="folds", unit="fold", disable=not progress)
    several_seeds = len({t.seed for t in todo}) > 1
    names = {t.task_id: f"{t.model} {t.fold.name}" + (f" seed {t.seed}" if several_seeds else "") for t in todo}
    running = RunningFolds(names.get, disable=not progress)

    def on_result(task, result):
        running.finish(task.task_id)
        store.save(task.task_id, result)
        finished[task.task_id] = result
        if on_saved is not None:
            on_saved(finished)
        if describe is not None:
            line = describe(task, result)
        else:
            accuracy = np.mean([r["row"]["accuracy"] for r in result_list(result)])
            line = f"{task.model} {task.fold.name}: {100 * accuracy:.1f}%"
        bar.set_postfix_str(line)
        if log_each:
            bar.write(f"  {line}")
        bar.update(1)

    def on_error(task, err):
        running.finish(task.task_id)
        errors.append((task.task_id, err))
        bar.write(f"FAILED {task.task_id}: {type(err).__name__}: {err}")
        bar.update(1)

    fractions = validation if isinstance(validation, dict) else {t.preset: validation for t in todo}
    try:
        for preset in dict.fromkeys(t.preset for t in todo):  # one pass per preset: its own validation fraction
            execute([t for t in todo if t.preset == preset], on_result, on_error, jobs=jobs, scheduler=scheduler,
                    validation=fractions.get(preset, 0.2), verbose=verbose,
                    report=running if progress and not verbose else None)  # --verbose: the estimator's own bar
    finally:
        running.close()
        bar.close()
    return finished, errors


@dataclass
class BenchmarkResult:
    """What :func:`run` produced, also on disk in ``out``.

    ``results``: one row per dataset x protocol x model x fold x seed (``results.csv``); ``summary``: the summary
    table as Markdown (``summary.md``); ``comparisons``: the paired comparisons over test subjects
    (``comparisons.csv``); ``meta_analysis``: SEED + SEED-IV combined (may be empty); ``errors``: failed tasks."""

    out: Path
    results: pd.DataFrame
    summary: str
    comparisons: pd.DataFrame
    meta_analysis: pd.DataFrame
    provenance: dict
    errors: list = field(default_factory=list)
    plots: list = field(default_factory=list)

    def plot(self, by: str = "test_subject", ax=None):
        """Accuracy per model (%): each test subject's mean over its folds and seeds as a dot, the model's mean as a
        bar, one panel per dataset x protocol; returns the matplotlib figure."""
        import matplotlib.pyplot as plt
        rows = self.results
        if rows.empty:
            raise ValueError("no results to plot")
        rows = rows[rows["label_space"] == "own"] if "label_space" in rows else rows
        panels = list(rows.groupby(["dataset", "protocol"], sort=False))
        if ax is None:
            fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
            axes = axes[0]
        else:
            axes, fig = [ax], ax.figure
        for a, ((dataset, protocol), g) in zip(axes, panels):
            per = g.groupby(["model", by], sort=False)["accuracy"].mean().reset_index()
            order = list(dict.fromkeys(g["model"]))
            for i, m in enumerate(order):
                values = 100 * per.loc[per["model"] == m, "accuracy"]
                a.bar(i, values.mean(), color="0.85", edgecolor="0.4")
                a.scatter([i] * len(values), values, s=14, color="C0", zorder=3)
            a.set_xticks(range(len(order)), order, rotation=35, ha="right", fontsize=8)
            a.set_ylabel("accuracy %")
            a.set_title(f"{dataset} {protocol}", fontsize=9)
        fig.tight_layout()
        return fig

    def save(self, dest: str | Path) -> Path:
        """Copy the run's outputs (results, summary, comparisons, provenance, plots and the per-fold records) to
        ``dest``; returns it."""
        dest = Path(dest)
        if dest.resolve() == Path(self.out).resolve():
            return dest
        shutil.copytree(self.out, dest, dirs_exist_ok=True)
        return dest

    @classmethod
    def load(cls, out: str | Path) -> "BenchmarkResult":
        """The result of a finished run, read back from its folder."""
        out = Path(out)
        read = (lambda name: pd.read_csv(out / name) if (out / name).is_file() and (out / name).stat().st_size
                else pd.DataFrame())
        return cls(out, read("results.csv"), (out / "summary.md").read_text() if (out / "summary.md").is_file()
                   else "", read("comparisons.csv"), read("meta_analysis.csv"),
                   json.loads((out / "provenance.json").read_text()) if (out / "provenance.json").is_file() else {},
                   plots=sorted(out.glob("*.png")))


def run(root=None, models=None, protocol: str | list = "cross-subject", preset: str | list | None = None,
        out: str | Path = "runs/latest", **options) -> BenchmarkResult:
    """Run the benchmark; see :class:`RunOptions` for every option (the command line's, by the same names).

    Parameters
    ----------
    root : path or list of paths, optional
        SEED (``Preprocessed_EEG/``) and/or SEED-IV (``eeg_raw_data/``) folders; ``None``: the embedded synthetic
        default (``smoke`` preset).
    models : list, optional
        Catalogue names (``"emotionclip"``, ``"svm_de"``...), ``"braindecode:<Model>"``, ``"torcheeg:<Model>"``,
        import strings with an input given in the configuration file, or :func:`model` specs of your own objects.
    protocol, preset, out
        As ``--protocol``, ``--preset``, ``--out``; ``out`` is resumable (finished folds of the same code and settings
        are reused).
    **options
        ``jobs``, ``seeds``, ``shots``, ``device``, ``config``, ``cache``, ``quiet``...

    Returns
    -------
    BenchmarkResult
    Raises
    ------
    BenchmarkError : an option that cannot work (before any work starts).
    DataFolderError : a bad data file.
    LeakageError : a fold that would let test data into training.
    """
    opts = RunOptions.from_kwargs(root=root, models=models, protocol=protocol, preset=preset, out=out, **options)
    settings = resolve(opts)
    return execute_run(opts, settings)


def estimate(root=None, models=None, protocol: str | list = "cross-subject", preset: str | list | None = None,
             out: str | Path = "runs/latest", **options) -> list[dict]:
    """What ``--estimate`` prints: time a few training steps of each model and project the run's wall time (nothing
    is trained or written); returns one projection per task."""
    opts = RunOptions.from_kwargs(root=root, models=models, protocol=protocol, preset=preset, out=out,
                                  estimate=True, **options)
    return execute_run(opts, resolve(opts))


def execute_run(opts: RunOptions, settings: dict):
    """The run after :func:`resolve`: features, tasks, resume, execution, statistics, report, provenance."""
    import logging
    from dataclasses import replace

    from ..data.cache import default_cache_dir
    from ..data.folders import DataFolderError
    from ..data.synthetic import embedded_default
    from ..training.devices import describe
    from .protocols import LeakageError
    from .fingerprint import code_provenance, package_versions
    from .presets import baseline_is_auto, config_hash, feature_settings, fixed_baseline
    from .report import majority_rates, plot_all, plot_comparisons, write_summary
    from .runner import build_tasks, prepare_data
    from .stats import meta_analysis, paired_comparisons
    from .store import ResultStore, atomic_write, result_list, rows_frame, write_results_csv

    say = (lambda *a, **k: None) if opts.quiet else print
    logging.getLogger("torcheeg").setLevel(logging.WARNING)
    configs, presets, specs = settings["configs"], settings["presets"], settings["models"]
    names = [s.name for s in specs]
    config = configs[presets[0]]  # what the presets share: data, folds, device (checked in resolve)
    cache = opts.cache or default_cache_dir()
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    for name, preset_config in configs.items():
        say(f"preset: {name} — {preset_config['description']}")
    if "cross-subject" in settings["protocols"]:
        say(f"cross-subject mode: {config['cross_subject']} (option --cross-subject per-session|pooled)")
    shots = "; ".join(f"{c['shots']}" + (f" ({c['calibration']})" if c["shots"] else "")
                      + (f" in {n}" if len(configs) > 1 else "") for n, c in configs.items())
    say(f"protocols: {', '.join(settings['protocols'])}; models: {', '.join(names)}; shots: {shots}"
        f"; seed(s) {', '.join(map(str, settings['seeds']))}; output: {opts.out}")
    grids = feature_settings(config, "emotionclip")
    say(f"features: EmotionCLIP grids {grids['window_seconds']:g}-s windows of {grids['frame_seconds']:g}-s frames, "
        f"{len(grids['bands'])} bands, trial baseline {grids['baseline_seconds']:g} s"
        + (" (auto: subtracted or only dropped, chosen per fold on held-out training subjects)"
           if grids.get("baseline") == "auto" else " (off)" if not grids["baseline_seconds"] else " (subtracted)")
        + f", z-score {'on' if grids['zscore'] else 'off'}; DE window "
        + (f"{config['de_window']:g} s" if config["de_window"] else "default (1 s SEED, 4 s SEED-IV)")
        + "; refit after early stopping: " + ", ".join(
            ("on" if c["refit"] else "off") + (f" ({n})" if len(configs) > 1 else "") for n, c in configs.items()))
    device, precision = settings["device"], settings["precision"]
    where = (f"{device} on the cluster's workers" if opts.scheduler else
             f"{describe(device)['device_name']} ({device})")
    say(f"compute: neural models on {where}, precision {precision}"
        + (", torch.compile" if config["compile"] else "") + "; scikit-learn models on the CPU")

    sources = [(d, f, embedded_default(d, cache) if r is None else r, label)
               for d, f, r, label in settings["sources"]]
    try:  # the folds and calibration each protocol needs, from the file headers: before any feature is computed
        preflight(sources, settings["protocols"], configs, settings["seeds"])
    except DataFolderError:
        raise
    except ValueError as err:
        raise BenchmarkError(_one_line(err)) from None
    kinds = list(dict.fromkeys(s.kind for s in specs))
    prepared, class_names, roots, baseline_variants = {}, {}, {}, {}
    for dataset, family, root, label in sources:
        for kind in kinds:
            say(f"loading {dataset} ({label}) as '{kind}' features from {root}")
            prep = prepare_data(root, family, kind, cache, config["features"], config["de_window"],
                                progress=not opts.quiet)
            prepared[(dataset, kind)] = prep
            class_names[dataset] = prep.class_names
        if "emotionclip" in kinds and baseline_is_auto(config["features"]):
            say(f"loading {dataset} ({label}) as 'emotionclip' features with the trial baseline dropped, not "
                "subtracted (--baseline-seconds auto chooses per fold)")
            drop = prepare_data(root, family, "emotionclip", cache,
                                {**fixed_baseline(config["features"]), "baseline_subtract": False},
                                config["de_window"], progress=not opts.quiet)
            same = prepared[(dataset, "emotionclip")].info[["clip_id"]].equals(drop.info[["clip_id"]])
            if not same:
                raise BenchmarkError(f"{root}: the grids with and without the baseline subtracted have different "
                                     "windows; --baseline-seconds auto cannot compare them")
            baseline_variants[dataset] = drop
        roots[dataset] = {"root": str(root), "data": label,
                          "cache_keys": {k: p.cache_key for (d, k), p in prepared.items() if d == dataset}}
        if dataset in baseline_variants:
            roots[dataset]["cache_keys"]["emotionclip (baseline dropped, not subtracted)"] = \
                baseline_variants[dataset].cache_key
    tasks = []
    for name, preset_config in configs.items():
        try:
            built = build_tasks(prepared, [s[0] for s in sources], settings["protocols"], specs, preset_config, name,
                                settings["seeds"], settings["threads"], Path(cache) / "splits",
                                {s[0]: s[3] for s in sources}, package_versions()["emoclip-plugin"] or "dev",
                                device=settings["device"], precision=settings["precision"],
                                progress=not opts.quiet, baseline_variants=baseline_variants)
        except (DataFolderError, LeakageError):
            raise
        except ValueError as err:
            raise BenchmarkError(_one_line(err)) from None
        if len(configs) > 1:  # the presets' results live side by side in one store
            built = [replace(t, task_id=f"{name}__{t.task_id}") for t in built]
        tasks += built

    out = Path(opts.out)
    code = code_provenance()
    if opts.estimate:
        from .estimate import print_estimate
        # an estimate writes nothing (no store unless one exists); it counts what a resume would skip
        finished = ResultStore(out).finished(tasks, opts.resume_any_code) if (out / "folds").is_dir() else {}
        todo = [t for t in tasks if t.task_id not in finished]
        return print_estimate(todo, len(finished), config["validation"], opts.jobs, opts.estimate_steps,
                              opts.scheduler, seconds=opts.estimate_seconds, progress=not opts.quiet)
    provenance = {"command": opts.command or [sys.executable] + sys.argv,
                  "started": started, "host": socket.gethostname(), **code,
                  "resume_any_code": bool(opts.resume_any_code),
                  "versions": package_versions(), "preset": ",".join(presets),
                  **({"config": config, "config_hash": config_hash(config)} if len(configs) == 1 else
                     {"configs": configs, "config_hashes": {n: config_hash(c) for n, c in configs.items()}}),
                  "models": names, "model_specs": {s.name: s.identity() for s in specs},
                  "protocols": settings["protocols"], "seeds": settings["seeds"], "datasets": roots,
                  "refit": config["refit"] if len(configs) == 1 else {n: c["refit"] for n, c in configs.items()},
                  "features": {kind: feature_settings(config, kind) for kind in kinds},
                  "jobs": opts.jobs, "scheduler": opts.scheduler, "threads_per_task": settings["threads"],
                  "device": settings["device"], "precision": settings["precision"], "compile": config["compile"],
                  "device_description": None if opts.scheduler else describe(settings["device"])}

    def before(todo, finished):
        say(f"{len(tasks)} folds x models: {len(finished)} already finished in {out} (skipped), {len(todo)} to run"
            + (f" on {opts.scheduler}" if opts.scheduler else f" with {opts.jobs} job(s) x {settings['threads']} "
               "thread(s)"))
        atomic_write(out / "provenance.json", json.dumps(provenance, indent=1, default=str))

    finished, errors = run_tasks(tasks, out, resume_any_code=opts.resume_any_code, jobs=opts.jobs,
                                 scheduler=opts.scheduler, validation={n: c["validation"] for n, c in configs.items()},
                                 verbose=opts.verbose, progress=not opts.quiet,
                                 on_saved=lambda done: write_results_csv(out, [done[t.task_id] for t in tasks
                                                                                  if t.task_id in done]),
                                 before=before)
    results = [finished[t.task_id] for t in tasks if t.task_id in finished]
    write_results_csv(out, results)
    flat = [r for result in results for r in result_list(result)]
    rows = rows_frame(flat)
    chance = {d: 1 / len(c) for d, c in class_names.items()}
    chance.update(majority_rates(flat))
    comparisons = paired_comparisons(rows)
    atomic_write(out / "comparisons.csv", comparisons.to_csv(index=False))
    meta = meta_analysis(comparisons)
    if not meta.empty:  # a pair that ran on SEED and SEED-IV: Stouffer's combination, as MOABB does
        atomic_write(out / "meta_analysis.csv", meta.to_csv(index=False))
    text = write_summary(rows, out, configs, chance, comparisons, meta, kinds={s.name: s.kind for s in specs})
    plots = plot_all(flat, out, class_names, chance) + plot_comparisons(comparisons, out)
    provenance["finished"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    if not rows.empty:
        cols = [c for c in ("model", "device", "device_name", "precision", "torch", "cuda") if c in rows]
        provenance["devices_used"] = rows[cols].drop_duplicates().to_dict("records")
    provenance["folds_finished"], provenance["folds_failed"] = len(results), len(errors)
    provenance["rows"] = len(flat)
    atomic_write(out / "provenance.json", json.dumps(provenance, indent=1, default=str))
    say(text)
    say(f"results: {out / 'results.csv'} ({len(flat)} rows); plots: {', '.join(p.name for p in plots)}")
    return BenchmarkResult(out, pd.read_csv(out / "results.csv") if flat else rows, text, comparisons, meta,
                           provenance, [(t, f"{type(e).__name__}: {e}") for t, e in errors], plots)


__all__ = ["run", "estimate", "model", "BenchmarkResult", "BenchmarkError", "RunOptions", "resolve", "preflight",
           "run_tasks", "execute_run", "DATASETS", "PROTOCOL_CHOICES", "ALL_PROTOCOLS"]
