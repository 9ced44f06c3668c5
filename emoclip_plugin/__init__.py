"""emoclip-plugin: EmotionCLIP (EEG-text matching with the SST-LegoViT backbone) for TorchEEG / braindecode / skorch.

Public API: the models (:class:`SSTLegoViT`, :class:`SSTLegoViTRaw`, :class:`EmotionCLIP`), the registry
(:func:`get_model`, :func:`list_models`), the scikit-learn estimators (:class:`EmotionCLIPClassifier` and baselines,
:func:`get_estimator`) and the data layer in :mod:`emoclip_plugin.data`. Importing the package makes
``SSTLegoViTRaw`` resolvable by name in braindecode.
"""
from ._deps import MissingDependencyError, require
from ._moved import install as _install_moved_modules

_install_moved_modules()  # emoclip_plugin.protocols & co. (the modules' homes before the layer folders) still import

require("torcheeg")
require("braindecode")

from .models import EmotionCLIP, SSTLegoViT, SSTLegoViTRaw  # noqa: E402
from .models.registry import get_model, list_models, model_info, register_with_braindecode  # noqa: E402
from .estimators import (FLATTEN_POOLS, GRID_AUGMENT, RECIPE, CCNNClassifier, DGCNNClassifier, EEGNetClassifier,  # noqa: E402
                         EmotionCLIPClassifier, EmotionCLIPMLPClassifier, SSTLegoViTClassifier, get_estimator,
                         list_estimators, make_de_logreg, make_frames_logreg)

register_with_braindecode()

__version__ = "0.1.0"
__all__ = ["EmotionCLIP", "SSTLegoViT", "SSTLegoViTRaw", "get_model", "list_models", "model_info",
           "EmotionCLIPClassifier", "SSTLegoViTClassifier", "DGCNNClassifier", "CCNNClassifier", "EEGNetClassifier",
           "EmotionCLIPMLPClassifier", "make_de_logreg", "make_frames_logreg", "RECIPE", "FLATTEN_POOLS", "GRID_AUGMENT",
           "get_estimator", "list_estimators", "MissingDependencyError", "__version__"]
