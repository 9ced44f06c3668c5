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


def _step_timer(seconds: float, steps: int, cuda: bool):
    from skorch.callbacks import Callback

    class StepTimer(Callback):
        """A skorch callback that stamps each training batch and stops the fit (skorch ends a fit on
        ``KeyboardInterrupt``) once ``seconds`` have passed after the warm-up batch or ``steps`` batches were timed."""

        def __init__(self, seconds: float, steps: int, cuda: bool):
            self.seconds, self.steps, self.cuda = seconds, steps, cuda
            self.stamps: list[float] = []
            self.sizes: list[int] = []

        def on_batch_end(self, net, batch=None, training=None, **kwargs):
            if not training:
                return
            if self.cuda:
                import torch
                torch.cuda.synchronize()
            self.stamps.append(time.perf_counter())
            self.sizes.append(len(batch[1]) if batch is not None and batch[1] is not None else 0)
            timed = len(self.stamps) - 1  # the first batch (initialisation, compilation) is the warm-up
            if timed >= self.steps or (timed >= 1 and self.stamps[-1] - self.stamps[0] >= self.seconds):
                raise KeyboardInterrupt

        def rate(self) -> tuple[float, int]:
            """(seconds per training window, timed steps) over the batches after the warm-up."""
            timed = len(self.stamps) - 1
            if timed < 1:
                return math.nan, 0
            return (self.stamps[-1] - self.stamps[0]) / max(1, sum(self.sizes[1:])), timed

    return StepTimer(seconds, steps, cuda)


