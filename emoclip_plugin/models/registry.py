"""Model registry: ``get_model(name, **kwargs)`` and ``list_models()``, with each model's expected input.

TorchEEG has no registry; braindecode looks models up by class name in ``braindecode.models.util.models_dict``.
:func:`register_with_braindecode` (run on ``import emoclip_plugin``) adds :class:`SSTLegoViTRaw` there, so
``EEGClassifier(module="SSTLegoViTRaw", ...)`` works. Keyword aliases are accepted both ways: ``num_classes`` (TorchEEG)
and ``n_outputs`` (braindecode).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn


@dataclass(frozen=True)
class ModelEntry:
    """A registered model: how to build it and what it eats.

    ``input_kind`` is the data layer's ``features=`` value (``"emotionclip"``, ``"de"``, ``"de_grid"``, ``"raw"``);
    ``input_shape`` the per-sample shape with SEED defaults; ``window_seconds`` the window it expects.
    """

    name: str
    builder: Callable[..., nn.Module]
    input_kind: str
    input_shape: tuple
    window_seconds: float
    description: str


def _torcheeg_model(cls_name: str, defaults: dict):
    def build(**kwargs):
        from torcheeg import models
        if "n_outputs" in kwargs:
            kwargs["num_classes"] = kwargs.pop("n_outputs")
        return getattr(models, cls_name)(**{**defaults, **kwargs})
    return build


def _braindecode_model(cls_name: str, defaults: dict):
    def build(**kwargs):
        from braindecode import models
        if "num_classes" in kwargs:
            kwargs["n_outputs"] = kwargs.pop("num_classes")
        return getattr(models, cls_name)(**{**defaults, **kwargs})
    return build


def _ours(cls_name: str):
    def build(**kwargs):
        from .. import models
        cls = getattr(models, cls_name)
        if cls_name == "SSTLegoViTRaw" and "num_classes" in kwargs:
            kwargs["n_outputs"] = kwargs.pop("num_classes")
        if cls_name == "EmotionCLIP" and "n_outputs" in kwargs:
            kwargs["num_classes"] = kwargs.pop("n_outputs")
        return cls(**kwargs)
    return build


_REGISTRY: dict[str, ModelEntry] = {e.name: e for e in [
    ModelEntry("emotionclip", _ours("EmotionCLIP"), "emotionclip", (4, 12, 9, 9), 2.0,
               "EmotionCLIP: SST-LegoViT EEG encoder matched to frozen class-prompt text embeddings"),
    ModelEntry("sst_legovit", _ours("SSTLegoViT"), "emotionclip", (4, 12, 9, 9), 2.0,
               "SST-LegoViT with a linear head (the paper's 'classifier only' ablation)"),
    ModelEntry("sst_legovit_raw", _ours("SSTLegoViTRaw"), "raw", (62, 400), 2.0,
               "SST-LegoViT on raw EEG, features computed in forward (braindecode EEGModuleMixin)"),
    ModelEntry("dgcnn", _torcheeg_model("DGCNN", dict(in_channels=5, num_electrodes=62, num_layers=2,
                                                      hid_channels=32, num_classes=3)), "de", (62, 5), 1.0,
               "TorchEEG DGCNN on band DE"),
    ModelEntry("ccnn", _torcheeg_model("CCNN", dict(in_channels=5, grid_size=(9, 9), num_classes=3)), "de_grid",
               (5, 9, 9), 1.0, "TorchEEG CCNN on band-DE grids"),
    ModelEntry("eegnet", _braindecode_model("EEGNet", dict(n_chans=62, n_outputs=3, n_times=200, sfreq=200)), "raw",
               (62, 200), 1.0, "braindecode EEGNet on raw EEG"),
]}


def list_models() -> list[str]:
    """Registered model names."""
    return sorted(_REGISTRY)


def model_info(name: str) -> ModelEntry:
    """The :class:`ModelEntry` of ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {list_models()}") from None


def get_model(name: str, **kwargs) -> nn.Module:
    """Build a registered model; ``kwargs`` go to its constructor (``num_classes`` / ``n_outputs`` both work)."""
    return model_info(name).builder(**kwargs)


def register_with_braindecode() -> None:
    """Make ``SSTLegoViTRaw`` resolvable by name in braindecode (``EEGClassifier(module="SSTLegoViTRaw")``)."""
    from braindecode.models import util

    from .sst_legovit_raw import SSTLegoViTRaw
    if not util.models_dict:
        util._init_models_dict()
    util.models_dict.setdefault("SSTLegoViTRaw", SSTLegoViTRaw)
