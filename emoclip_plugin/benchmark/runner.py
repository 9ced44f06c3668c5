"""The benchmark's task grid and its execution: locally, in parallel processes, or on a Dask cluster.

One task = (dataset, protocol, model, fold, seed). The main process loads each dataset through TorchEEG once per
feature kind, stores the arrays as ``.npy`` files in the cache (crash-safe, keyed by the dataset's cache key), builds
the folds, runs the leakage guard on every fold, and sends small :class:`Task` records (row indices, parameters, a
path to the arrays) to :func:`run_task` wherever it runs. Results come back to the main process, which alone writes
the results store. With a remote Dask cluster the cache folder must be on storage the workers can read.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..data.cache import cached_build, dataset_cache_dir
from ..data.seed import load_dataset, to_numpy
from ..training.devices import describe, pool_initializer, task_device, worker_devices
from ..estimators import ModelSpec, accepts_rows, resolve_model
from ..training.progress import TrainingProgress
from ..training.rows import Rows
from .protocols import (CROSS_DATASET_PAIRS, SHARED_CLASS_NAMES, WITHIN_SUBJECT_TRAIN_TRIALS, Fold, add_calibration,
                         check_cross_dataset, check_no_leakage, cross_dataset_fold, cross_subject_folds,
                         calibration_seconds, cross_time_folds, fit_groups, shared_labels,
                         within_subject_folds)
from .presets import config_hash, feature_settings, frame_feature_config, model_params


#: Validation / prediction batch size of neural models on CUDA (unless a preset sets ``eval_batch_size``).
GPU_EVAL_BATCH = 1024


@dataclass(frozen=True)
class Task:
    """Everything :func:`run_task` needs; picklable and small (rows, not data)."""

    task_id: str
    dataset: str
    data: str
    protocol: str
    preset: str
    model: str
    seed: int
    fold: Fold = field(repr=False)
    groups: np.ndarray = field(repr=False)
    data_dir: str
    params: dict
    refit: bool
    features: dict
    n_classes: int
    cross_subject: str
    shots: int
    calibration: str
    test_best_epoch: bool
    threads: int
    config_hash: str
    device: str = "cpu"
    precision: str = "32"
    compile: bool = False
    cross: CrossDataset | None = None
    strict: bool = True
    code: str = ""
    git_commit: str = ""
    #: how to build the model (the catalogue's spec; a researcher's object travels with the task to any worker)
    spec: ModelSpec | None = field(default=None, repr=False)
    #: ``--baseline-seconds auto``: the grid variant chosen for this fold (``subtract`` / ``drop``; ``""``: not auto)
    #: and the probe's held-out accuracies that chose it (JSON)
    baseline_choice: str = ""
    baseline_scores: str = ""

    def estimator_spec(self) -> ModelSpec:
        return self.spec if self.spec is not None else resolve_model(self.model)


@dataclass(frozen=True)
class CrossDataset:
    """The test side of a cross-dataset task: the target's arrays (``data_dir``), class names and the subject and
    session of each target window (``[n_target]``); ``source_classes`` names the training labels."""

    source: str
    target: str
    data_dir: str
    data: str
    source_classes: tuple
    target_classes: tuple
    subjects: np.ndarray = field(repr=False)
    sessions: np.ndarray = field(repr=False)


@dataclass
class PreparedData:
    """One dataset's arrays for one feature kind: ``data_dir`` holds ``X.npy`` ``[n, *shape]`` and ``y.npy``."""

    dataset: str
    kind: str
    data_dir: str
    info: pd.DataFrame
    y: np.ndarray
    class_names: list
    cache_key: str
    dataset_obj: object = field(repr=False)
    root: str | None = None


