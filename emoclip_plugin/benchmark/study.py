"""Studies over many generated folders and model variants: the data-scaling study and the recipe ablation.

A study is a grid of (folder, variant, fold, seed) tasks run by the benchmark's own machinery (:mod:`.runner`): the
same data loading and caches, the same leakage-guarded pooled leave-one-subject-out folds, the same ``run_task``,
resumable results (one JSON file per task, keyed by its settings) and ``--jobs`` processes. A *variant* is a named
estimator with its own parameters, so one model can appear with several recipes.
"""
from __future__ import annotations

import argparse
import copy
import datetime as _dt
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.synthetic import GENERATOR_VERSION, write_folder
from ..estimators import estimator_input_kind, get_estimator
from .protocols import fit_groups
from .presets import config_hash, resolve_config
from .runner import build_tasks, prepare_data
from .api import run_tasks
from .store import atomic_write


@dataclass(frozen=True)
class Variant:
    """A named estimator setting: ``model`` (a benchmark model name) with ``params`` over the preset's."""

    name: str
    model: str
    params: dict


@dataclass(frozen=True)
class Folder:
    """A generated SEED-format folder: ``dataset`` (``"seed"`` / ``"seed-iv"``), size, and generator seed."""

    dataset: str
    subjects: int
    seconds: float
    seed: int = 0

    def __post_init__(self):
        if self.dataset not in ("seed", "seed-iv"):
            raise ValueError(f"dataset {self.dataset!r}: choose from seed, seed-iv")
        if not 2 <= self.subjects <= 15:
            raise ValueError(f"{self.subjects} subjects: expected between 2 and 15")
        if self.seconds < 8:
            raise ValueError(f"{self.seconds:g}-s trials: expected at least 8 s (the 5-s trial baseline plus windows)")

    @property
    def label(self) -> str:
        return f"{self.dataset}-{self.subjects}subj-{self.seconds:g}s-gen{self.seed}"

    def root(self, cache: Path) -> Path:
        """Write the folder under ``cache/generated`` the first time (atomic) and return its path."""
        name = "Preprocessed_EEG" if self.dataset == "seed" else "eeg_raw_data"
        root = Path(cache) / "generated" / f"{self.label}-v{GENERATOR_VERSION}" / name
        if not root.exists():
            print(f"writing generated {self.dataset} folder ({self.subjects} subjects, {self.seconds:g}-s trials, "
                  f"generator seed {self.seed}) to {root}", flush=True)
            write_folder(root, self.dataset, subjects=self.subjects, seconds=self.seconds, seed=self.seed)
        return root


def add_run_options(parser: argparse.ArgumentParser, out: str, folds: int, seeds: str) -> None:
    """The options every study script shares: folds, seeds, epoch cap, EmotionCLIP window, parallelism, cache and output
    folders."""
    parser.add_argument("--folds", type=int, default=folds, help=f"test subjects per folder (default {folds})")
    parser.add_argument("--seeds", default=seeds, help=f"comma-separated seeds (default {seeds})")
    parser.add_argument("--max-epochs", dest="max_epochs", type=int, default=None,
                        help="cap the neural models' epochs (a quick check; default: the smoke preset's)")
    parser.add_argument("--window-seconds", dest="window_seconds", type=float, default=None,
                        help="EmotionCLIP grids: window length in s (default: the smoke preset's, the paper's 2)")
    parser.add_argument("--jobs", type=int, default=1, help="tasks in parallel processes (default 1)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads per task (default cores / jobs)")
    parser.add_argument("--cache", type=Path, default=None, help="cache folder (default $EMOCLIP_CACHE or "
                                                                 "~/.cache/emoclip-plugin)")
    parser.add_argument("--out", type=Path, default=Path(out), help=f"results folder (default {out})")
    parser.add_argument("--resume-any-code", dest="resume_any_code", action="store_true",
                        help="reuse finished tasks computed by other code (another code fingerprint); recorded in "
                             "provenance.json")


