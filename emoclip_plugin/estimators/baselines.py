"""The registry baselines as classifiers with the shared recipe: TorchEEG's DGCNN and CCNN, braindecode's EEGNet."""
from __future__ import annotations

from torch import nn

from .base import _TRAINING_DOC, _TorchClassifier


class _RegistryClassifier(_TorchClassifier):
    """A registry baseline trained with the shared recipe; subclasses set ``_model`` and ``_shape_doc``."""

    _model = ""
    _shape_doc = ""
    _ndim = 2

    def _check_sample_shape(self, shape: tuple) -> None:
        if len(shape) != self._ndim:
            raise ValueError(f"{type(self).__name__} expects X of shape {self._shape_doc}; got samples of shape "
                             f"{list(shape)}")

    def _module_args(self, shape: tuple) -> dict:
        raise NotImplementedError

    def _build_module(self, shape: tuple, n_classes: int, restoring: dict | None = None) -> nn.Module:
        from ..models.registry import get_model
        return get_model(self._model, num_classes=n_classes, **{**self._module_args(shape),
                                                                 **(self.module_kwargs or {})})


class DGCNNClassifier(_RegistryClassifier):
    """TorchEEG's own ``torcheeg.models.DGCNN`` on band DE ``[n, electrodes, bands]`` (``[n, 62, 5]`` for SEED)."""

    _model, _shape_doc, _ndim = "dgcnn", "[n, electrodes, bands] (band DE, [n, 62, 5])", 2

    def _module_args(self, shape):
        return {"num_electrodes": shape[0], "in_channels": shape[1]}


class CCNNClassifier(_RegistryClassifier):
    """TorchEEG's ``torcheeg.models.CCNN`` on band-DE grids ``[n, bands, 9, 9]``."""

    _model, _shape_doc, _ndim = "ccnn", "[n, bands, height, width] (band-DE grids, [n, 5, 9, 9])", 3

    def _module_args(self, shape):
        return {"in_channels": shape[0], "grid_size": tuple(shape[1:])}


class EEGNetClassifier(_RegistryClassifier):
    """braindecode's ``EEGNet`` on raw EEG windows ``[n, channels, times]`` (SEED: 62 channels at 200 Hz)."""

    _model, _shape_doc, _ndim = "eegnet", "[n, channels, times] (raw EEG at 200 Hz)", 2

    def _module_args(self, shape):
        return {"n_chans": shape[0], "n_times": shape[1], "sfreq": 200}


for _cls in (DGCNNClassifier, CCNNClassifier, EEGNetClassifier):
    _cls.__doc__ += "\n" + _TRAINING_DOC