def prepare_data(root: str | os.PathLike, family: str, kind: str, cache_dir: str | os.PathLike,
                 features: dict | None = None, de_window: float | None = None,
                 progress: bool = False) -> PreparedData:
    """Load ``root`` through TorchEEG as ``kind`` features and keep the arrays as ``.npy`` files in the cache.

    ``features``: the EmotionCLIP frame-grid settings (a configuration's ``features``); ``de_window``: the window in s
    of the other kinds (``None``: the loader's default). Both key the caches. The TorchEEG datasets go to
    ``cache_dir/datasets``, where ``load_seed`` keeps them too (one layout: a dataset is never computed twice).
    ``progress``: tqdm bars while the features are built and the arrays cached."""
    datasets = dataset_cache_dir(cache_dir)
    if kind == "emotionclip":
        ds = load_dataset(root, family, kind, cache_dir=datasets, feature_config=frame_feature_config(features or {}),
                          progress=progress)
    elif family.endswith("-features"):
        ds = load_dataset(root, family, kind, cache_dir=datasets, progress=progress)
    else:
        ds = load_dataset(root, family, kind, cache_dir=datasets, window_seconds=de_window, progress=progress)

    def build(path: str) -> str:
        p = Path(path)
        if not (p / "X.npy").is_file():
            p.mkdir(parents=True, exist_ok=True)
            _, y, _ = to_numpy(ds, out=p / "X.npy", progress=progress)  # written memory-mapped, never whole
            np.save(p / "y.npy", y)
        return path

    data_dir = cached_build(Path(cache_dir) / "arrays", f"{family}-{kind}", ds.cache_key, build)
    write_rows_meta(data_dir, ds.info.reset_index(drop=True))
    y = np.load(Path(data_dir) / "y.npy")
    return PreparedData(family, kind, data_dir, ds.info.reset_index(drop=True), y, list(ds.class_names),
                        ds.cache_key, ds, str(root))


#: The columns of ``info`` that each task's leakage guard reads (``rows.npz`` next to the arrays).
META_COLUMNS = ("clip_id", "subject_id", "session_id", "trial_id", "start_at", "end_at")


def write_rows_meta(data_dir: str | os.PathLike, info: pd.DataFrame) -> None:
    """``data_dir/rows.npz``: the window identity, subject, session, trial and time of every row (``[n]`` each), written once
    through a temporary file and a rename, so the guard inside each task sees the rows it trains and tests on."""
    path = Path(data_dir) / "rows.npz"
    if path.is_file():
        with np.load(path) as meta:
            if set(META_COLUMNS) <= set(meta.files):
                return
    tmp = path.with_name(f".rows-{os.getpid()}.npz")
    np.savez(tmp, **{c: info[c].astype(str).to_numpy().astype("U") if c == "clip_id" else
                     info[c].to_numpy().astype(np.int64) for c in META_COLUMNS})
    os.replace(tmp, path)


def read_rows_meta(data_dir: str | os.PathLike) -> pd.DataFrame:
    """The ``rows.npz`` of :func:`write_rows_meta` as an ``info``-like table."""
    with np.load(Path(data_dir) / "rows.npz") as meta:
        return pd.DataFrame({c: meta[c] for c in META_COLUMNS})


def make_folds(prepared: PreparedData, protocol: str, cross_subject: str, split_dir: str | os.PathLike) -> list[Fold]:
    if protocol == "cross-subject":
        return cross_subject_folds(prepared.dataset_obj, cross_subject, split_dir, prepared.cache_key)
    if protocol == "within-subject":
        return within_subject_folds(prepared.info, WITHIN_SUBJECT_TRAIN_TRIALS[prepared.dataset])
    return cross_time_folds(prepared.info)


