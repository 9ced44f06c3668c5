"""scikit-learn estimators built on skorch: :class:`EmotionCLIPClassifier` and the baselines, one API.

Every classifier here is a scikit-learn estimator (``__init__`` only stores parameters; fitted state ends in ``_``)
that trains its PyTorch module with a skorch ``NeuralNetClassifier`` held in ``net_``. They accept NumPy arrays of the
data layer's feature shapes or a TorchEEG dataset, any hashable labels (``classes_`` keeps them; ``predict`` returns
them), and share the training conveniences: early stopping on an internal validation split (by group when ``groups``
are given), a cosine learning-rate schedule, gradient clipping, ``device="auto"``, ``random_state`` and a tqdm bar.

The shared base is :mod:`.base`; the frame-grid classifiers are in :mod:`.emotionclip`, the registry baselines in
:mod:`.baselines`, the recipes in :mod:`.recipes`; the logistic-regression models come from :mod:`emoclip_plugin.estimators.linear`.

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
``svm_de``           :func:`make_svm_de` (linear SVM, SEED 2015)  ``[n, 62, 5]`` band DE
===================  ===========================================  ===================================================

The catalogue (:mod:`.catalog`) also resolves ``braindecode:<Model>`` and ``torcheeg:<Model>`` and names added with
:func:`register_estimator`; :class:`ModuleClassifier` trains any ``nn.Module`` class with the shared recipe.
"""
from __future__ import annotations

from .linear import FlatLogisticRegression, make_de_logreg, make_frames_logreg, make_svm_de
from .baselines import CCNNClassifier, DGCNNClassifier, EEGNetClassifier
from .emotionclip import EmotionCLIPClassifier, EmotionCLIPMLPClassifier, SSTLegoViTClassifier
from .recipes import FLATTEN_POOLS, GRID_AUGMENT, PAPER_RECIPE, RECIPE

from .catalog import (INPUT_KINDS, ModelError, ModelSpec, list_estimators, register_estimator, resolve_model,
                      spec_from_object, unregister_estimator, zoo_names)
from .module import ModuleClassifier
from .base import accepts_rows


def estimator_input_kind(name) -> str:
    """The data layer's ``features=`` kind that model ``name`` (a catalogue or zoo name, or a spec) takes."""
    try:
        return resolve_model(name).kind
    except ModelError as err:
        raise ValueError(str(err)) from None


def get_estimator(name, **params):
    """Build model ``name`` (a catalogue name, ``braindecode:<Model>``, ``torcheeg:<Model>`` or a
    :class:`ModelSpec`) with ``params``."""
    try:
        spec = resolve_model(name)
    except ModelError as err:
        raise ValueError(str(err)) from None
    return spec.build(**params)


__all__ = ["ModuleClassifier", "ModelSpec", "ModelError", "INPUT_KINDS", "register_estimator",
           "unregister_estimator", "resolve_model", "spec_from_object", "zoo_names", "EmotionCLIPClassifier", "EmotionCLIPMLPClassifier", "SSTLegoViTClassifier", "DGCNNClassifier",
           "CCNNClassifier", "EEGNetClassifier", "make_de_logreg", "make_frames_logreg", "make_svm_de", "FlatLogisticRegression", "get_estimator",
           "list_estimators", "estimator_input_kind", "accepts_rows", "PAPER_RECIPE", "RECIPE", "FLATTEN_POOLS", "GRID_AUGMENT"]
