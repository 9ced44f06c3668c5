"""Input standardisation inside a module: ``(x - mean) / std`` per input value, with statistics from training rows."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

#: Bytes of float64 per chunk when the statistics are accumulated (:meth:`Standardized.set_statistics`).
CHUNK_BYTES = 1 << 27


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
    def set_statistics(self, X, chunk_rows: int | None = None) -> "Standardized":
        """Statistics from training inputs ``X [n, *sample_shape]``: an array, or anything whose slices ``X[a:b]``
        are arrays (a memory map, :class:`emoclip_plugin.training.rows.Rows`). Read ``chunk_rows`` rows at a time
        (default: :data:`CHUNK_BYTES` of float64), two passes (mean, then squared deviations), float64 accumulation: no copy of ``X``.
        Returns ``self``."""
        n = len(X)
        if n == 0:
            raise ValueError("Standardized.set_statistics: no rows")
        per_row = max(1, int(np.prod(X.shape[1:], dtype=np.int64)) * 8)
        step = int(chunk_rows or max(1, CHUNK_BYTES // per_row))
        total = np.zeros(tuple(X.shape[1:]), dtype=np.float64)
        for start in range(0, n, step):
            total += np.asarray(X[start:start + step]).sum(0, dtype=np.float64)
        mean = total / n
        squares = np.zeros_like(mean)
        for start in range(0, n, step):
            squares += np.square(np.asarray(X[start:start + step], dtype=np.float64) - mean).sum(0)
        std = np.sqrt(squares / n)
        std[~(std > 1e-6)] = 1.0
        self.mean.copy_(torch.from_numpy(mean.astype(np.float32)))
        self.std.copy_(torch.from_numpy(std.astype(np.float32)))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner((x - self.mean) / self.std)