def build_tasks(prepared: dict[tuple[str, str], PreparedData], datasets: list[str], protocols: list[str],
                models: list, config: dict, preset: str, seeds: list[int], threads: int,
                split_dir: str | os.PathLike, data_label: dict[str, str], version: str,
                device: str = "cpu", precision: str = "32", progress: bool = False,
                baseline_variants: dict[str, PreparedData] | None = None) -> list[Task]:
    """The task grid, every fold checked by the leakage guard before anything trains.

    ``device`` / ``precision``: where and how the neural models train (resolved by the caller; a generic ``"cuda"``
    becomes each worker's own GPU). The configured settings (``auto`` included) key the results; each row records the
    device and precision actually used. ``progress``: a tqdm bar, first over the splits (one per dataset, protocol and
    input kind; TorchEEG's splitters write them to ``split_dir``), then over the tasks as each fold is guarded (about a
    minute at real SEED size). ``baseline_variants``: per dataset, the grids with the trial baseline only dropped
    (``features: {baseline_seconds: auto}``): each fold's grid models then train on the variant
    :func:`~emoclip_plugin.benchmark.baseline.choose_baseline` picks on that fold's training subjects."""
    from tqdm.auto import tqdm

    from .baseline import choose_baseline, scores_text
    from .presets import baseline_is_auto

    from .fingerprint import code_provenance
    code = code_provenance()
    grid = [(dataset, protocol, resolve_model(entry)) for dataset in datasets for protocol in protocols
            if protocol != "cross-dataset" for entry in models]
    splits = list(dict.fromkeys((dataset, protocol, spec.kind) for dataset, protocol, spec in grid))
    bar = tqdm(total=len(splits), desc=f"{preset} folds: splitting", unit="split", disable=not progress, leave=False)
    folds: dict[tuple[str, str, str], list[Fold]] = {}
    for dataset, protocol, kind in splits:
        folds[(dataset, protocol, kind)] = make_folds(prepared[(dataset, kind)], protocol, config["cross_subject"],
                                                      split_dir)
        bar.update(1)
    bar.reset(total=sum(len(folds[(d, p, spec.kind)]) for d, p, spec in grid) * len(seeds))
    bar.set_description(f"{preset} folds: guarding")
    bar.unit = "fold"
    # calibration seconds start after the EmotionCLIP trial baseline for every input kind (equal calibration)
    calibration_start = float(feature_settings(config, "emotionclip")["baseline_seconds"])
    auto = baseline_is_auto(config["features"])
    chosen: dict[tuple[str, str, str], tuple[str, str]] = {}
    tasks = []
    for dataset, protocol, spec in grid:
        model, kind = spec.name, spec.kind
        prep = prepared[(dataset, kind)]
        params = model_params(config, spec)
        features = feature_settings(config, kind)
        variants = None
        if auto and kind == "emotionclip":
            if not baseline_variants or dataset not in baseline_variants:
                raise ValueError(f"{dataset}: --baseline-seconds auto needs the grids without the baseline "
                                 "subtracted (baseline_variants)")
            variants = {"subtract": prep.data_dir, "drop": baseline_variants[dataset].data_dir}
        for seed in seeds:
            for base in folds[(dataset, protocol, kind)]:
                fold = add_calibration(base, prep.info, prep.y, config["shots"], config["calibration"], seed,
                                       start_seconds=calibration_start)
                check_no_leakage(fold, prep.info, strict=config["strict"])
                groups = fit_groups(fold, prep.info)
                data_dir, choice, scores = prep.data_dir, "", ""
                if variants is not None:
                    key = (dataset, protocol, base.name)
                    if key not in chosen:  # once per fold: training subjects only, whatever the model or seed
                        bar.set_postfix_str(f"choosing the trial baseline of {base.name}")
                        best, accs = choose_baseline(variants, fold.train, groups[:len(fold.train)], prep.y,
                                                     config["validation"] or 0.2)
                        chosen[key] = (best, scores_text(accs))
                    choice, scores = chosen[key]
                    data_dir = variants[choice]
                payload = {"data": prep.cache_key, "dataset": dataset, "protocol": protocol,
                           "cross_subject": config["cross_subject"] if protocol == "cross-subject" else None,
                           "shots": config["shots"], "calibration": config["calibration"],
                           "validation": config["validation"], "test_best_epoch": config["test_best_epoch"],
                           "refit": config["refit"], "features": features, "model": model,
                           "params": params, "seed": seed, "fold": fold.name,
                           "threads": threads, "version": version,
                           "device": config["device"], "precision": config["precision"],
                           "compile": config["compile"], **model_identity(spec),
                           **({"baseline_choice": choice} if choice else {})}
                task_id = f"{dataset}__{protocol}__{model}__{fold.name}__seed{seed}"
                tasks.append(Task(task_id, dataset, data_label[dataset], protocol, preset, model, seed, fold,
                                  groups, data_dir, params, config["refit"],
                                  features, len(prep.class_names),
                                  config["cross_subject"], config["shots"], config["calibration"],
                                  config["test_best_epoch"], threads, config_hash(payload), device,
                                  precision, config["compile"], strict=config["strict"],
                                  code=code["code"], git_commit=code["git_commit"] or "", spec=spec,
                                  baseline_choice=choice, baseline_scores=scores))
                bar.update(1)
    bar.close()
    if "cross-dataset" in protocols:
        tasks += cross_dataset_tasks(prepared, datasets, models, config, preset, seeds, threads, data_label, version,
                                     device, precision)
    return tasks


def model_identity(spec: ModelSpec) -> dict:
    """What a task's key records about its model beyond the name: nothing for the built-in catalogue (their keys stay
    as they were), the library / factory / input for zoo and researchers' models."""
    from ..estimators.catalog import _builtins
    return {} if _builtins().get(spec.name) is spec else {"model_spec": spec.identity()}


