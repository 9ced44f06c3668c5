"""MOABB evaluations on SEED / SEED-IV with folds that never split a trial.

MOABB's ``WithinSessionEvaluation`` defaults to a window-shuffled ``StratifiedKFold``: neighbouring windows of one film
clip land in train and test, and accuracy is inflated. Here within-session folds are made of whole trials (MOABB's
``run``, see :mod:`.datasets`):

* ``split="standard"`` — SEED's standard subject-dependent split (:class:`TrialSplit`): the first 9 trials of each
  session train, the last 6 test (SEED-IV: first 16 / last 8); one fold per subject and session, as in
  ``run_all.py --protocol within-subject``;
* ``split="trials"`` — ``GroupKFold`` over trials (``n_folds`` folds).

Cross-session (leave one session out, per subject) and cross-subject (leave one subject out; MOABB >= 1.6's target
calibration through ``cs_mode``) are MOABB's own; their folds already keep trials whole.
"""
from __future__ import annotations

import re

import numpy as np
from moabb.evaluations import CrossSessionEvaluation, CrossSubjectEvaluation, WithinSessionEvaluation
from sklearn.model_selection import BaseCrossValidator, GroupKFold
from sklearn.model_selection._split import GroupsConsumerMixin

#: Evaluation names accepted by :func:`make_evaluation` (and ``run_moabb.py --evaluation``).
EVALUATIONS = ("within-session", "cross-session", "cross-subject")
#: Trials per session -> trials that train in the standard split (SEED 15 -> 9, SEED-IV 24 -> 16).
STANDARD_TRAIN_TRIALS = {15: 9, 24: 16}


def _trial_index(group) -> int:
    match = re.match(r"\d+", str(group))
    if match is None:
        raise ValueError(f"group {group!r} is not a trial index (MOABB run names start with the trial number)")
    return int(match.group())


class TrialSplit(GroupsConsumerMixin, BaseCrossValidator):
    """One split of a session by trial order: the first ``n_train`` trials train, the rest test.

    Parameters
    ----------
    n_train : int, optional
        Training trials. Default: SEED's standard split for the session's trial count (15 -> 9, 24 -> 16).

    ``split(X, y, groups)`` needs ``groups``: each window's trial (MOABB's ``run`` column).
    """

    def __init__(self, n_train: int | None = None):
        self.n_train = n_train

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return 1

    def _iter_test_indices(self, X=None, y=None, groups=None):
        if groups is None:
            raise ValueError("TrialSplit needs groups: each window's trial (pass groups='run' to the evaluation)")
        trials = np.array([_trial_index(g) for g in np.asarray(groups)])
        order = np.unique(trials)
        n_train = self.n_train
        if n_train is None:
            if len(order) not in STANDARD_TRAIN_TRIALS:
                raise ValueError(f"{len(order)} trials in a session: the standard split knows "
                                 f"{sorted(STANDARD_TRAIN_TRIALS)} (SEED, SEED-IV); pass n_train=")
            n_train = STANDARD_TRAIN_TRIALS[len(order)]
        if not 0 < n_train < len(order):
            raise ValueError(f"n_train={n_train}: expected between 1 and {len(order) - 1} for {len(order)} trials")
        yield np.flatnonzero(np.isin(trials, order[n_train:]))


def make_evaluation(kind: str, paradigm, datasets: list, *, split: str = "standard", n_folds: int = 5,
                    cs_mode=None, **kwargs):
    """A MOABB evaluation over SEED / SEED-IV datasets with trial-safe folds.

    Parameters
    ----------
    kind : {"within-session", "cross-session", "cross-subject"}
    paradigm : :class:`~emoclip_plugin.moabb.EmotionParadigm`
    datasets : list of :class:`~emoclip_plugin.moabb.SEED` / ``SEEDIV``
    split : {"standard", "trials"}
        Within-session folds: SEED's standard split (:class:`TrialSplit`) or ``GroupKFold`` over trials.
    n_folds : int
        Folds for ``split="trials"``.
    cs_mode : str or ``moabb.evaluations.CrossSubjectMode``, optional
        Cross-subject target calibration (e.g. ``"train_and_target_labeled_20p"``: the first 20 % of each target
        session's windows, in recording order, are given with labels to ``fit`` as ``X_target_labeled`` /
        ``y_target_labeled`` and not scored; see :class:`~emoclip_plugin.moabb.calibration.WithTargetCalibration`).
    **kwargs
        Passed to the MOABB evaluation (``overwrite``, ``hdf5_path``, ``random_state``, ``n_jobs`` ...).
    """
    if kind not in EVALUATIONS:
        raise ValueError(f"evaluation {kind!r}: choose from {', '.join(EVALUATIONS)}")
    if kind == "within-session":
        if split == "standard":
            return WithinSessionEvaluation(paradigm=paradigm, datasets=datasets, cv_class=TrialSplit,
                                           groups="run", **kwargs)
        if split == "trials":
            return WithinSessionEvaluation(paradigm=paradigm, datasets=datasets, cv_class=GroupKFold,
                                           cv_kwargs={"n_splits": n_folds}, groups="run", **kwargs)
        raise ValueError(f"split={split!r}: choose 'standard' (first trials train, last test) or 'trials' "
                         f"(GroupKFold over trials)")
    if cs_mode is not None and kind != "cross-subject":
        raise ValueError(f"cs_mode={cs_mode!r} is a cross-subject option; {kind} has no target calibration")
    if kind == "cross-session":
        return CrossSessionEvaluation(paradigm=paradigm, datasets=datasets, **kwargs)
    return CrossSubjectEvaluation(paradigm=paradigm, datasets=datasets,
                                  **({} if cs_mode is None else {"cs_mode": cs_mode}), **kwargs)
