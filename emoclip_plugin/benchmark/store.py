"""The results store: one JSON file per finished (dataset, protocol, model, fold, seed), and ``results.csv``.

A result is ``{"row": results.csv row, "confusion": ..., "history": ...}``; a cross-dataset task, which trains once
and tests every target subject and session, stores ``{"results": [one such result per row]}``.

Every write goes to a temporary file that is renamed into place, so a run killed at any moment leaves only complete
fold files; a re-run of the same command skips the folds whose file holds the same ``config_hash`` and was computed
by the same code (the row's ``code`` fingerprint), unless asked to reuse folds from other code.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

import pandas as pd

#: Column order of ``results.csv``.
COLUMNS = ["dataset", "data", "protocol", "preset", "model", "fold", "test_subject", "test_session", "train_session",
           "train_dataset", "label_space", "cross_subject", "shots", "calibration", "n_train", "n_calibration",
           "calibration_seconds",
           "n_valid", "refit", "n_test", "accuracy", "f1_macro", "accuracy_test_best_epoch", "epochs", "train_seconds", "seed", "features",
           "baseline_choice", "baseline_scores", "device", "device_name",
           "precision", "compile", "torch", "cuda", "config_hash", "code", "git_commit"]


def result_list(result: dict) -> list[dict]:
    """The per-row results of one task's result (one, or a cross-dataset task's one per target subject, session and
    label space)."""
    return list(result["results"]) if "results" in result else [result]


def atomic_write(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultStore:
    """Fold results under ``out/folds/<task_id>.json``; ``results.csv`` regenerated from them."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        self.folds = self.out / "folds"
        self.folds.mkdir(parents=True, exist_ok=True)
        for stale in self.folds.glob(".*.tmp"):  # temporary files of a killed run
            stale.unlink(missing_ok=True)

    def path(self, task_id: str) -> Path:
        """``folds/<task id>.json``; a library model's ``:`` (``braindecode:EEGNetv4``) becomes ``=`` in the name,
        which every file system and archive keeps."""
        return self.folds / f"{task_id.replace(':', '=')}.json"

    def load(self, task_id: str, config_hash: str | None = None, code: str | None = None) -> dict | None:
        """The stored result of ``task_id`` (``None`` if absent, unreadable, made with another ``config_hash`` or,
        when ``code`` is given, by code with another fingerprint (:mod:`emoclip_plugin.benchmark.fingerprint`))."""
        path = self.path(task_id)
        if not path.is_file():
            return None
        try:
            result = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        try:
            stored = result_list(result)[0]["row"]
            stored_hash, stored_code = stored.get("config_hash"), stored.get("code")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        if config_hash is not None and stored_hash != config_hash:
            return None
        if code is not None and stored_code != code:
            return None
        return result

    def finished(self, tasks: Iterable, resume_any_code: bool = False) -> dict[str, dict]:
        """The stored results of ``tasks`` (objects with ``task_id``, ``config_hash`` and ``code``) that a resume
        reuses, by task id: same settings hash and, unless ``resume_any_code``, same code fingerprint."""
        found = {}
        for t in tasks:
            stored = self.load(t.task_id, t.config_hash, None if resume_any_code else t.code)
            if stored is not None:
                found[t.task_id] = stored
        return found

    def save(self, task_id: str, result: dict) -> None:
        atomic_write(self.path(task_id), json.dumps(result, default=_jsonable))



def write_results_csv(out: str | os.PathLike, results: list[dict]) -> Path:
    """Write ``out/results.csv``: every row of ``results`` (fold results as stored), in :data:`COLUMNS` order."""
    frame = rows_frame([r for result in results for r in result_list(result)])
    path = Path(out) / "results.csv"
    atomic_write(path, frame.to_csv(index=False))
    return path


def rows_frame(results: list[dict]) -> pd.DataFrame:
    """The rows of per-row ``results`` as a table in :data:`COLUMNS` order; rows stored before the cross-dataset
    protocol get ``train_dataset`` = their dataset and ``label_space`` = ``"own"``."""
    return with_row_defaults(pd.DataFrame([r["row"] for r in results], columns=COLUMNS))


def with_row_defaults(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (a copy) with ``train_dataset`` and ``label_space`` filled where absent or empty: the row's own
    dataset and ``"own"`` (rows of the within-dataset protocols, and results stored before those columns existed)."""
    rows = rows.copy()
    own = rows["dataset"]
    rows["train_dataset"] = rows["train_dataset"].fillna(own) if "train_dataset" in rows else own
    rows["label_space"] = rows["label_space"].fillna("own") if "label_space" in rows else "own"
    return rows


def _jsonable(value):
    import numpy as np
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
