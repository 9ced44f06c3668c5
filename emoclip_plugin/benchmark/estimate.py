"""Know the cost before paying it: time a few training steps and one evaluation pass of a model, then project the
wall time of a whole run from each fold's sizes and the epoch bounds of early stopping.

A neural fold with an inner validation split trains in two runs: *selection* (``(1 - validation)`` of the fit rows,
one validation pass per epoch) until early stopping, then the *refit* on all fit rows for the selected number of
epochs. Early stopping makes the epoch counts unknown in advance, so every projection is a range:

* low: the best epoch is the first, so selection stops after ``1 + patience`` epochs and the refit trains 1 epoch;
* high: every epoch bound is used (``max_epochs`` for the selection and for the refit).

Without a validation split a fold trains ``max_epochs`` on all fit rows (low = high). Non-neural models are timed by
a fit on a subsample, scaled linearly to the fold's size (an approximation, said in the output).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

#: SEED's 15 film clips in seconds (every session and subject watches the same clips), from the dataset's
#: documentation; 3,394 s per session.
SEED_TRIAL_SECONDS = (235, 233, 206, 238, 185, 195, 237, 216, 265, 237, 235, 233, 235, 238, 206)


def seed_windows_per_session(window: float = 2.0, baseline: float = 5.0) -> int:
    """EmotionCLIP windows per SEED subject-session: each trial's first ``baseline`` s dropped, then whole windows."""
    return sum(int((s - baseline) // window) for s in SEED_TRIAL_SECONDS)


@dataclass(frozen=True)
class Rates:
    """Measured costs of one model on one device: seconds per training window and per evaluated window."""

    train_s_per_window: float
    eval_s_per_window: float
    exact: bool = True  # False: a linear extrapolation (non-neural models fitted on a subsample)
    note: str = ""

    @property
    def train_windows_per_s(self) -> float:
        return 1.0 / self.train_s_per_window if self.train_s_per_window else math.inf


def epoch_bounds(params: dict, validation: float, refit: bool) -> dict:
    """Selection and refit epochs at the low and the high end for estimator parameters ``params``."""
    max_epochs = int(params.get("max_epochs", 1))
    patience = int(params.get("patience", max_epochs))
    if not validation:
        return {"select": (max_epochs, max_epochs), "refit": (0, 0), "max_epochs": max_epochs, "patience": patience}
    return {"select": (min(max_epochs, 1 + patience), max_epochs), "refit": (1, max_epochs) if refit else (0, 0),
            "max_epochs": max_epochs, "patience": patience}


def fold_seconds(rates: Rates, n_fit: int, n_test: int, bounds: dict | None, validation: float) -> tuple[float, float]:
    """Projected (low, high) seconds of one fold; ``bounds`` from :func:`epoch_bounds` (``None``: non-neural)."""
    if bounds is None:
        s = rates.train_s_per_window * n_fit + rates.eval_s_per_window * n_test
        return s, s
    n_valid = int(round(n_fit * validation))
    out = []
    for end in (0, 1):
        select, refit = bounds["select"][end], bounds["refit"][end]
        train_rows = select * (n_fit - n_valid) + refit * n_fit
        eval_rows = select * n_valid + n_test
        out.append(train_rows * rates.train_s_per_window + eval_rows * rates.eval_s_per_window)
    return out[0], out[1]


def measure(estimator, X: np.ndarray, y: np.ndarray, steps: int = 20, eval_rows: int = 2048) -> Rates:
    """Time ``estimator`` (unfitted, configured as the run would use it) on rows of ``X``.

    Neural estimators (they have ``max_epochs``): two epochs of ``steps`` batches without a validation split; the
    second epoch's duration (the first warms up caches and ``torch.compile``) gives seconds per training window; then
    one prediction pass over up to ``eval_rows`` rows (after one warm-up batch). Others: a fit on up to
    ``steps * 64`` rows and a prediction pass, per window (scaled linearly later: an approximation).
    """
    from sklearn.base import clone

    from .runner import is_neural
    params = estimator.get_params()
    rng = np.random.default_rng(0)
    if is_neural(estimator):
        batch = int(params["batch_size"])
        n = min(len(X), max(batch, steps * batch))
        rows = np.sort(rng.choice(len(X), n, replace=False))
        est = clone(estimator).set_params(max_epochs=2, validation=0, refit=False, verbose=0, callbacks=None,
                                          lr_schedule="none", warmup_epochs=0)
        est.fit(X[rows], y[rows])
        train = est.history_[-1]["dur"] / n
        m = min(len(X), eval_rows)
        est.predict(X[:min(m, batch)])  # warm-up
        start = time.perf_counter()
        est.predict(X[:m])
        return Rates(train, (time.perf_counter() - start) / m)
    n = min(len(X), max(64, steps * 64))
    rows = np.sort(rng.choice(len(X), n, replace=False))
    est = clone(estimator)
    start = time.perf_counter()
    est.fit(X[rows], y[rows])
    train = (time.perf_counter() - start) / n
    start = time.perf_counter()
    est.predict(X[rows])
    return Rates(train, (time.perf_counter() - start) / n, exact=False,
                 note=f"fit on {n} rows, scaled linearly")


def format_hours(seconds: float) -> str:
    """``1 h 05 min`` / ``4.2 min`` / ``12 s``."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(round(seconds % 3600 / 60)):02d} min"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"


def project(tasks: list, validation: float, steps: int = 20, measure_fn=None) -> list[dict]:
    """Per task of ``tasks`` (:class:`~emoclip_plugin.benchmark.runner.Task`): the projected (low, high) seconds.

    Each (dataset, model) is timed once, by :func:`measure` on the training rows of its first task's fold, with the
    estimator configured exactly as the run would train it (device, precision, compilation, batch sizes).
    Returns one dict per task: ``task``, ``low``, ``high``, ``rates``, ``bounds``."""
    from pathlib import Path

    from .runner import is_neural, make_estimator
    measure_fn = measure_fn or measure
    rates: dict[tuple[str, str], Rates] = {}
    out = []
    for task in tasks:
        est = make_estimator(task, validation)
        key = (task.dataset, task.model)
        if key not in rates:
            X = np.load(Path(task.data_dir) / "X.npy", mmap_mode="r")
            y = np.load(Path(task.data_dir) / "y.npy")
            rows = task.fold.fit_rows
            rates[key] = measure_fn(est, np.ascontiguousarray(X[rows]), y[rows], steps)
        neural = is_neural(est)
        params = est.get_params()
        inner = params.get("validation", validation) if neural else 0.0
        bounds = epoch_bounds(params, inner, bool(params.get("refit", False))) if neural else None
        low, high = fold_seconds(rates[key], len(task.fold.fit_rows), len(task.fold.test), bounds, inner)
        out.append({"task": task, "low": low, "high": high, "rates": rates[key], "bounds": bounds})
    return out


def print_estimate(tasks: list, n_finished: int, validation: float, jobs: int = 1, steps: int = 20,
                   scheduler: str | None = None, measure_fn=None) -> list[dict]:
    """``run_all.py --estimate``: time each model, print the projected wall time per model and in total."""
    if not tasks:
        print(f"nothing to run: all {n_finished} tasks are finished")
        return []
    task0 = tasks[0]
    print(f"estimating {len(tasks)} task(s) ({n_finished} already finished are not counted): timing {steps} training "
          f"step(s) and one evaluation pass per model on {task0.device}, precision {task0.precision} ...")
    projected = project(tasks, validation, steps, measure_fn)
    models = list(dict.fromkeys((p["task"].dataset, p["task"].model) for p in projected))
    header = (f"{'dataset':<9}{'model':<17}{'folds':>6}{'epochs (max, patience)':>24}{'train win/s':>13}"
              f"{'projected (low - high)':>28}")
    print(header)
    total_low = total_high = 0.0
    for dataset, model in models:
        mine = [p for p in projected if (p["task"].dataset, p["task"].model) == (dataset, model)]
        low, high = sum(p["low"] for p in mine), sum(p["high"] for p in mine)
        total_low, total_high = total_low + low, total_high + high
        b, r = mine[0]["bounds"], mine[0]["rates"]
        epochs = f"{b['max_epochs']}, {b['patience']}" if b else "- (one fit)"
        span = format_hours(low) if low == high else f"{format_hours(low)} - {format_hours(high)}"
        print(f"{dataset:<9}{model:<17}{len(mine):>6}{epochs:>24}{r.train_windows_per_s:>13,.0f}{span:>28}"
              + (f"  ({r.note})" if r.note else ""))
    workers = "the cluster's workers" if scheduler else f"{jobs} job(s)"
    share = 1 if scheduler else max(1, jobs)
    print(f"total: {format_hours(total_low)} - {format_hours(total_high)} of compute; wall time with {workers}: "
          f"about {format_hours(total_low / share)} - {format_hours(total_high / share)}")
    print("low: early stopping's best epoch is the first (selection stops after 1 + patience epochs, the refit trains "
          "1); high: every epoch bound is used. Nothing was trained; run without --estimate to start.")
    return projected
