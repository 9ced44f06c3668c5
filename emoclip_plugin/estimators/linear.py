"""Linear baselines on flattened samples: the classical band-DE logistic regression and the frame-grid input probe.

Both are :class:`FlatLogisticRegression` (flatten -> standardise with training statistics -> L2 logistic
regression), a scikit-learn classifier that takes samples of any shape (``[n, 62, 5]`` band DE, ``[n, 4, 12, 9, 9]``
frame grids, or flat ``[n, d]``).
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data


class FlattenSamples(TransformerMixin, BaseEstimator):
    """``[n, *sample_shape]`` -> ``[n, prod(sample_shape)]`` (C order); ``fit`` records the sample shape, ``transform``
    checks it. The first step of the logistic-regression baselines."""

    def fit(self, X, y=None):
        X = validate_data(self, X, allow_nd=True)
        self.sample_shape_ = tuple(X.shape[1:])
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self, "sample_shape_")
        X = validate_data(self, X, allow_nd=True, reset=False)
        if tuple(X.shape[1:]) != self.sample_shape_:
            raise ValueError(f"X has samples of shape {list(X.shape[1:])}, but FlattenSamples was fitted on "
                             f"{list(self.sample_shape_)}")
        return X.reshape(len(X), -1)


class FlatLogisticRegression(ClassifierMixin, BaseEstimator):
    """Flatten each sample -> standardise (training statistics) -> L2 logistic regression, as one classifier.

    ``X``: ``[n, *sample_shape]`` (band DE ``[n, 62, 5]``, frame grids ``[n, 4, 12, 9, 9]``, or already flat); the
    fitted scikit-learn ``Pipeline`` is ``pipeline_``.

    Parameters
    ----------
    C : float
        Inverse L2 strength of the logistic regression.
    max_iter : int
        Solver iterations.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 2000):
        self.C = C
        self.max_iter = max_iter

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        X, y = validate_data(self, X, y, allow_nd=True)
        check_classification_targets(y)
        self.pipeline_ = make_pipeline(FlattenSamples(), StandardScaler(),
                                       LogisticRegression(C=self.C, max_iter=self.max_iter)).fit(X, y)
        self.classes_ = self.pipeline_.classes_
        self.n_iter_ = self.pipeline_[-1].n_iter_
        return self

    def _checked(self, X):
        check_is_fitted(self, "pipeline_")
        return validate_data(self, X, allow_nd=True, reset=False)

    def decision_function(self, X) -> np.ndarray:
        X = self._checked(X)
        return self.pipeline_.decision_function(X)

    def predict_proba(self, X) -> np.ndarray:
        X = self._checked(X)
        return self.pipeline_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        X = self._checked(X)
        return self.pipeline_.predict(X)


def make_de_logreg(C: float = 1.0, max_iter: int = 2000) -> FlatLogisticRegression:
    """The classical baseline: flatten band DE -> standardise (training statistics) -> logistic regression.

    Takes ``[n, 62, 5]`` or ``[n, 310]``.
    """
    return FlatLogisticRegression(C=C, max_iter=max_iter)


def make_frames_logreg(C: float = 0.05, max_iter: int = 2000) -> FlatLogisticRegression:
    """Input probe: flatten EmotionCLIP's frame grids ``[n, 4, 12, 9, 9]`` (3,888 values) -> standardise -> logistic
    regression. It reads what a linear model gets from exactly the input EmotionCLIP sees.

    ``C`` = 0.05 (strong L2: 3,888 inputs, ~10^3 windows) was chosen on a generated folder other than the reported
    ones (generator seed 1, pooled leave-one-subject-out); that tuning run has no committed artefact.
    """
    return FlatLogisticRegression(C=C, max_iter=max_iter)


def make_svm_de(C: float = 1.0, max_iter: int = 5000):
    """SEED's original baseline (Zheng & Lu, 2015: a linear SVM on DE features): flatten band DE ``[n, 62, 5]`` ->
    standardise (training statistics) -> ``LinearSVC`` (scikit-learn's default ``C`` = 1), as one pipeline."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC
    return make_pipeline(FlattenSamples(), StandardScaler(), LinearSVC(C=C, max_iter=max_iter))


__all__ = ["FlattenSamples", "FlatLogisticRegression", "make_de_logreg", "make_frames_logreg", "make_svm_de"]
