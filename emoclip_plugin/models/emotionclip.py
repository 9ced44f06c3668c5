"""EmotionCLIP: EEG emotion recognition as EEG-text matching in the CLIP framework (arXiv 2511.05293)."""
from __future__ import annotations

import math
import os
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..text.encoders import TextEncoder, class_text_embeddings
from ..text.prompts import TEMPLATES, class_names_for
from .sst_legovit import SSTLegoViT


class EmotionCLIP(nn.Module):
    """EEG encoder -> projection -> L2 norm, matched against frozen class-prompt text embeddings.

    ``forward(x)`` returns class logits ``[batch, n_classes]``:
    ``logits[b, c] = scale * mean_t cos(eeg_emb[b], text_emb[c, t])`` over the prompt templates ``t`` ([E]), so any
    cross-entropy loop or TorchEEG trainer can train it. Only the EEG side is trained; the class text embeddings
    ``[n_classes, n_templates, text_dim]`` are a buffer (``text_features``), so ``state_dict()`` alone restores a
    working model without loading the text encoder.

    Parameters
    ----------
    class_names : sequence of str, optional
        Class names in label-index order (default: those of ``dataset``).
    dataset : str
        ``"seed"`` (negative, neutral, positive) or ``"seed-iv"`` (neutral, sad, fear, happy) when ``class_names`` is
        not given.
    templates : sequence of str
        Prompt templates with one ``{}`` (default: the paper's 16).
    text_encoder : str, path or TextEncoder, optional
        Hugging Face id or local directory of a CLIP text tower or a BERT-style encoder; default: the bundled offline
        all-MiniLM-L6-v2. (The paper uses ``openai/clip-vit-base-patch16``'s text tower, 512-d.)
    text_features : Tensor, optional
        Precomputed ``[n_classes, n_templates, text_dim]`` embeddings (skips the text encoder).
    text_dim : int, optional
        With ``text_encoder=False``: build an empty buffer of this width (``n_classes`` from ``class_names``,
        ``n_templates`` from ``templates``), to be filled by ``load_state_dict``.
    encoder : nn.Module, optional
        The EEG encoder, returning ``[batch, embedding_dim]``; default ``SSTLegoViT(**encoder_kwargs)``.
    encoder_kwargs : dict, optional
        Arguments for the default SST-LegoViT encoder.
    logit_scale : float
        Initial scale (CLIP's 1/0.07, [I]).
    learnable_scale : bool
        Learn the (log) scale (True, clamped at ``max_scale``) or keep it fixed.
    max_scale : float
        Clamp for the learnable scale (100, as CLIP).
    cache_dir : path, optional
        Where class text embeddings are cached (default ``~/.cache/emoclip-plugin/text-embeddings``).
    """

    def __init__(self, class_names: Sequence[str] | None = None, dataset: str = "seed",
                 templates: Sequence[str] = TEMPLATES, text_encoder: str | os.PathLike | TextEncoder | None | bool = None,
                 text_features: torch.Tensor | None = None, text_dim: int | None = None,
                 encoder: nn.Module | None = None, encoder_kwargs: dict | None = None,
                 logit_scale: float = 1 / 0.07, learnable_scale: bool = True, max_scale: float = 100.0,
                 cache_dir: str | os.PathLike | None = None, *, num_classes: int | None = None):
        super().__init__()
        self.class_names = list(class_names) if class_names is not None else list(class_names_for(dataset))
        if num_classes is not None and num_classes != len(self.class_names):
            raise ValueError(f"num_classes={num_classes} but {len(self.class_names)} class names {self.class_names}")
        self.templates = list(templates)
        if not (logit_scale > 0 and max_scale >= logit_scale):
            raise ValueError(f"need 0 < logit_scale <= max_scale, got {logit_scale}, {max_scale}")
        if text_features is None:
            if text_encoder is False:
                if not text_dim:
                    raise ValueError("text_encoder=False needs text_dim (the buffer is filled by load_state_dict)")
                text_features = torch.zeros(len(self.class_names), len(self.templates), int(text_dim))
            else:
                text_features = class_text_embeddings(self.class_names, self.templates, text_encoder, cache_dir)
        text_features = torch.as_tensor(text_features, dtype=torch.float32)
        if text_features.shape[:2] != (len(self.class_names), len(self.templates)):
            raise ValueError(f"text_features has shape {list(text_features.shape)}; expected "
                             f"[{len(self.class_names)} classes, {len(self.templates)} templates, dim]")
        self.register_buffer("text_features", F.normalize(text_features, dim=-1))  # zeros stay zeros
        self.encoder = encoder if encoder is not None else SSTLegoViT(n_outputs=None, **(encoder_kwargs or {}))
        width = getattr(self.encoder, "embedding_dim", None)
        if width is None:
            raise ValueError("encoder must expose embedding_dim (the width of its [batch, width] output)")
        self.projection = nn.Linear(int(width), text_features.shape[-1], bias=False)
        self.learnable_scale = bool(learnable_scale)
        self.max_log_scale = math.log(max_scale)
        log_scale = torch.tensor(math.log(logit_scale), dtype=torch.float32)
        if self.learnable_scale:
            self.log_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer("log_scale", log_scale)

    @property
    def n_classes(self) -> int:
        return int(self.text_features.shape[0])

    @property
    def logit_scale(self) -> torch.Tensor:
        return self.log_scale.clamp(max=self.max_log_scale).exp()

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """EEG -> L2-normalised embedding ``[batch, text_dim]``."""
        return F.normalize(self.projection(self.encoder(x)), dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits ``[batch, n_classes]`` in ``class_names`` order."""
        sims = torch.einsum("bd,ctd->bct", self.embed(x), self.text_features).mean(-1)
        return self.logit_scale * sims

    @torch.no_grad()
    def set_classes(self, class_names: Sequence[str], templates: Sequence[str] | None = None,
                    text_encoder: str | os.PathLike | TextEncoder | None = None,
                    cache_dir: str | os.PathLike | None = None) -> "EmotionCLIP":
        """Swap the class prompts (zero-shot to new labels); the EEG side is unchanged. Returns ``self``."""
        templates = list(templates) if templates is not None else self.templates
        feats = class_text_embeddings(list(class_names), templates, text_encoder, cache_dir)
        if feats.shape[-1] != self.text_features.shape[-1]:
            raise ValueError(f"text encoder width {feats.shape[-1]} differs from the model's "
                             f"{self.text_features.shape[-1]}; use the encoder the model was trained with")
        self.text_features = feats.to(self.text_features.device)
        self.class_names, self.templates = list(class_names), templates
        return self