def run_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict:
    """Check the shared options (``parser.error`` -> one line, exit 2) and return :func:`run_study`'s keywords."""
    from ..data.cache import default_cache_dir
    for name in ("folds", "jobs", "max_epochs", "threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} {value}: expected an integer >= 1")
    try:
        seeds = [int(v) for v in args.seeds.split(",") if v.strip()]
    except ValueError:
        parser.error(f"--seeds {args.seeds!r}: expected comma-separated integers, e.g. 0,1")
    if not seeds or min(seeds) < 0:
        parser.error(f"--seeds {args.seeds!r}: expected integers >= 0")
    overrides = {}
    if args.window_seconds is not None:
        overrides["features"] = {"window_seconds": args.window_seconds}
        try:
            resolve_config("smoke", overrides=overrides)
        except ValueError as err:
            parser.error(f"--window-seconds {args.window_seconds:g}: {err}")
    return {"seeds": seeds, "overrides": overrides, "cache": args.cache or default_cache_dir(), "max_folds": args.folds,
            "jobs": args.jobs, "threads": args.threads or max(1, (os.cpu_count() or 1) // args.jobs),
            "max_epochs": args.max_epochs, "resume_any_code": bool(args.resume_any_code)}


def window_note(args: argparse.Namespace) -> str:
    """``"; EmotionCLIP grids over 4-s windows"`` for a table's footnote when ``--window-seconds`` was given, else
    ``""``."""
    return f"; EmotionCLIP grids over {args.window_seconds:g}-s windows" if args.window_seconds else ""


def training_subjects(subjects: list[int], test_subject: int, n: int, seed: int = 0) -> list[int]:
    """The ``n`` training subjects of a fold with ``test_subject`` out: the first ``n`` of a permutation of the other
    subjects seeded by ``(seed, test_subject)``, so the sets are nested (``n = 4`` is inside ``n = 9``) and the same for
    every model."""
    others = sorted(s for s in subjects if s != test_subject)
    if not 1 <= n <= len(others):
        raise ValueError(f"{n} training subjects: the folder has {len(others)} besides test subject {test_subject}")
    order = np.random.default_rng([seed, test_subject]).permutation(others)
    return sorted(int(s) for s in order[:n])


def run_study(out: str | Path, folders: list[Folder], variants: list[Variant], seeds: list[int], cache: str | Path,
              preset: str = "smoke", max_folds: int | None = None, jobs: int = 1, threads: int = 1,
              overrides: dict | None = None, max_epochs: int | None = None,
              train_subjects: list[int] | None = None, resume_any_code: bool = False) -> pd.DataFrame:
    """Run every variant on every folder (pooled LOSO, the first ``max_folds`` test subjects) for every seed.

    ``max_epochs`` caps the neural models' epochs (a quick check; ``None``: the preset's). ``train_subjects``: run each
    fold once per count ``n``, training on ``n`` of the other subjects only (:func:`training_subjects`: nested, the
    same for every model), with the same test subjects throughout — a data-scaling curve whose points differ only in
    the training data (the rows get ``n_train_subjects``).

    Results go to ``out/folds/*.json`` (a re-run skips finished tasks) and ``out/results.csv`` with the columns of the
    benchmark plus ``folder``, ``variant`` and ``n_windows`` (the folder's windows of the variant's input). Returns that
    table.
    """
    from .. import __version__
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    out, cache = Path(out), Path(cache)
    config = resolve_config(preset, overrides={"cross_subject": "pooled", **(overrides or {})})
    tasks, extra = [], {}
    for folder in folders:
        root = folder.root(cache)
        prepared = {}
        for kind in dict.fromkeys(estimator_input_kind(v.model) for v in variants):
            prepared[(folder.dataset, kind)] = prepare_data(root, folder.dataset, kind, cache, config["features"],
                                                            config["de_window"])
        for variant in variants:
            cfg = copy.deepcopy(config)
            params = {**cfg["models"].get(variant.model, {}), **variant.params}
            if max_epochs is not None and "random_state" in get_estimator(variant.model).get_params():
                params["max_epochs"] = int(max_epochs)
            cfg["models"][variant.model] = params
            grid = build_tasks(prepared, [folder.dataset], ["cross-subject"], [variant.model], cfg, preset, seeds,
                               threads, cache / "splits", {folder.dataset: "synthetic"}, __version__)
            subjects = list(dict.fromkeys(t.fold.test_subject for t in grid))[:max_folds]
            prep = prepared[(folder.dataset, estimator_input_kind(variant.model))]
            n_windows = len(prep.y)
            everyone = sorted(prep.info["subject_id"].unique().tolist())
            for task in grid:
                if task.fold.test_subject not in subjects:
                    continue
                for n in train_subjects or [None]:
                    label = folder.label if n is None else f"{folder.label}-train{n}"
                    t = replace(task, task_id=f"{label}__{variant.name}__{task.task_id}")
                    if n is not None:
                        keep = training_subjects(everyone, task.fold.test_subject, n)
                        rows = task.fold.train[np.isin(prep.info["subject_id"].to_numpy()[task.fold.train], keep)]
                        fold = replace(task.fold, train=rows)
                        t = replace(t, fold=fold, groups=fit_groups(fold, prep.info),
                                    config_hash=config_hash({"task": task.config_hash, "train_subjects": keep}))
                    tasks.append(t)
                    extra[t.task_id] = {"folder": folder.label, "variant": variant.name, "n_windows": n_windows,
                                        **({} if n is None else {"n_train_subjects": n})}
    finished: dict[str, dict] = {}

    def table() -> pd.DataFrame:
        rows = [{**extra[t.task_id], **finished[t.task_id]["row"]} for t in tasks if t.task_id in finished]
        return pd.DataFrame(rows)

    def describe(task, result) -> str:
        row = result["row"]
        return (f"{extra[task.task_id]['folder']} {extra[task.task_id]['variant']} {task.fold.name} seed {task.seed}: "
                f"{100 * row['accuracy']:.1f}% ({row['train_seconds']:.0f} s)")

    def saved(done: dict[str, dict]) -> None:
        finished.update(done)
        atomic_write(out / "results.csv", table().to_csv(index=False))

    settings = {"preset": preset, "seeds": seeds, "max_folds": max_folds, "jobs": jobs, "threads": threads,
                "overrides": overrides or {}, "max_epochs": max_epochs, "resume_any_code": resume_any_code,
                "folders": [f.label for f in folders], "train_subjects": train_subjects,
                "variants": {v.name: {"model": v.model, "params": v.params} for v in variants}, "tasks": len(tasks)}

    def before(todo, done):
        finished.update(done)
        print(f"{len(tasks)} tasks: {len(done)} finished earlier, {len(todo)} to run with {jobs} job(s)", flush=True)
        # written before anything trains, so a run stopped part-way still says what made its rows
        write_provenance(out, started, {**settings, "finished": None, "finished_earlier": len(done)})

    done, _errors = run_tasks(tasks, out, resume_any_code=resume_any_code, jobs=jobs, validation=config["validation"],
                              describe=describe, log_each=True, before=before, on_saved=saved)
    finished.update(done)
    frame = table()
    atomic_write(out / "results.csv", frame.to_csv(index=False))
    write_provenance(out, started, {**settings, "finished": len(finished)})
    return frame


def write_provenance(out: Path, started: str, settings: dict) -> Path:
    """``out/provenance.json`` of a study: command, start / end time, host, the code fingerprint and git commit,
    package versions and the study's settings (``finished``: tasks done, ``None`` while the study runs)."""
    import json
    import socket
    import sys
    from .fingerprint import code_provenance, package_versions
    ended = None if settings.get("finished", 0) is None else _dt.datetime.now(_dt.timezone.utc).isoformat(
        timespec="seconds")
    record = {"command": [sys.executable] + sys.argv, "started": started, "ended": ended, "host": socket.gethostname(),
              **code_provenance(), "versions": package_versions(), **settings}
    path = Path(out) / "provenance.json"
    atomic_write(path, json.dumps(record, indent=1, default=str))
    return path


def summarise(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Accuracy (%) mean and std over folds (each fold's accuracy averaged over seeds first), per ``by`` group; also
    the std over seeds (of the fold-mean accuracy) and the counts."""
    per_fold = frame.groupby(by + ["fold"], sort=False)["accuracy"].mean().reset_index()
    folds = per_fold.groupby(by, sort=False)["accuracy"].agg(["mean", "std", "count"])
    per_seed = frame.groupby(by + ["seed"], sort=False)["accuracy"].mean().reset_index()
    seeds = per_seed.groupby(by, sort=False)["accuracy"].agg(["std", "count"])
    out = pd.DataFrame({"accuracy": 100 * folds["mean"], "std_folds": 100 * folds["std"].fillna(0),
                        "std_seeds": 100 * seeds["std"].fillna(0), "folds": folds["count"],
                        "seeds": seeds["count"]})
    return out.reset_index()