def cross_dataset_tasks(prepared: dict[tuple[str, str], PreparedData], datasets: list[str], models: list[str],
                        config: dict, preset: str, seeds: list[int], threads: int, data_label: dict[str, str],
                        version: str, device: str = "cpu", precision: str = "32") -> list[Task]:
    """One task per direction (SEED -> SEED-IV, SEED-IV -> SEED) x model x seed: train on the whole source dataset,
    test on every target window (reported per target subject and session). Both datasets must be prepared."""
    missing = [d for pair in CROSS_DATASET_PAIRS for d in pair if d not in datasets]
    if missing:
        raise ValueError(f"cross-dataset needs both SEED and SEED-IV; missing {sorted(set(missing))}")
    if config["shots"]:
        raise ValueError(f"cross-dataset is zero-shot (nothing of the test dataset is trained on); shots="
                         f"{config['shots']} must be 0 (--shots 0)")
    from .fingerprint import code_provenance
    code = code_provenance()
    tasks = []
    for source, target in CROSS_DATASET_PAIRS:
        for entry in models:
            spec = resolve_model(entry)
            model, kind = spec.name, spec.kind
            src, tgt = prepared[(source, kind)], prepared[(target, kind)]
            fold = cross_dataset_fold(source, src.info, target, tgt.info)
            check_cross_dataset(fold, src.root, tgt.root, src.info, tgt.info)
            cross = CrossDataset(source, target, tgt.data_dir, data_label[target], tuple(src.class_names),
                                 tuple(tgt.class_names), tgt.info["subject_id"].to_numpy().astype(int),
                                 tgt.info["session_id"].to_numpy().astype(int))
            params = model_params(config, spec)
            features = feature_settings(config, kind)
            for seed in seeds:
                payload = {"data": src.cache_key, "test_data": tgt.cache_key, "dataset": target, "source": source,
                           "protocol": "cross-dataset", "validation": config["validation"], "refit": config["refit"],
                           "features": features, "model": model, "params": params, "seed": seed, "fold": fold.name,
                           "threads": threads, "version": version, "device": config["device"],
                           "precision": config["precision"], "compile": config["compile"], **model_identity(spec)}
                task_id = f"{target}__cross-dataset__{model}__{fold.name}__seed{seed}"
                tasks.append(Task(task_id, target, data_label[source], "cross-dataset", preset, model, seed, fold,
                                  fit_groups(fold, src.info), src.data_dir, params, config["refit"], features,
                                  len(src.class_names), "", 0, config["calibration"], False, threads,
                                  config_hash(payload), device, precision, config["compile"], cross,
                                  code=code["code"], git_commit=code["git_commit"] or "", spec=spec))
    return tasks


def _test_accuracy_callback(X_test: np.ndarray, y_test: np.ndarray):
    from skorch.callbacks import Callback

    class TestAccuracy(Callback):
        """Records accuracy on the test fold after every epoch (``paper`` preset only: optimistic selection)."""

        def on_epoch_end(self, net, **kwargs):
            net.history.record("test_acc", float(np.mean(net.predict(X_test) == y_test)))

    return TestAccuracy()


def is_neural(estimator) -> bool:
    """Whether ``estimator`` trains a torch module (it has the shared training parameters)."""
    return "random_state" in estimator.get_params() and "max_epochs" in estimator.get_params()


def make_estimator(task: Task, validation: float = 0.2, verbose: bool = False, callbacks: list | None = None):
    """The estimator of ``task``, configured as :func:`run_task` trains it: the preset's parameters, then the seed,
    inner validation, refit, device (this worker's GPU for a generic ``"cuda"``), precision and compilation."""
    est = task.estimator_spec().build(**task.params)
    if is_neural(est):
        extra = {"random_state": task.seed}
        if "validation" not in task.params:
            extra["validation"] = validation
        if "refit" not in task.params:
            extra["refit"] = task.refit
        device = task_device(task.device)
        for key, value in (("device", device), ("precision", task.precision), ("compile", task.compile)):
            if key not in task.params:
                extra[key] = value
        if device.startswith("cuda") and "eval_batch_size" not in task.params:
            extra["eval_batch_size"] = GPU_EVAL_BATCH
        if callbacks:
            extra["callbacks"] = callbacks
        if verbose:
            extra["verbose"] = 1
        est.set_params(**extra)
    return est


