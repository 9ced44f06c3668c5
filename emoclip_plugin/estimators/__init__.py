"""scikit-learn estimators built on skorch: :class:`EmotionCLIPClassifier` and the baselines, one API.

Every classifier here is a scikit-learn estimator (``__init__`` only stores parameters; fitted state ends in ``_``)
that trains its PyTorch module with a skorch ``NeuralNetClassifier`` held in ``net_``. They accept NumPy arrays of the
data layer's feature shapes or a TorchEEG dataset, any hashable labels (``classes_`` keeps them; ``predict`` returns
them), and share the training conveniences: early stopping on an internal validation split (by group when ``groups``
are given), a cosine learning-rate schedule, gradient clipping, ``device="auto"``, ``random_state`` and a tqdm bar.

The shared base is :mod:`.base`; the frame-grid classifiers are in :mod:`.emotionclip`, the registry baselines in
:mod:`.baselines`, the recipes in :mod:`.recipes`; the logistic-regression models come from :mod:`emoclip_plugin.linear`.

===================  ===========================================  ===================================================
name                 estimator                                    input ``X``
===================  ===========================================  ===================================================
``emotionclip``      :class:`EmotionCLIPClassifier`               ``[n, 4, 12, 9, 9]`` frame grids or ``[n, features]``
``sst_legovit``      :class:`SSTLegoViTClassifier`                ``[n, 4, 12, 9, 9]``
``dgcnn``            :class:`DGCNNClassifier` (TorchEEG DGCNN)    ``[n, 62, 5]`` band DE
``ccnn``             :class:`CCNNClassifier` (TorchEEG CCNN)      ``[n, 5, 9, 9]`` band-DE grids
``eegnet``           :class:`EEGNetClassifier` (braindecode)      ``[n, 62, n_times]`` raw EEG
``de_logreg``        :func:`make_de_logreg` (logistic regression)  ``[n, 62, 5]`` or ``[n, 310]`` band DE
``frames_logreg``    :func:`make_frames_logreg` (input probe)     ``[n, 4, 12, 9, 9]`` frame grids (flattened)
``emotionclip_mlp``  :class:`EmotionCLIPMLPClassifier` (probe)    ``[n, 4, 12, 9, 9]`` frame grids (flattened)
===================  ===========================================  ===================================================
"""
from __future__ import annotations

from typing import Any, Callable

from ..linear import FlatLogisticRegression, make_de_logreg, make_frames_logreg
from .baselines import CCNNClassifier, DGCNNClassifier, EEGNetClassifier
from .emotionclip import EmotionCLIPClassifier, EmotionCLIPMLPClassifier, SSTLegoViTClassifier
from .recipes import FLATTEN_POOLS, PAPER_RECIPE, RECIPE

#: Estimator factories by benchmark name, with the data layer's ``features=`` kind each one eats.
ESTIMATORS: dict[str, tuple[Callable[..., Any], str]] = {
    "emotionclip": (EmotionCLIPClassifier, "emotionclip"),
    "sst_legovit": (SSTLegoViTClassifier, "emotionclip"),
    "dgcnn": (DGCNNClassifier, "de"),
    "ccnn": (CCNNClassifier, "de_grid"),
    "eegnet": (EEGNetClassifier, "raw"),
    "de_logreg": (make_de_logreg, "de"),
    "frames_logreg": (make_frames_logreg, "emotionclip"),
    "emotionclip_mlp": (EmotionCLIPMLPClassifier, "emotionclip"),
}


def list_estimators() -> list[str]:
    """Names accepted by :func:`get_estimator` (and by the benchmark's ``--models``)."""
    return list(ESTIMATORS)


def estimator_input_kind(name: str) -> str:
    """The data layer's ``features=`` value that estimator ``name`` takes."""
    if name not in ESTIMATORS:
        raise ValueError(f"unknown estimator {name!r}; choose from {list_estimators()}")
    return ESTIMATORS[name][1]


def get_estimator(name: str, **params):
    """Build estimator ``name`` (see :func:`list_estimators`) with ``params``."""
    estimator_input_kind(name)
    return ESTIMATORS[name][0](**params)


__all__ = ["EmotionCLIPClassifier", "EmotionCLIPMLPClassifier", "SSTLegoViTClassifier", "DGCNNClassifier",
           "CCNNClassifier", "EEGNetClassifier", "make_de_logreg", "make_frames_logreg", "FlatLogisticRegression", "get_estimator",
           "list_estimators", "estimator_input_kind", "PAPER_RECIPE", "RECIPE", "FLATTEN_POOLS"]
