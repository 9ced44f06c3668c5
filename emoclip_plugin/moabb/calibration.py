"""MOABB's cross-subject target calibration (>= 1.6) for any of our pipelines.

With ``CrossSubjectEvaluation(cs_mode="train_and_target_labeled_20p")`` (or ``..._50p``) MOABB holds out the first
20 % (50 %) of each target session's windows, in recording order, and offers them to ``fit`` as ``X_target_labeled`` /
``y_target_labeled`` (raw windows, before any pipeline step), together with ``subjects`` (the training windows'
subjects). :class:`WithTargetCalibration` takes them: the wrapped pipeline is trained on the source subjects' windows
plus the labelled target windows (the paper's few-shot calibration, labelled target data added to training), with
inner validation grouped by subject when the final step's ``fit`` takes ``groups``; the calibration windows always
train (``always_train``) and never form or join the validation group. Unlabelled target data is not
used. MOABB's calibration slice follows window order, so the trial it ends in can be split between calibration and
test.
"""
from __future__ import annotations

import inspect

import numpy as np
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

#: The group label of the target subject's calibration windows in the inner validation split.
TARGET_GROUP = -1


def _takes(estimator, name: str) -> bool:
    """Whether the final step's ``fit`` takes the parameter ``name``."""
    last = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    return name in inspect.signature(last.fit).parameters


def _fit_param(estimator, name: str) -> str:
    return f"{estimator.steps[-1][0]}__{name}" if isinstance(estimator, Pipeline) else name


class WithTargetCalibration(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit ``estimator`` on the training windows plus MOABB's labelled target-calibration windows.

    Parameters
    ----------
    estimator : scikit-learn classifier or pipeline
        Fitted (a clone) on ``X`` (+ ``X_target_labeled``); ``predict`` / ``predict_proba`` are delegated to it.

    Attributes
    ----------
    estimator_ : the fitted clone.
    classes_ : ndarray
    n_calibration_ : int
        Labelled target windows added to training in the last ``fit`` (0 outside MOABB's calibration modes).
    """

    # MOABB offers these through scikit-learn's metadata routing; requested by default
    __metadata_request__fit = {"X_target_labeled": True, "y_target_labeled": True, "subjects": True}

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, X_target_labeled=None, y_target_labeled=None, subjects=None):
        """``X`` / ``y``: source windows; ``X_target_labeled`` / ``y_target_labeled``: target calibration windows;
        ``subjects``: the source windows' subjects (inner validation groups)."""
        if (X_target_labeled is None) != (y_target_labeled is None):
            raise ValueError("X_target_labeled and y_target_labeled come together (both or neither)")
        X, y = np.asarray(X), np.asarray(y)
        groups = None if subjects is None else np.asarray(subjects)
        self.n_calibration_ = 0
        if X_target_labeled is not None and len(X_target_labeled):
            Xt, yt = np.asarray(X_target_labeled), np.asarray(y_target_labeled)
            if len(Xt) != len(yt) or Xt.shape[1:] != X.shape[1:]:
                raise ValueError(f"calibration windows {Xt.shape} / labels {yt.shape} do not match the training "
                                 f"windows {X.shape}")
            X, y = np.concatenate([X, Xt]), np.concatenate([y, yt])
            if groups is not None:
                groups = np.concatenate([groups, np.full(len(Xt), TARGET_GROUP, dtype=groups.dtype)])
            self.n_calibration_ = len(Xt)
        estimator = clone(self.estimator)
        params = {}
        if groups is not None and _takes(estimator, "groups"):
            params[_fit_param(estimator, "groups")] = groups
        if self.n_calibration_ and _takes(estimator, "always_train"):
            # the target's calibration windows always train: they never form the inner validation group
            params[_fit_param(estimator, "always_train")] = np.arange(len(X) - self.n_calibration_, len(X))
        with config_context(enable_metadata_routing=False):
            estimator.fit(X, y, **params)
        self.estimator_ = estimator
        self.classes_ = estimator.classes_
        return self

    def predict(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)