#: The queue a pool worker sends its folds' progress to (set by :func:`_init_worker`; ``None`` elsewhere).
_PROGRESS_QUEUE = None


def _init_worker(device_queue, progress_queue=None) -> None:
    """Process-pool initializer: the worker's device (:func:`~emoclip_plugin.training.devices.pool_initializer`)
    and the queue its progress reports go to."""
    global _PROGRESS_QUEUE
    _PROGRESS_QUEUE = progress_queue
    pool_initializer(device_queue)


class QueueReport:
    """``report(task_id, state)`` for a pool worker: puts ``(task_id, state)`` on the queue the main process reads
    (picklable; does nothing in a process without a queue)."""

    def __call__(self, task_id: str, state: dict) -> None:
        if _PROGRESS_QUEUE is not None:
            try:
                _PROGRESS_QUEUE.put_nowait((task_id, state))
            except Exception:  # noqa: BLE001 - progress is best effort: never fail a fold over it
                pass


def run_task(task: Task, validation: float = 0.2, verbose: bool = False,
             report: Callable[[str, dict], None] | None = None) -> dict:
    """Train and test one fold; returns ``{"row": results.csv row, "confusion": ..., "history": ...}``.

    ``verbose`` shows the estimator's epoch bar (neural estimators only; it does not change the result). ``report``,
    when given, is called as ``report(task.task_id, state)`` as the fold goes: ``{"phase": "fitting"}`` when it
    starts, the :class:`~emoclip_plugin.training.progress.TrainingProgress` states of a neural model's epochs and
    batches, ``{"phase": "testing"}`` before the test fold is predicted. Runs with ``task.threads`` torch threads and
    restores the process's thread count afterwards; sets glibc's malloc to keep freed buffers for reuse
    (:func:`~emoclip_plugin.training.allocator.keep_freed_memory`: no page faults per training step)."""
    import torch

    from ..training.allocator import keep_freed_memory
    keep_freed_memory()
    previous = torch.get_num_threads()
    torch.set_num_threads(task.threads)
    try:
        return _run_task(task, validation, verbose, report)
    finally:
        torch.set_num_threads(previous)


