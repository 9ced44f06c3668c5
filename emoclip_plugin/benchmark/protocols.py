"""Evaluation protocols for SEED / SEED-IV: folds, few-shot calibration, and the leakage guard.

A :class:`Fold` holds row positions into one dataset's ``info`` table (one row per window). Cross-subject folds come
from TorchEEG's own splitters (``Subcategory`` on ``session_id``, ``LeaveOneSubjectOut``), whose split CSVs are written
under a ``split_path`` keyed like the data caches and built crash-safely. The splits TorchEEG lacks are ours, in the
same spirit: cross-time pairs per subject, few-shot calibration from the test subject/session, and the groups that the
estimators' inner validation split holds out.

Protocols
---------
* ``cross-subject``, ``per-session``: for each session, leave one subject out (SEED/SEED-IV: 15 x 3 = 45 folds, the
  paper's protocol); ``pooled``: leave one subject out with all sessions together (15 folds).
* ``cross-time``: per subject, train on one session and test on a later one: pairs 1->2, 1->3, 2->3 (45 folds).
* ``within-subject`` (subject-dependent): per subject and session, the standard split of the SEED literature — the
  first 9 trials train and the last 6 test (SEED-IV: first 16 / last 8): 45 folds; the inner validation split holds
  out whole training trials.
* ``cross-dataset`` (zero-shot across datasets): a model trained on every window of one dataset (SEED or SEED-IV)
  is tested on every subject and session of the other; one test group per target subject and session (SEED-IV 45,
  SEED 45). EmotionCLIP names the target's own classes through their text prompts; every model is also scored on the
  classes both datasets share, through :data:`SHARED_CLASSES` (neutral -> neutral, happy -> positive, sad and fear ->
  negative). Nothing of the target dataset is seen in training, validation or normalisation.
* ``shots=K`` (the within-dataset protocols): K labelled 2-s reference windows per class of the test subject/session
  move from the test set into training — the same trials and seconds for every input kind. ``calibration="trials"`` (strict) takes them from whole trials that then contribute no test
  window; ``calibration="windows"`` (the paper) draws random windows, so calibration and test windows can share a
  trial.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..data.cache import cached_build

CROSS_TIME_PAIRS: tuple[tuple[int, int], ...] = ((1, 2), (1, 3), (2, 3))
PROTOCOLS = ("cross-subject", "cross-time", "within-subject", "cross-dataset")
#: Training trials per session in the within-subject protocol (the rest test): SEED 9 of 15, SEED-IV 16 of 24.
WITHIN_SUBJECT_TRAIN_TRIALS = {"seed": 9, "seed-iv": 16}
CROSS_SUBJECT_MODES = ("per-session", "pooled")
CALIBRATION_MODES = ("trials", "windows")
#: Cross-dataset protocol: each SEED-IV class -> the SEED class it counts as on the classes both datasets share.
SHARED_CLASSES = {"neutral": "neutral", "happy": "positive", "sad": "negative", "fear": "negative"}
#: The label space of the shared-class scores (SEED's three classes).
SHARED_CLASS_NAMES = ("negative", "neutral", "positive")
#: Train -> test dataset pairs of the cross-dataset protocol.
CROSS_DATASET_PAIRS: tuple[tuple[str, str], ...] = (("seed", "seed-iv"), ("seed-iv", "seed"))


class LeakageError(AssertionError):
    """A fold lets test data into training, validation or normalisation statistics."""


@dataclass(frozen=True)
class Fold:
    """One train/test split as row positions into a dataset's ``info`` (``[n_windows]`` rows).

    ``calibration`` rows come from the test subject/session and are trained on (few-shot); ``groups`` names the column
    whose values the inner validation split holds out whole (``"subject_id"`` or ``"trial"``).
    """

    protocol: str
    name: str
    test_subject: int
    test_session: int | None
    train_session: int | None
    train: np.ndarray = field(repr=False)
    test: np.ndarray = field(repr=False)
    calibration: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=np.int64))
    groups: str = "subject_id"

    @property
    def fit_rows(self) -> np.ndarray:
        """Rows the model is fitted on (training + calibration), ``[n_fit]``."""
        return np.concatenate([self.train, self.calibration])


def trial_keys(info: pd.DataFrame) -> np.ndarray:
    """One key per window naming its trial across the dataset: ``"subject/session/trial"``."""
    return (info["subject_id"].astype(str) + "/" + info["session_id"].astype(str) + "/"
            + info["trial_id"].astype(str)).to_numpy()


def fit_groups(fold: Fold, info: pd.DataFrame) -> np.ndarray:
    """Group labels of ``fold.fit_rows`` for the inner validation split (subjects, or trials in cross-time)."""
    rows = fold.fit_rows
    if fold.groups == "trial":
        return trial_keys(info.iloc[rows])
    return info[fold.groups].to_numpy()[rows]


def _positions(info: pd.DataFrame, sub_info: pd.DataFrame) -> np.ndarray:
    lookup = pd.Series(np.arange(len(info)), index=info["clip_id"].astype(str).to_numpy())
    return np.sort(lookup.loc[sub_info["clip_id"].astype(str).to_numpy()].to_numpy().astype(np.int64))


def cross_subject_folds(dataset, mode: str = "per-session", split_dir: str | Path | None = None,
                        split_key: str | None = None) -> list[Fold]:
    """Leave-one-subject-out folds through TorchEEG's splitters.

    ``mode="per-session"``: ``Subcategory(criteria="session_id")`` then ``LeaveOneSubjectOut`` within each session;
    ``"pooled"``: ``LeaveOneSubjectOut`` on all sessions. The split CSVs live in ``split_dir/split-<key>`` (``key``
    defaults to the dataset's cache key plus the mode) and are built in a temporary folder first, so an interrupted run
    never leaves a partial split that TorchEEG would reuse.
    """
    from torcheeg.model_selection import LeaveOneSubjectOut, Subcategory
    if mode not in CROSS_SUBJECT_MODES:
        raise ValueError(f"cross-subject mode {mode!r}; expected one of {CROSS_SUBJECT_MODES}")
    info = dataset.info.reset_index(drop=True)
    if info["subject_id"].nunique() < 2:
        raise ValueError("cross-subject needs at least 2 subjects; the dataset has "
                         f"{info['subject_id'].nunique()}")
    key = f"{split_key or getattr(dataset, 'cache_key', 'nokey')}-{mode}"

    def build(path: str) -> list[Fold]:
        quiet = logging.getLogger("torcheeg")
        level = quiet.level
        quiet.setLevel(logging.WARNING)
        try:
            folds = []
            if mode == "pooled":
                parts = [(None, dataset)]
            else:
                parts = [(int(sub.info["session_id"].iloc[0]), sub)
                         for sub in Subcategory(criteria="session_id", split_path=f"{path}/sessions").split(dataset)]
            for session, part in parts:
                loso = LeaveOneSubjectOut(split_path=f"{path}/loso-{session or 'all'}")
                for train_ds, test_ds in loso.split(part):
                    subject = int(test_ds.info["subject_id"].iloc[0])
                    name = f"s{subject:02d}" + (f"-session{session}" if session is not None else "")
                    folds.append(Fold("cross-subject", name, subject, session, session,
                                      _positions(info, train_ds.info), _positions(info, test_ds.info)))
            return sorted(folds, key=lambda f: (f.test_session or 0, f.test_subject))
        finally:
            quiet.setLevel(level)

    if split_dir is None:
        import tempfile
        return build(tempfile.mkdtemp(prefix="emoclip-split-") + "/split")
    return cached_build(split_dir, "split", key, build, meta={"mode": mode})


def cross_time_folds(info: pd.DataFrame, pairs: Sequence[tuple[int, int]] = CROSS_TIME_PAIRS) -> list[Fold]:
    """Per subject: train on session ``a``, test on session ``b`` for each pair ``(a, b)`` (the paper's 1->2, 1->3,
    2->3). The inner validation split holds out whole training trials."""
    info = info.reset_index(drop=True)
    folds = []
    sessions = set(info["session_id"].unique().tolist())
    for a, b in pairs:
        if a not in sessions or b not in sessions:
            raise ValueError(f"cross-time pair {a}->{b}: the data has sessions {sorted(sessions)}")
    for subject in sorted(info["subject_id"].unique().tolist()):
        mine = info["subject_id"].to_numpy() == subject
        for a, b in pairs:
            train = np.flatnonzero(mine & (info["session_id"].to_numpy() == a))
            test = np.flatnonzero(mine & (info["session_id"].to_numpy() == b))
            if len(train) and len(test):
                folds.append(Fold("cross-time", f"s{int(subject):02d}-{a}to{b}", int(subject), b, a, train, test,
                                  groups="trial"))
    return folds


def within_subject_folds(info: pd.DataFrame, train_trials: int) -> list[Fold]:
    """Per subject and session: trials ``1..train_trials`` train, the later trials test (SEED: 9 / 6, SEED-IV: 16 / 8,
    :data:`WITHIN_SUBJECT_TRAIN_TRIALS`). The inner validation split holds out whole training trials."""
    info = info.reset_index(drop=True)
    subjects, sessions = info["subject_id"].to_numpy(), info["session_id"].to_numpy()
    trials = info["trial_id"].to_numpy().astype(int)
    folds = []
    for subject in sorted(np.unique(subjects).tolist()):
        for session in sorted(np.unique(sessions[subjects == subject]).tolist()):
            mine = (subjects == subject) & (sessions == session)
            n_trials = int(trials[mine].max())
            if n_trials <= train_trials:
                raise ValueError(f"within-subject: subject {subject} session {session} has {n_trials} trials; the "
                                 f"split trains on the first {train_trials} and needs later trials to test")
            train = np.flatnonzero(mine & (trials <= train_trials))
            test = np.flatnonzero(mine & (trials > train_trials))
            folds.append(Fold("within-subject", f"s{int(subject):02d}-session{int(session)}", int(subject),
                              int(session), int(session), train, test, groups="trial"))
    return folds


def shared_labels(labels: np.ndarray, class_names: Sequence[str]) -> np.ndarray:
    """Labels ``0..C-1`` of a dataset with ``class_names`` as positions in :data:`SHARED_CLASS_NAMES` ``[n]``.

    SEED's names map to themselves; SEED-IV's through :data:`SHARED_CLASSES`. Raises ``ValueError`` for a class name
    that neither dataset has."""
    index = {name: i for i, name in enumerate(SHARED_CLASS_NAMES)}
    try:
        table = np.array([index[SHARED_CLASSES.get(str(c), str(c))] for c in class_names], dtype=np.int64)
    except KeyError as err:
        raise ValueError(f"class {err.args[0]!r} has no shared class; known: {sorted(set(SHARED_CLASSES) | set(index))}"
                         ) from None
    return table[np.asarray(labels, dtype=np.int64)]


def cross_dataset_fold(source: str, source_info: pd.DataFrame, target: str, target_info: pd.DataFrame) -> Fold:
    """The cross-dataset fold ``source -> target``: every ``source`` window trains (``train``: positions in
    ``source_info``), every ``target`` window tests (``test``: positions in ``target_info``); the inner validation
    split holds out whole source subjects. Results are reported per target subject and session."""
    if source == target:
        raise ValueError(f"cross-dataset needs two different datasets, got {source!r} twice")
    return Fold("cross-dataset", f"{source}-to-{target}", 0, None, None, np.arange(len(source_info), dtype=np.int64),
                np.arange(len(target_info), dtype=np.int64))


def check_cross_dataset(fold: Fold, source_root, target_root, source_info: pd.DataFrame,
                        target_info: pd.DataFrame) -> None:
    """Leakage guard of a cross-dataset fold: the two datasets come from different folders (neither inside the
    other, so no recording is both a training and a test recording), training rows are source rows only and test rows
    cover the target. Raises :class:`LeakageError`."""
    a, b = Path(source_root).resolve(), Path(target_root).resolve()
    if a == b or a in b.parents or b in a.parents:
        raise LeakageError(f"fold {fold.name}: the training folder {a} and the test folder {b} overlap; cross-dataset "
                           "needs two separate datasets")
    if len(fold.train) != len(source_info) or len(fold.calibration):
        raise LeakageError(f"fold {fold.name}: cross-dataset trains on the whole source dataset and nothing else")
    if len(fold.test) != len(target_info) or np.asarray(fold.test).max(initial=-1) >= len(target_info):
        raise LeakageError(f"fold {fold.name}: the test rows are not the target dataset's windows")


#: Sampling rate of SEED / SEED-IV (Hz): ``info``'s ``start_at`` / ``end_at`` are samples from the trial start.
SFREQ = 200
#: The calibration unit: ``shots=K`` means K windows of this many seconds per class (the paper's 2-s window).
SHOT_SECONDS = 2.0


def window_seconds_of(info: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (s from the trial start) of every window ``[n]`` (``start_at`` / ``end_at`` at 200 Hz)."""
    return (info["start_at"].to_numpy(float) / SFREQ, info["end_at"].to_numpy(float) / SFREQ)


def calibration_seconds(info: pd.DataFrame, rows: np.ndarray) -> float:
    """Seconds of EEG the windows ``rows`` cover (the calibration seconds a results row records)."""
    if len(rows) == 0:
        return 0.0
    start, end = window_seconds_of(info.iloc[np.asarray(rows, dtype=np.int64)])
    return float((end - start).sum())


def add_calibration(fold: Fold, info: pd.DataFrame, labels: np.ndarray, shots: int, mode: str = "trials",
                    seed: int = 0, start_seconds: float = 0.0, shot_seconds: float = SHOT_SECONDS) -> Fold:
    """Move ``shots`` labelled *reference windows* of ``shot_seconds`` (2 s, the paper's unit) per class of the test
    set into training — the same trials and the same seconds of the test subject whatever the input kind.

    Time is measured from each trial's start, and calibration seconds begin at ``start_seconds`` (the benchmark
    passes the EmotionCLIP trial baseline, 5 s, so every kind's calibration starts after it); a trial offers
    ``floor((end - start_seconds) / shot_seconds)`` reference windows, ``end`` being its last window's end. The choice
    depends only on the seed, the fold, the trial keys, their labels and these times, never on the window length, so
    a 1-s DE model, the 2-s EmotionCLIP grids and 4-s SEED-IV windows calibrate on the same seconds; each model then
    takes its own windows that lie inside them (mode ``"trials"``) or whose centre does (``"windows"``).

    ``mode="trials"``: whole test trials of each class, visited in a seeded random order, give their first seconds
    until ``shots * shot_seconds`` are collected; every window of a chosen trial leaves the test set.
    ``mode="windows"``: ``shots`` random reference windows per class (the paper's draw), so calibration and test
    windows share trials. Raises ``ValueError`` when a class has too few test seconds (or, in trial mode, would leave
    no test trial).
    """
    if shots == 0:
        return fold
    if shots < 0:
        raise ValueError(f"shots={shots}; expected >= 0")
    if mode not in CALIBRATION_MODES:
        raise ValueError(f"calibration={mode!r}; expected one of {CALIBRATION_MODES}")
    rng = np.random.default_rng([seed, fold.test_subject, fold.test_session or 0, shots])
    test = np.asarray(fold.test)
    y = np.asarray(labels)[test]
    keys = trial_keys(info.iloc[test])
    start, end = window_seconds_of(info.iloc[test])
    take, drop = [], []
    for c in np.unique(y):
        trials = np.unique(keys[y == c])  # sorted: the same order for every input kind
        offered = {t: int(np.floor((end[keys == t].max() - start_seconds) / shot_seconds + 1e-9)) for t in trials}
        total = sum(max(n, 0) for n in offered.values())
        if mode == "windows":
            slots = [(t, k) for t in trials for k in range(max(offered[t], 0))]
            if total <= shots:
                raise ValueError(f"fold {fold.name}: class {c} has {total} test windows of {shot_seconds:g} s, not more "
                                 f"than shots={shots}")
            chosen = [slots[i] for i in np.sort(rng.choice(len(slots), shots, replace=False))]
            centre = (start + end) / 2
            mask = np.zeros(len(test), dtype=bool)
            for t, k in chosen:
                lo = start_seconds + k * shot_seconds
                mask |= (keys == t) & (centre >= lo) & (centre < lo + shot_seconds)
            take.append(test[mask])
            continue
        got, n_got = [], 0
        for t in rng.permutation(trials):
            n = min(shots - n_got, max(offered[t], 0))
            if n > 0:
                hi = start_seconds + n * shot_seconds
                got.append(test[(keys == t) & (start >= start_seconds - 1e-9) & (end <= hi + 1e-9)])
                n_got += n
            drop.append(test[keys == t])
            if n_got >= shots:
                break
        used = np.unique(np.concatenate(drop))
        if n_got < shots or np.isin(test[y == c], used).all():
            raise ValueError(f"fold {fold.name}: class {c} has {len(trials)} test trial(s) with {total} windows of "
                             f"{shot_seconds:g} s after {start_seconds:g} s; shots={shots} from whole trials would leave "
                             "no test trial of that class")
        take.append(np.concatenate(got) if got else np.zeros(0, np.int64))
    chosen_rows = np.sort(np.concatenate(take)).astype(np.int64)
    if mode == "windows":
        return replace(fold, test=np.setdiff1d(test, chosen_rows), calibration=chosen_rows)
    return replace(fold, test=np.setdiff1d(test, np.concatenate(drop)), calibration=chosen_rows)


def reference_windows(trials: pd.DataFrame, start_seconds: float = 0.0,
                      shot_seconds: float = SHOT_SECONDS) -> pd.DataFrame:
    """An ``info``-like table of the reference windows a folder's trials offer, from their lengths alone.

    ``trials``: one row per trial (``subject_id``, ``session_id``, ``trial_id``, ``seconds``, ``label``: what
    :meth:`~emoclip_plugin.data.folders.FolderScan.trials` reads from the file headers). Each trial gets consecutive
    ``shot_seconds`` windows from ``start_seconds`` to its end (``start_at`` / ``end_at`` in samples at 200 Hz), the
    most any input kind's windows can reach, so that the folds and few-shot calibration can be checked before a
    feature is computed; a trial shorter than one window keeps one row that ends at the trial's end."""
    rows = []
    for t in trials.itertuples(index=False):
        n = max(int(np.floor((float(t.seconds) - start_seconds) / shot_seconds + 1e-9)), 0)
        starts = start_seconds + shot_seconds * np.arange(n) if n else np.array([0.0])
        ends = starts + shot_seconds if n else np.array([float(t.seconds)])
        for a, b in zip(starts, ends):
            rows.append((int(t.subject_id), int(t.session_id), int(t.trial_id), int(t.label),
                         int(round(a * SFREQ)), int(round(b * SFREQ))))
    info = pd.DataFrame(rows, columns=["subject_id", "session_id", "trial_id", "label", "start_at", "end_at"])
    info["clip_id"] = [f"ref_{i}" for i in range(len(info))]
    return info


def layout_folds(info: pd.DataFrame, protocol: str, cross_subject: str = "per-session",
                 train_trials: int | None = None) -> list[Fold]:
    """The folds of ``protocol`` on an ``info`` table, without TorchEEG (the same rows as its splitters give:
    leave one subject out per session or pooled); used to check options on :func:`reference_windows`."""
    info = info.reset_index(drop=True)
    if protocol == "cross-time":
        return cross_time_folds(info)
    if protocol == "within-subject":
        return within_subject_folds(info, train_trials)
    if protocol != "cross-subject":
        raise ValueError(f"protocol {protocol!r}; expected one of cross-subject, cross-time, within-subject")
    if cross_subject not in CROSS_SUBJECT_MODES:
        raise ValueError(f"cross-subject mode {cross_subject!r}; expected one of {CROSS_SUBJECT_MODES}")
    subjects, sessions = info["subject_id"].to_numpy(), info["session_id"].to_numpy()
    if len(np.unique(subjects)) < 2:
        raise ValueError(f"cross-subject needs at least 2 subjects; the dataset has {len(np.unique(subjects))}")
    parts = [None] if cross_subject == "pooled" else sorted(np.unique(sessions).tolist())
    folds = []
    for session in parts:
        part = np.ones(len(info), bool) if session is None else sessions == session
        for subject in sorted(np.unique(subjects[part]).tolist()):
            name = f"s{int(subject):02d}" + (f"-session{int(session)}" if session is not None else "")
            folds.append(Fold("cross-subject", name, int(subject), session, session,
                              np.flatnonzero(part & (subjects != subject)), np.flatnonzero(part & (subjects == subject))))
    return folds


def check_layout(trials: pd.DataFrame, protocol: str, cross_subject: str = "per-session", shots: int = 0,
                 calibration: str = "trials", seeds: Sequence[int] = (0,), start_seconds: float = 0.0,
                 train_trials: int | None = None) -> None:
    """Raise the ``ValueError`` that building ``protocol``'s folds (and their ``shots`` calibration for every seed)
    would raise on this folder, from its trial table alone (before any feature is computed).

    The check runs the protocol's own fold and calibration code on :func:`reference_windows`, whose windows reach
    each trial's end; an error here is certain for every input kind, and the exact check runs again on each kind's
    windows when the tasks are built."""
    info = reference_windows(trials, start_seconds)
    for fold in layout_folds(info, protocol, cross_subject, train_trials):
        for seed in seeds if shots else ():
            add_calibration(fold, info, info["label"].to_numpy(), shots, calibration, seed,
                            start_seconds=start_seconds)


def check_no_leakage(fold: Fold, info: pd.DataFrame, valid_rows: np.ndarray | None = None,
                     strict: bool = True, groups: np.ndarray | None = None) -> None:
    """Assert that the fold keeps test data out of training and validation.

    ``info``: the dataset's rows (``clip_id``, ``subject_id``, ``session_id``, ``trial_id``); ``valid_rows``: the
    positions (into ``info``) of the estimator's inner validation rows; ``groups``: the group labels of
    ``fold.fit_rows`` that the inner split was given. Checked:

    * no test window is a training, calibration or validation window (window identity: ``clip_id``);
    * in ``cross-subject`` no training or validation window comes from the test subject (any session) except its
      declared calibration windows; in ``cross-time`` none comes from the test session; in ``within-subject``
      training and test windows never share a trial, and training stays in the test subject's session;
    * with ``strict`` few-shot, no calibration window shares a trial with a test window;
    * the validation rows are training rows, never calibration rows, and hold out whole groups of ``groups`` (no
      group has rows on both sides of the inner split).

    Normalisation statistics are fitted inside the estimators on the rows they are given, so checking the fitted rows
    covers them. Raises :class:`LeakageError` naming the fold and what leaked.
    """
    clip = info["clip_id"].astype(str).to_numpy()
    valid = np.zeros(0, np.int64) if valid_rows is None else np.asarray(valid_rows, dtype=np.int64)
    train, calibration, test = (np.asarray(r, dtype=np.int64) for r in (fold.train, fold.calibration, fold.test))
    test_ids = set(clip[test])
    for what, rows in (("training", train), ("calibration", calibration), ("validation", valid)):
        shared = test_ids.intersection(clip[rows])
        if shared:
            raise LeakageError(f"fold {fold.name}: {len(shared)} test window(s) are also {what} windows, e.g. "
                               f"{sorted(shared)[:3]}")
    if len(valid):
        in_calibration = np.isin(valid, calibration)
        if in_calibration.any():
            raise LeakageError(f"fold {fold.name}: {int(in_calibration.sum())} calibration window(s) are validation "
                               "windows; early stopping must select on training subjects, trials or sessions only")
        outside = ~np.isin(valid, train)
        if outside.any():
            raise LeakageError(f"fold {fold.name}: {int(outside.sum())} validation row(s) are not training rows")
    subjects = info["subject_id"].to_numpy()
    sessions = info["session_id"].to_numpy()
    for what, rows in (("validation", valid), ("training", train)):
        if fold.protocol == "cross-subject":
            bad = subjects[rows] == fold.test_subject
            if bad.any():
                where = sorted(set(sessions[rows][bad].tolist()))
                raise LeakageError(f"fold {fold.name}: {int(bad.sum())} {what} window(s) come from test subject "
                                   f"{fold.test_subject} (session(s) {where}); only declared calibration windows may")
        elif fold.protocol == "cross-time":
            bad = (subjects[rows] == fold.test_subject) & (sessions[rows] == fold.test_session)
            if bad.any():
                raise LeakageError(f"fold {fold.name}: {int(bad.sum())} {what} window(s) come from the test session "
                                   f"{fold.test_session}")
    if fold.protocol == "within-subject":
        keys = trial_keys(info)
        shared = set(keys[train]).intersection(keys[test])
        if shared:
            raise LeakageError(f"fold {fold.name}: training and test windows share trial(s) {sorted(shared)[:3]} "
                               "(within-subject splits whole trials)")
        other = (subjects[train] != fold.test_subject) | (sessions[train] != fold.test_session)
        if other.any():
            raise LeakageError(f"fold {fold.name}: {int(other.sum())} training window(s) come from another subject or "
                               "session (within-subject trains on the test subject's own session)")
    if strict and len(calibration):
        keys = trial_keys(info)
        shared = set(keys[calibration]).intersection(keys[test])
        if shared:
            raise LeakageError(f"fold {fold.name}: calibration and test windows share trial(s) {sorted(shared)[:3]} "
                               "(strict few-shot takes calibration windows from whole trials)")
    if groups is not None:
        groups = np.asarray(groups)
        fit = fold.fit_rows
        if len(groups) != len(fit):
            raise LeakageError(f"fold {fold.name}: the inner split got {len(groups)} group labels for {len(fit)} "
                               "training rows")
        if len(valid):
            in_valid = np.isin(fit, valid)
            split = set(groups[in_valid].tolist()).intersection(groups[~in_valid & ~np.isin(fit, calibration)].tolist())
            if split:
                raise LeakageError(f"fold {fold.name}: the inner validation split cuts group(s) {sorted(split)[:3]}: "
                                   "their rows are in both training and validation (it must hold out whole groups)")


__all__ = ["Fold", "LeakageError", "cross_subject_folds", "cross_time_folds", "within_subject_folds",
           "add_calibration", "check_no_leakage", "fit_groups", "trial_keys", "PROTOCOLS", "SHARED_CLASSES",
           "SHARED_CLASS_NAMES", "CROSS_DATASET_PAIRS", "shared_labels", "cross_dataset_fold", "check_cross_dataset",
           "WITHIN_SUBJECT_TRAIN_TRIALS", "CROSS_SUBJECT_MODES", "CALIBRATION_MODES", "CROSS_TIME_PAIRS",
           "SHOT_SECONDS", "calibration_seconds"]
