"""A small MLP encoder for flat feature vectors (e.g. SEED's flattened band DE, ``[batch, 310]``)."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class MLPEncoder(nn.Module):
    """Flat features ``[batch, n_features]`` -> embedding ``[batch, hidden[-1]]`` (or logits with ``n_outputs``).

    Input of more dimensions (e.g. frame grids ``[batch, 4, 12, 9, 9]``) is flattened first when its per-sample size
    is ``n_features``.

    The input goes through a ``BatchNorm1d`` first, so the encoder learns the feature scaling from training data only;
    then ``Linear -> GELU -> Dropout`` per hidden width.

    Parameters
    ----------
    n_features : int
        Input width (e.g. 310 = 62 channels x 5 bands).
    n_outputs : int, optional
        Classes for a linear head; ``None`` returns the embedding.
    hidden : sequence of int
        Hidden widths (default ``(256, 128)``); the last one is ``embedding_dim``.
    drop_prob : float
        Dropout after each hidden layer (0.1).
    """

    def __init__(self, n_features: int, n_outputs: int | None = None, hidden: Sequence[int] = (256, 128),
                 drop_prob: float = 0.1):
        super().__init__()
        hidden = [int(h) for h in hidden]
        if int(n_features) < 1 or not hidden or min(hidden) < 1:
            raise ValueError(f"need n_features >= 1 and positive hidden widths, got {n_features}, {hidden}")
        if not 0 <= drop_prob < 1:
            raise ValueError(f"drop_prob={drop_prob} must be in [0, 1)")
        self.n_features = int(n_features)
        layers: list[nn.Module] = [nn.BatchNorm1d(self.n_features)]
        width = self.n_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.GELU(), nn.Dropout(drop_prob)]
            width = h
        self.body = nn.Sequential(*layers)
        self._embedding_dim = width
        self.final_layer = nn.Linear(width, n_outputs) if n_outputs else nn.Identity()

    @property
    def embedding_dim(self) -> int:
        return self._embedding_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() > 2:
            x = x.flatten(1)
        if x.dim() != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"MLPEncoder expects input [batch, {self.n_features}] (or samples of that many values), "
                             f"got {list(x.shape)}")
        return self.final_layer(self.body(x))