def _run_task(task: Task, validation: float, verbose: bool, report: Callable[[str, dict], None] | None) -> dict:
    def tell(state: dict) -> None:
        if report is not None:
            report(task.task_id, state)

    tell({"phase": "fitting"})
    X = np.load(Path(task.data_dir) / "X.npy", mmap_mode="r")
    y = np.load(Path(task.data_dir) / "y.npy")
    fold = task.fold
    fit_rows = fold.fit_rows
    # the leakage guard on the exact rows this task trains, calibrates and tests on (validation after the fit)
    info = None if task.cross is not None else read_rows_meta(task.data_dir)
    if info is not None:
        check_no_leakage(fold, info, strict=task.strict, groups=task.groups)
    spec = task.estimator_spec()
    y_fit = y[fit_rows]
    if task.cross is None:
        X_test, y_test = np.ascontiguousarray(spec.transform(X[fold.test])), y[fold.test]
    else:  # another dataset's windows
        X_test = np.ascontiguousarray(spec.transform(
            np.load(Path(task.cross.data_dir) / "X.npy", mmap_mode="r")[fold.test]))
        y_test = np.load(Path(task.cross.data_dir) / "y.npy")[fold.test]
    callbacks = [("test_accuracy", _test_accuracy_callback(X_test, y_test))] if task.test_best_epoch else []
    if report is not None:
        callbacks.append(("fold_progress", TrainingProgress(tell)))
    est = make_estimator(task, validation, verbose, callbacks or None)
    deep = is_neural(est)
    if accepts_rows(est) and not callable(spec.input):
        # the fold's training rows stay in the memory-mapped cache, read per batch: no per-worker copy of them
        X_fit = Rows(X, fit_rows)
    else:  # scikit-learn models and callable inputs take an array: the fold's rows, copied once
        X_fit = np.ascontiguousarray(spec.transform(X[fit_rows]))
    start = time.perf_counter()
    if deep:  # calibration rows (the last of fit_rows) always train: they never form or join the validation split
        always_train = np.arange(len(fold.train), len(fit_rows))
        est.fit(X_fit, y_fit, groups=task.groups, always_train=always_train)
    else:
        est.fit(X_fit, y_fit)
    train_seconds = time.perf_counter() - start
    history, n_valid, best_on_test, epochs, refitted = [], 0, float("nan"), 1, False
    if deep:
        if est.valid_indices_ is not None:
            valid_rows = fit_rows[est.valid_indices_]
            if info is not None:
                check_no_leakage(fold, info, valid_rows=valid_rows, strict=task.strict, groups=task.groups)
            n_valid = len(valid_rows)
        refitted = bool(est.refitted_)
        keys = ("epoch", "train_loss", "valid_loss", "valid_acc", "test_acc")
        # the selection run's curves (with validation loss); a refit's own epochs are in the final model
        selection = est.selection_history_ if refitted else est.history_
        history = [{k: row[k] for k in keys if k in row} for row in selection]
        epochs = est.n_epochs_
        if task.test_best_epoch:  # over the epochs of the final model's run (the refit's, after a refit)
            best_on_test = max(row.get("test_acc", float("nan")) for row in est.history_)
        where, precision = describe(est.device_), est.precision_
    else:  # scikit-learn models: float64 on the CPU
        where, precision = describe("cpu"), "64"
    row = {
        "dataset": task.dataset, "data": task.data, "protocol": task.protocol, "preset": task.preset,
        "model": task.model, "fold": fold.name, "test_subject": fold.test_subject,
        "test_session": fold.test_session if fold.test_session is not None else "all",
        "train_session": fold.train_session if fold.train_session is not None else "all",
        "train_dataset": task.cross.source if task.cross else task.dataset, "label_space": "own",
        "cross_subject": task.cross_subject if task.protocol == "cross-subject" else "",
        "shots": task.shots, "calibration": task.calibration if task.shots else "",
        "n_train": int(len(fit_rows) if refitted else len(fit_rows) - n_valid),
        "n_calibration": int(len(fold.calibration)),
        "calibration_seconds": calibration_seconds(info, fold.calibration) if info is not None else 0.0,
        "n_valid": int(n_valid), "refit": refitted,
        "n_test": int(len(fold.test)), "accuracy": float("nan"), "f1_macro": float("nan"),  # set by _scored
        "accuracy_test_best_epoch": best_on_test, "epochs": int(epochs), "train_seconds": round(train_seconds, 3),
        "seed": task.seed, "features": json.dumps(task.features, sort_keys=True),
        "baseline_choice": task.baseline_choice, "baseline_scores": task.baseline_scores,
        "device": where["device"], "device_name": where["device_name"], "precision": precision,
        "compile": bool(task.compile and deep), "torch": where["torch"], "cuda": where["cuda"] or "",
        "config_hash": task.config_hash, "code": task.code, "git_commit": task.git_commit,
    }
    tell({"phase": "testing"})
    if task.cross is None:
        return _scored(row, y_test, est.predict(X_test), task.n_classes, history)
    return {"results": _cross_dataset_results(task, est, row, y_test, X_test, history)}