def _spread_rows(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` row indices drawn class by class in turn (each batch sees every class), in a random order."""
    pools = [rng.permutation(np.flatnonzero(y == c)).tolist() for c in np.unique(y)]
    rows: list[int] = []
    while len(rows) < n and any(pools):
        for pool in pools:
            if pool and len(rows) < n:
                rows.append(pool.pop())
    return np.asarray(rows, dtype=int)


#: on a CPU, a model is first timed at this batch size; where one batch of its own size would take more than half the
#: budget (paper-size models: ~20 s a batch of 64), the figure stays at this size, so the estimate stays cheap
PROBE_BATCH = 8


def _time_training(estimator, X: np.ndarray, y: np.ndarray, batch: int, steps: int, seconds: float, cuda: bool,
                   rng: np.random.Generator):
    """Fit a clone of ``estimator`` at ``batch`` for one warm-up and up to ``steps`` timed batches (or ``seconds``);
    returns (seconds per training window, timed steps, the fitted clone)."""
    from sklearn.base import clone
    rows = np.sort(_spread_rows(y, min(len(X), (steps + 1) * batch), rng))
    timer = _step_timer(seconds, steps, cuda)
    est = clone(estimator).set_params(max_epochs=1, validation=0, refit=False, verbose=0, batch_size=batch,
                                      callbacks=[("estimate_timer", timer)], lr_schedule="none", warmup_epochs=0)
    est.fit(X[rows], y[rows])
    train, timed = timer.rate()
    if timed == 0:  # a single batch holds every row: time that one batch after the warm-up fit
        start = time.perf_counter()
        clone(est).set_params(callbacks=None).fit(X[rows], y[rows])
        train, timed = (time.perf_counter() - start) / len(rows), 1
    return train, timed, est


def measure(estimator, X: np.ndarray, y: np.ndarray, steps: int = 20, seconds: float = 10.0,
            eval_rows: int = 2048) -> Rates:
    """Time ``estimator`` (unfitted, configured as the run would use it) on rows of ``X`` for a bounded time.

    Neural estimators (they have ``max_epochs``): one warm-up batch (initialisation, ``torch.compile``), then
    training batches until ``seconds`` have passed or ``steps`` batches were timed (at least one), without a
    validation split; then prediction in batches over up to ``eval_rows`` rows, also stopping after ``seconds / 2``.
    On CUDA each timestamp waits for the device, so the figure is exact, at the estimator's own batch size. On a CPU
    the model is first timed at :data:`PROBE_BATCH` windows a batch (a warm-up and two steps); where one batch of its
    own size would then take more than ``seconds / 2``, the figures stay per window at that small batch (on a CPU the
    cost per window changes little with the batch; the note says so) instead of spending minutes on two big batches.
    Others: a fit on up to ``steps * 64`` rows and a prediction pass, per window (scaled linearly later: an
    approximation). The returned :class:`Rates` says how many steps its figure rests on.
    """
    from sklearn.base import clone

    from .runner import is_neural
    params = estimator.get_params()
    rng = np.random.default_rng(0)
    if is_neural(estimator):
        batch = int(params["batch_size"])
        cuda = str(params.get("device", "cpu")).startswith("cuda")
        used, extra = batch, ""
        if not cuda and batch > PROBE_BATCH:
            train, timed, est = _time_training(estimator, X, y, PROBE_BATCH, min(steps, 2), seconds, cuda, rng)
            if train * batch > seconds / 2:
                used = PROBE_BATCH
                extra = f" (a batch of {batch} takes ~{format_hours(train * batch)} here; figures per window at {used})"
        if used == batch:
            train, timed, est = _time_training(estimator, X, y, batch, steps, seconds, cuda, rng)
        m = min(len(X), eval_rows)
        est.predict(X[:min(m, used)])  # warm-up
        done, start = 0, time.perf_counter()
        while done < m and (done == 0 or time.perf_counter() - start < seconds / 2):
            est.predict(X[done:done + used])
            done += min(used, m - done)
        evaluate = (time.perf_counter() - start) / done
        return Rates(train, evaluate,
                     note=f"{timed} step{'s' if timed != 1 else ''} of {used}, {done} predicted{extra}")
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


#: a projection longer than this gets a line that says it is not practical and what would make it feasible
IMPRACTICAL_SECONDS = 7 * 24 * 3600


def format_hours(seconds: float) -> str:
    """``3.5 days`` (from 2 days) / ``1 h 05 min`` / ``4.2 min`` / ``12 s``."""
    if seconds >= 2 * 24 * 3600:
        return f"{seconds / 86400:,.1f} days"
    if seconds >= 3600 - 30:  # whole minutes first, so 9 h 59.6 min reads 10 h 00 min
        minutes = int(round(seconds / 60))
        return f"{minutes // 60} h {minutes % 60:02d} min"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.0f} s"


def table_lines(rows: list[list[str]], right: set[int]) -> list[str]:
    """``rows`` (the first is the header) as lines with every column as wide as its widest cell, two spaces
    apart; the columns in ``right`` right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def project(tasks: list, validation: float, steps: int = 20, measure_fn=None, seconds: float = 10.0,
            progress: bool = False) -> list[dict]:
    """Per task of ``tasks`` (:class:`~emoclip_plugin.benchmark.runner.Task`): the projected (low, high) seconds.

    Each (dataset, model) is timed once, by :func:`measure` (``steps``, ``seconds``) on the training rows of its first
    task's fold, with the estimator configured exactly as the run would train it (device, precision, compilation,
    batch sizes); a tqdm bar counts the models timed when ``progress``.
    Returns one dict per task: ``task``, ``low``, ``high``, ``rates``, ``bounds``."""
    from pathlib import Path

    from tqdm.auto import tqdm

    from .runner import is_neural, make_estimator
    measure_fn = measure_fn or measure
    rates: dict[tuple[str, str], Rates] = {}
    out = []
    bar = tqdm(total=len({(t.dataset, t.model) for t in tasks}), desc="timing models", unit="model",
               disable=not progress, leave=False)
    for task in tasks:
        est = make_estimator(task, validation)
        key = (task.dataset, task.model)
        if key not in rates:
            bar.set_postfix_str(f"{task.dataset} {task.model}")
            X = np.load(Path(task.data_dir) / "X.npy", mmap_mode="r")
            y = np.load(Path(task.data_dir) / "y.npy")
            rows = task.fold.fit_rows
            rates[key] = measure_fn(est, np.ascontiguousarray(X[rows]), y[rows], steps, seconds)
            bar.update(1)
        neural = is_neural(est)
        params = est.get_params()
        inner = params.get("validation", validation) if neural else 0.0
        bounds = epoch_bounds(params, inner, bool(params.get("refit", False))) if neural else None
        low, high = fold_seconds(rates[key], len(task.fold.fit_rows), len(task.fold.test), bounds, inner)
        out.append({"task": task, "low": low, "high": high, "rates": rates[key], "bounds": bounds})
    bar.close()
    return out


def print_estimate(tasks: list, n_finished: int, validation: float, jobs: int = 1, steps: int = 20,
                   scheduler: str | None = None, measure_fn=None, seconds: float = 10.0,
                   progress: bool = False) -> list[dict]:
    """``run_all.py --estimate``: time each model (at most ``steps`` steps or ``seconds`` s of training each), print
    the projected wall time per model and in total, and what to change when the total is not practical."""
    if not tasks:
        print(f"nothing to run: all {n_finished} tasks are finished")
        return []
    task0 = tasks[0]
    print(f"estimating {len(tasks)} task(s) ({n_finished} already finished are not counted): timing up to {steps} "
          f"training step(s) or {seconds:g} s, and an evaluation pass, per model on {task0.device}, precision "
          f"{task0.precision} ...")
    projected = project(tasks, validation, steps, measure_fn, seconds, progress)
    models = list(dict.fromkeys((p["task"].dataset, p["task"].model) for p in projected))
    rows = [["dataset", "model", "folds", "epochs (max, patience)", "train win/s", "projected (low - high)", "timed on"]]
    total_low = total_high = 0.0
    for dataset, model in models:
        mine = [p for p in projected if (p["task"].dataset, p["task"].model) == (dataset, model)]
        low, high = sum(p["low"] for p in mine), sum(p["high"] for p in mine)
        total_low, total_high = total_low + low, total_high + high
        b, r = mine[0]["bounds"], mine[0]["rates"]
        epochs = f"{b['max_epochs']}, {b['patience']}" if b else "- (one fit)"
        span = format_hours(low) if low == high else f"{format_hours(low)} - {format_hours(high)}"
        speed = r.train_windows_per_s
        rows.append([dataset, model, str(len(mine)), epochs, f"{speed:,.0f}" if speed >= 10 else f"{speed:,.2f}",
                     span, r.note])
    for line in table_lines(rows, right={2, 3, 4, 5}):
        print(line)
    workers = "the cluster's workers" if scheduler else f"{jobs} job(s)"
    share = 1 if scheduler else max(1, jobs)
    print(f"total: {format_hours(total_low)} - {format_hours(total_high)} of compute; wall time with {workers}: "
          f"about {format_hours(total_low / share)} - {format_hours(total_high / share)}")
    print("low: early stopping's best epoch is the first (selection stops after 1 + patience epochs, the refit trains "
          "1); high: every epoch bound is used. Nothing was trained; run without --estimate to start.")
    if total_low / share > IMPRACTICAL_SECONDS:
        slow = max(models, key=lambda m: sum(p["low"] for p in projected if (p["task"].dataset, p["task"].model) == m))
        advice = ["--device cuda (a GPU)" if not str(task0.device).startswith("cuda") else "more GPUs (--jobs)",
                  "--preset smoke (compact models, few epochs)", "more workers (--jobs N, or --scheduler for a Dask "
                  "cluster)", f"fewer models or protocols (the slowest: {slow[1]} on {slow[0]})"]
        print(f"not practical: even the low end is {format_hours(total_low / share)} of wall time (more than a week) "
              f"on {task0.device}; to make it feasible: " + "; ".join(advice) + ".")
    return projected
