"""Input standardisation inside a module: ``(x - mean) / std`` per input value, with statistics from training rows."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


class Standardized(nn.Module):
    """Wrap ``inner`` so that its input is standardised per value (per frame, map and grid cell for frame grids).

    The statistics are buffers (``mean``, ``std`` of shape ``sample_shape``), so ``state_dict()`` carries them and a
    saved model standardises new data with its training statistics. Values that never vary in training (empty grid
    cells) get ``std = 1``. ``embedding_dim`` is passed through from ``inner``.
    """

    def __init__(self, inner: nn.Module, sample_shape: tuple):
        super().__init__()
        self.inner = inner
        self.register_buffer("mean", torch.zeros(tuple(sample_shape)))
        self.register_buffer("std", torch.ones(tuple(sample_shape)))

    @property
    def embedding_dim(self) -> int:
        return self.inner.embedding_dim

    @torch.no_grad()
    def set_statistics(self, X: np.ndarray) -> "Standardized":
        """Statistics from training inputs ``X [n, *sample_shape]`` (float64 accumulation). Returns ``self``."""
        X = np.asarray(X)
        mean = X.mean(0, dtype=np.float64)
        std = X.std(0, dtype=np.float64)
        std[~(std > 1e-6)] = 1.0
        self.mean.copy_(torch.from_numpy(mean.astype(np.float32)))
        self.std.copy_(torch.from_numpy(std.astype(np.float32)))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner((x - self.mean) / self.std)
