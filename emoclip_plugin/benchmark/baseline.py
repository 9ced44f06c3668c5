"""``--baseline-seconds auto``: per fold, whether the frame grids subtract each trial's baseline, chosen on the
training subjects only.

The paper's grids subtract the mean of each trial's first 5 s from the rest of the trial. Where the class effect is
present from a trial's start, that subtraction removes it; where it grows during the trial, it removes the subject's
and session's offsets. Which case holds is not known in advance on real data. ``auto`` builds both variants of the
grids with the **same windows** (the first 5 s are dropped either way; ``subtract`` also subtracts their mean,
``drop`` does not), then, per fold, fits the grid probe (``frames_logreg``) on the fold's training subjects minus a
held-out share of them (``validation``, whole subjects, as the neural models' early stopping holds them out) and
scores it on the held-out ones. The variant with the higher held-out accuracy is used for every grid model of that
fold (ties: ``subtract``, the paper's). The test subject's windows take no part; the choice and both held-out
accuracies are recorded in each row (``baseline_choice``, ``baseline_scores``).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

#: the two variants, the paper's first (it wins ties)
CHOICES = ("subtract", "drop")

#: at most this many inner-training windows fit the probe (spread over the subjects): a choice, not a result
MAX_PROBE_ROWS = 20_000


def probe_split(train_rows: np.ndarray, groups: np.ndarray, validation: float,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``train_rows`` (row indices ``[n]``) with their ``groups`` (subjects ``[n]``) split into inner-training and
    held-out rows by whole groups (``validation`` of them, at least one)."""
    from sklearn.model_selection import GroupShuffleSplit
    if len(np.unique(groups)) < 2:
        raise ValueError(f"--baseline-seconds auto needs at least 2 training groups (subjects; trials in "
                         f"cross-time) to hold one out, got {len(np.unique(groups))}")
    split = GroupShuffleSplit(1, test_size=max(validation, 1e-9), random_state=seed)
    inner, held = next(split.split(train_rows, groups=groups))
    return train_rows[inner], train_rows[held]


def choose_baseline(variants: dict[str, str | os.PathLike], train_rows: np.ndarray, groups: np.ndarray,
                    y: np.ndarray, validation: float = 0.2, seed: int = 0) -> tuple[str, dict[str, float]]:
    """The variant (``"subtract"`` or ``"drop"``) whose grids the probe reads better on held-out training subjects.

    ``variants``: variant -> array folder (``X.npy`` ``[n, ...]``, the same rows in both); ``train_rows``: the fold's
    training rows (never its test or calibration rows); ``groups``: their subjects; ``y``: every row's label
    ``[n]``. Returns ``(choice, {variant: held-out accuracy})``."""
    from ..estimators.catalog import resolve_model
    inner, held = probe_split(np.asarray(train_rows), np.asarray(groups), validation, seed)
    if len(inner) > MAX_PROBE_ROWS:
        inner = np.sort(np.random.default_rng(seed).choice(inner, MAX_PROBE_ROWS, replace=False))
    spec = resolve_model("frames_logreg")
    scores = {}
    for choice in CHOICES:
        X = np.load(Path(variants[choice]) / "X.npy", mmap_mode="r")
        probe = spec.build()
        probe.fit(np.ascontiguousarray(spec.transform(X[inner])), y[inner])
        scores[choice] = float((probe.predict(np.ascontiguousarray(spec.transform(X[held]))) == y[held]).mean())
    best = max(CHOICES, key=lambda c: (scores[c], c == CHOICES[0]))
    return best, scores


def scores_text(scores: dict[str, float]) -> str:
    """``{"subtract": 0.41, "drop": 0.83}`` as the results column stores it (JSON, 4 decimals)."""
    return json.dumps({k: round(v, 4) for k, v in scores.items()}, sort_keys=True)


__all__ = ["CHOICES", "MAX_PROBE_ROWS", "choose_baseline", "probe_split", "scores_text"]