def _scored(row: dict, truth: np.ndarray, pred: np.ndarray, n_classes: int, history: list) -> dict:
    """One result: ``row`` with the test size, accuracy and macro-F1 of ``pred`` against ``truth`` (labels
    ``0..n_classes-1``), the confusion matrix and the training history."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    labels = np.arange(n_classes)
    out = {**row, "n_test": int(len(truth)), "accuracy": float(accuracy_score(truth, pred)),
           "f1_macro": float(f1_score(truth, pred, average="macro", labels=labels, zero_division=0))}
    return {"row": out, "confusion": confusion_matrix(truth, pred, labels=labels).tolist(), "history": history}


def _cross_dataset_results(task: Task, est, row: dict, y_test: np.ndarray, X_test: np.ndarray,
                           history: list) -> list[dict]:
    """One result per target subject and session: on the shared classes (every model, through
    :data:`~emoclip_plugin.benchmark.protocols.SHARED_CLASSES`), and for models with a text side also zero-shot on the target's
    own classes through their prompts."""
    cross = task.cross
    subjects, sessions = cross.subjects[task.fold.test], cross.sessions[task.fold.test]
    truth_shared = shared_labels(y_test, cross.target_classes)
    spaces = [("shared", truth_shared, shared_labels(est.predict(X_test), cross.source_classes),
               len(SHARED_CLASS_NAMES))]
    if hasattr(est, "predict_zero_shot"):
        target = list(cross.target_classes)
        spaces.append(("own", y_test, est.predict_zero_shot(X_test, target, labels=np.arange(len(target))),
                       len(target)))
    out = []
    for space, truth, pred, n_classes in spaces:
        for subject, session in sorted(set(zip(subjects.tolist(), sessions.tolist()))):
            mine = (subjects == subject) & (sessions == session)
            base = {**row, "data": cross.data, "fold": f"{task.fold.name}/s{subject:02d}-session{session}",
                    "test_subject": subject, "test_session": session, "label_space": space}
            out.append(_scored(base, truth[mine], pred[mine], n_classes, history))
    return out


def needs_gpu(task: Task) -> bool:
    """Whether ``task`` trains a neural model on CUDA (it then asks a Dask cluster for a ``GPU`` resource)."""
    return task.device.startswith("cuda") and is_neural(task.estimator_spec().build(**task.params))


def _drain(queue, report: Callable[[str, dict], None]) -> None:
    """Pass every progress message waiting in ``queue`` to ``report`` (without blocking)."""
    import queue as queues
    while True:
        try:
            task_id, state = queue.get_nowait()
        except queues.Empty:
            return
        report(task_id, state)


def _stop_pool(pool) -> None:
    """Cancel the queued tasks of a ``ProcessPoolExecutor`` and end its workers (those running a task included)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(timeout=10)


def execute(tasks: list[Task], on_result: Callable[[Task, dict], None], on_error: Callable[[Task, BaseException], None],
            jobs: int = 1, scheduler: str | None = None, validation: float = 0.2, verbose: bool = False,
            n_gpus: int | None = None, report: Callable[[str, dict], None] | None = None) -> None:
    """Run ``tasks`` one by one, in ``jobs`` processes, or on the Dask scheduler at ``scheduler``; each result goes to
    ``on_result`` in the main process as soon as it is ready.

    GPUs: with ``jobs`` processes, tasks on a generic ``"cuda"`` run on their worker's own GPU, round robin over the
    ``n_gpus`` visible devices (default: ``torch.cuda.device_count()``); on Dask, neural tasks on CUDA ask for one unit
    of the worker resource ``GPU`` (``dask worker ... --resources GPU=1``), so each GPU trains one fold at a time.

    ``report(task_id, state)``: the running folds' progress (see :func:`run_task`), called in the main process; with
    ``jobs`` processes the workers send it through a queue that is read while the main process waits for results.
    Not on Dask (the cluster's dashboard shows its tasks)."""
    if not tasks:
        return
    if scheduler:
        from distributed import Client, as_completed
        with Client(scheduler, timeout="30s") as client:
            futures = {client.submit(run_task, task, validation, verbose,
                                     key=f"emoclip-{task.config_hash}-{task.task_id}", pure=False,
                                     resources={"GPU": 1} if needs_gpu(task) else None): task
                       for task in tasks}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    result = future.result()
                except Exception as err:  # noqa: BLE001 - reported per task
                    on_error(task, err)
                else:
                    on_result(task, result)
        return
    if jobs > 1:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        context = multiprocessing.get_context("spawn")
        device = tasks[0].device
        if n_gpus is None:
            import torch
            n_gpus = torch.cuda.device_count() if device == "cuda" else 0
        queue = context.Queue()
        for worker_device in worker_devices(jobs, device, n_gpus):
            queue.put(worker_device)
        progress = context.Queue() if report is not None else None
        pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(queue, progress))
        try:
            pending = {pool.submit(run_task, task, validation, verbose, QueueReport() if report else None): task
                       for task in tasks}
            waiting = set(pending)
            while waiting:
                ready, waiting = wait(waiting, timeout=0.5 if report else None, return_when=FIRST_COMPLETED)
                if progress is not None:
                    _drain(progress, report)
                for future in ready:
                    task = pending[future]
                    try:
                        result = future.result()
                    except Exception as err:  # noqa: BLE001
                        on_error(task, err)
                    else:
                        on_result(task, result)
        except BaseException:  # Ctrl-C: stop now (the pool's own exit would wait for every queued task)
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
        return
    for task in tasks:
        try:
            result = run_task(task, validation, verbose, report)
        except Exception as err:  # noqa: BLE001
            on_error(task, err)
        else:
            on_result(task, result)
