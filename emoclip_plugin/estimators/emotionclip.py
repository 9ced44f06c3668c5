"""Classifiers on EmotionCLIP's frame grids ``[n, frames, 2 * bands, 9, 9]``: :class:`EmotionCLIPClassifier` (EEG
matched to class prompts), its MLP input probe :class:`EmotionCLIPMLPClassifier`, and the no-text
:class:`SSTLegoViTClassifier` head."""
from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
import torch
from torch import nn

from ..models.standardize import Standardized
from ..text.prompts import TEMPLATES, class_names_for
from .base import _TRAINING_DOC, _TorchClassifier


def _grid_shape_error(name: str, shape: tuple) -> ValueError:
    return ValueError(f"{name} expects X of shape [n, frames, 2 * bands, height, width] (the 'emotionclip' features, "
                      f"[n, 4, 12, 9, 9] by default); got samples of shape {list(shape)}")


def _sst_kwargs(shape: tuple, extra: dict | None) -> dict:
    frames, maps, h, w = shape
    return {"n_frames": frames, "n_bands": maps // 2, "grid_size": (h, w), **(extra or {})}


class EmotionCLIPClassifier(_TorchClassifier):
    """EmotionCLIP as a scikit-learn classifier: EEG encoder + projection matched to frozen class-prompt embeddings.

    ``X``: the data layer's ``"emotionclip"`` frame grids ``[n, frames, 2 * bands, 9, 9]`` (SST-LegoViT encoder) or
    flat feature vectors ``[n, features]`` such as SEED's flattened DE ``[n, 310]`` (MLP encoder); or a TorchEEG
    dataset. ``y``: any labels. The text side is built from ``classes_``: each class's name is filled into the prompt
    templates, embedded once by the frozen text encoder and stored inside the fitted module (``text_features``), so a
    saved model predicts without the text encoder. :meth:`predict_zero_shot` scores new class prompts.

    Parameters
    ----------
    encoder : {"auto", "sst_legovit", "mlp"}
        EEG encoder; ``"auto"`` picks SST-LegoViT for 5-D grids and the MLP for 2-D input. ``"mlp"`` also takes
        grids (flattened: the benchmark's ``emotionclip_mlp`` input probe).
    class_names : sequence of str or dict, optional
        The text for each class: a list in ``classes_`` (sorted label) order, or a ``{label: name}`` dict.
    prompts : sequence of str, optional
        Prompt templates with one ``{}`` for the class name (default: the paper's 16).
    dataset : {"auto", "seed", "seed-iv"}
        Where class names come from when ``class_names`` is not given. ``"seed"``/``"seed-iv"``: that dataset's names
        in sorted label order (SEED -1/0/1 -> negative/neutral/positive; SEED-IV 0..3 -> neutral/sad/fear/happy).
        ``"auto"``: string labels are used as they are; three numeric classes get SEED's names, four SEED-IV's; any
        other numeric labels their ``str()``.
    text_encoder : str or path, optional
        Hugging Face id or local folder of the text encoder (default: the bundled offline all-MiniLM-L6-v2).
    logit_scale : float
        Initial logit scale (1/0.07).
    learnable_scale : bool
        Learn the scale (clamped at 100) or keep it fixed.
    text_cache_dir : path, optional
        Cache of class text embeddings (default ``~/.cache/emoclip-plugin/text-embeddings``).
    module_kwargs : dict, optional
        Keyword arguments for the EEG encoder (``SSTLegoViT`` sizes, or ``MLPEncoder``'s ``hidden`` / ``drop_prob``).

    The remaining parameters (``lr`` ... ``verbose``) are the shared training options documented on
    :class:`SSTLegoViTClassifier`; defaults are the paper's recipe (AdamW 1e-4, weight decay 0.003, batch 64,
    200 epochs, patience 50), with early stopping on an internal validation split of the training data.
    """

    def __init__(self, encoder: str = "auto", class_names=None, prompts: Sequence[str] | None = None,
                 dataset: str = "auto", text_encoder: str | None = None, logit_scale: float = 1 / 0.07,
                 learnable_scale: bool = True, text_cache_dir: str | None = None, lr: float = 1e-4,
                 max_epochs: int = 200, batch_size: int = 64, weight_decay: float = 0.003, betas: tuple = (0.9, 0.98),
                 validation: float = 0.2, patience: int = 50, lr_schedule: str = "cosine",
                 gradient_clip: float | None = None, module_kwargs: dict | None = None, device: str = "cpu",
                 random_state=None, verbose: int = 0, callbacks: list | None = None, refit: bool = True,
                 warmup_epochs: int = 0, label_smoothing: float = 0.0, augment: dict | None = None,
                 standardize: bool = False, precision: str = "auto", eval_batch_size: int | None = None,
                 compile: bool = False):
        super().__init__(lr=lr, max_epochs=max_epochs, batch_size=batch_size, weight_decay=weight_decay, betas=betas,
                         validation=validation, patience=patience, lr_schedule=lr_schedule,
                         gradient_clip=gradient_clip, module_kwargs=module_kwargs, device=device,
                         random_state=random_state, verbose=verbose, callbacks=callbacks, refit=refit,
                         warmup_epochs=warmup_epochs, label_smoothing=label_smoothing, augment=augment,
                         standardize=standardize, precision=precision, eval_batch_size=eval_batch_size,
                         compile=compile)
        self.encoder = encoder
        self.class_names = class_names
        self.prompts = prompts
        self.dataset = dataset
        self.text_encoder = text_encoder
        self.logit_scale = logit_scale
        self.learnable_scale = learnable_scale
        self.text_cache_dir = text_cache_dir

    def _check_params(self) -> None:
        super()._check_params()
        if self.encoder not in ("auto", "sst_legovit", "mlp"):
            raise ValueError(f"encoder={self.encoder!r}; expected 'auto', 'sst_legovit' or 'mlp'")
        if self.dataset not in ("auto", "seed", "seed-iv"):
            raise ValueError(f"dataset={self.dataset!r}; expected 'auto', 'seed' or 'seed-iv'")
        if self.prompts is not None and (isinstance(self.prompts, str) or
                                         not all(isinstance(p, str) and p.count("{}") == 1 for p in self.prompts)):
            raise ValueError(f"prompts={self.prompts!r}; expected a list of templates, each with one '{{}}'")

    def _encoder_kind(self, shape: tuple) -> str:
        kind = self.encoder
        if kind == "auto":
            kind = "mlp" if len(shape) == 1 else "sst_legovit"
        if kind == "sst_legovit" and (len(shape) != 4 or shape[1] % 2):
            raise _grid_shape_error(type(self).__name__, shape)
        return kind

    def _check_sample_shape(self, shape: tuple) -> None:
        self._encoder_kind(shape)

    def _class_texts(self, classes: np.ndarray) -> list[str]:
        n = len(classes)
        if self.class_names is not None:
            if isinstance(self.class_names, dict):
                missing = [c for c in classes.tolist() if c not in self.class_names]
                if missing:
                    raise ValueError(f"class_names has no entry for the labels {missing}")
                names = [str(self.class_names[c]) for c in classes.tolist()]
            else:
                names = [str(c) for c in self.class_names]
            if len(names) != n:
                raise ValueError(f"class_names has {len(names)} names but y has {n} classes {classes.tolist()}")
            return names
        if self.dataset in ("seed", "seed-iv"):
            names = list(class_names_for(self.dataset))
            if len(names) != n:
                raise ValueError(f"dataset={self.dataset!r} has {len(names)} classes {names} but y has {n}: "
                                 f"{classes.tolist()}; pass class_names=")
            return names
        if classes.dtype.kind in "OUS":
            return [str(c) for c in classes]
        if n in (3, 4):
            return list(class_names_for("seed" if n == 3 else "seed-iv"))
        return [str(c) for c in classes.tolist()]

    def _build_module(self, shape: tuple, n_classes: int, restoring: dict | None = None) -> nn.Module:
        from ..models import EmotionCLIP, MLPEncoder, SSTLegoViT
        kind = self._encoder_kind(shape)
        if kind == "mlp":
            enc = MLPEncoder(int(np.prod(shape)), **(self.module_kwargs or {}))  # N-D samples are flattened
        else:
            enc = SSTLegoViT(n_outputs=None, **_sst_kwargs(shape, self.module_kwargs))
        templates = list(self.prompts) if self.prompts is not None else list(TEMPLATES)
        if restoring is not None:
            names = restoring["class_names"]
            return EmotionCLIP(class_names=names, templates=templates, text_encoder=False,
                               text_dim=restoring["text_dim"], encoder=enc, logit_scale=self.logit_scale,
                               learnable_scale=self.learnable_scale)
        self.class_names_ = self._class_texts(self.classes_)
        return EmotionCLIP(class_names=self.class_names_, templates=templates, text_encoder=self.text_encoder,
                           encoder=enc, logit_scale=self.logit_scale, learnable_scale=self.learnable_scale,
                           cache_dir=self.text_cache_dir)

    def _standardized(self, module: nn.Module) -> nn.Module:
        module.encoder = Standardized(module.encoder, self.sample_shape_)  # text side and zero-shot stay as they are
        return module

    def _meta(self) -> dict:
        return {**super()._meta(), "class_names": self.class_names_,
                "text_dim": int(self.module_.text_features.shape[-1])}

    def _init_from_meta(self, meta: dict) -> None:
        self.class_names_ = list(meta["class_names"])
        super()._init_from_meta(meta)

    def _zero_shot_module(self, class_names, templates, text_encoder):
        module = copy.deepcopy(self.module_)
        module.set_classes([str(c) for c in class_names], templates=templates,
                           text_encoder=self.text_encoder if text_encoder is None else text_encoder,
                           cache_dir=self.text_cache_dir)
        return module

    def predict_proba_zero_shot(self, X, class_names: Sequence[str], templates: Sequence[str] | None = None,
                                text_encoder: str | None = None) -> np.ndarray:
        """Probabilities ``[n, len(class_names)]`` over *new* class prompts (the EEG side is unchanged).

        The prompts are the templates (default: those the model was trained with) filled with ``class_names``, embedded
        by the same text encoder as in training (its width must match).
        """
        module = self._zero_shot_module(class_names, templates, text_encoder)
        return torch.softmax(self._logits(self._inputs(X), module), dim=-1).numpy().astype(np.float64)

    def predict_zero_shot(self, X, class_names: Sequence[str], labels: Sequence | None = None,
                          templates: Sequence[str] | None = None, text_encoder: str | None = None) -> np.ndarray:
        """Zero-shot prediction to new classes: returns ``labels`` (default: ``class_names``) for each sample.

        Example: a model trained on SEED's negative/neutral/positive scored against SEED-IV's classes,
        ``clf.predict_zero_shot(X_iv, ["neutral", "sad", "fear", "happy"], labels=[0, 1, 2, 3])``.
        """
        labels = np.asarray(list(class_names) if labels is None else list(labels))
        if len(labels) != len(class_names):
            raise ValueError(f"labels has {len(labels)} entries but class_names has {len(class_names)}")
        proba = self.predict_proba_zero_shot(X, class_names, templates, text_encoder)
        return labels[np.argmax(proba, axis=1)]


class SSTLegoViTClassifier(_TorchClassifier):
    """SST-LegoViT with a linear head and cross-entropy (the paper's "no text" ablation), as a classifier.

    ``X``: ``[n, frames, 2 * bands, 9, 9]`` frame grids (``[n, 4, 12, 9, 9]`` by default) or a TorchEEG dataset of them.
    Same training options and defaults as :class:`EmotionCLIPClassifier`.
    """

    __doc__ += _TRAINING_DOC

    def _check_sample_shape(self, shape: tuple) -> None:
        if len(shape) != 4 or shape[1] % 2:
            raise _grid_shape_error(type(self).__name__, shape)

    def _build_module(self, shape: tuple, n_classes: int, restoring: dict | None = None) -> nn.Module:
        from ..models import SSTLegoViT
        return SSTLegoViT(n_outputs=n_classes, **_sst_kwargs(shape, self.module_kwargs))


class EmotionCLIPMLPClassifier(EmotionCLIPClassifier):
    """Input probe with EmotionCLIP's text side: :class:`EmotionCLIPClassifier` with ``encoder="mlp"``, which
    flattens the frame grids ``[n, 4, 12, 9, 9]`` into an MLP (input BatchNorm, hidden 256, 128).

    Same parameters as :class:`EmotionCLIPClassifier` (``encoder`` is fixed to ``"mlp"``).
    """

    def __init__(self, class_names=None, prompts: Sequence[str] | None = None, dataset: str = "auto",
                 text_encoder: str | None = None, logit_scale: float = 1 / 0.07, learnable_scale: bool = True,
                 text_cache_dir: str | None = None, lr: float = 1e-3, max_epochs: int = 60, batch_size: int = 64,
                 weight_decay: float = 0.003, betas: tuple = (0.9, 0.98), validation: float = 0.2, patience: int = 15,
                 lr_schedule: str = "cosine", gradient_clip: float | None = None, module_kwargs: dict | None = None,
                 device: str = "cpu", random_state=None, verbose: int = 0, callbacks: list | None = None,
                 refit: bool = True, warmup_epochs: int = 0, label_smoothing: float = 0.0,
                 augment: dict | None = None, standardize: bool = False, precision: str = "auto",
                 eval_batch_size: int | None = None, compile: bool = False):
        super().__init__(encoder="mlp", class_names=class_names, prompts=prompts, dataset=dataset,
                         text_encoder=text_encoder, logit_scale=logit_scale, learnable_scale=learnable_scale,
                         text_cache_dir=text_cache_dir, lr=lr, max_epochs=max_epochs, batch_size=batch_size,
                         weight_decay=weight_decay, betas=betas, validation=validation, patience=patience,
                         lr_schedule=lr_schedule, gradient_clip=gradient_clip, module_kwargs=module_kwargs,
                         device=device, random_state=random_state, verbose=verbose, callbacks=callbacks, refit=refit,
                         warmup_epochs=warmup_epochs, label_smoothing=label_smoothing, augment=augment,
                         standardize=standardize, precision=precision, eval_batch_size=eval_batch_size,
                         compile=compile)
        del self.encoder  # fixed, not a parameter of this class

    encoder = "mlp"
