"""The results store: one JSON file per finished (dataset, protocol, model, fold, seed), and ``results.csv``.

Every write goes to a temporary file that is renamed into place, so a run killed at any moment leaves only complete
fold files; a re-run of the same command skips the folds whose file holds the same ``config_hash``.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

#: Column order of ``results.csv``.
COLUMNS = ["dataset", "data", "protocol", "preset", "model", "fold", "test_subject", "test_session", "train_session",
           "cross_subject", "shots", "calibration", "n_train", "n_calibration", "n_valid", "refit", "n_test", "accuracy",
           "f1_macro", "accuracy_test_best_epoch", "epochs", "train_seconds", "seed", "features", "device", "device_name",
           "precision", "compile", "torch", "cuda", "config_hash"]


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
        return self.folds / f"{task_id}.json"

    def load(self, task_id: str, config_hash: str | None = None) -> dict | None:
        """The stored result of ``task_id`` (``None`` if absent, unreadable or made with another ``config_hash``)."""
        path = self.path(task_id)
        if not path.is_file():
            return None
        try:
            result = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        if config_hash is not None and result.get("row", {}).get("config_hash") != config_hash:
            return None
        return result

    def save(self, task_id: str, result: dict) -> None:
        atomic_write(self.path(task_id), json.dumps(result, default=_jsonable))

    def write_csv(self, results: list[dict]) -> Path:
        frame = pd.DataFrame([r["row"] for r in results], columns=COLUMNS)
        path = self.out / "results.csv"
        atomic_write(path, frame.to_csv(index=False))
        return path


def _jsonable(value):
    import numpy as np
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
