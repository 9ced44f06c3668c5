"""Rows of a large array, read when they are used: fitting on part of a memory-mapped cache without copying it.

A cross-subject fold trains on 14 of 15 subjects. Copying those rows out of the benchmark's memory-mapped cache
(``X[fit_rows]``) costs ~7 GB of raw EEG windows per worker at real SEED size, and every later fancy index (the
training / validation split, the standardisation statistics) another copy. :class:`Rows` names the rows instead;
:class:`RowDataset` is the skorch dataset that reads one sample at a time from them, so the operating system's page
cache, shared by every worker on the same file, holds the data once.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch
from skorch.dataset import Dataset

#: Bytes per chunk when :class:`Rows` are read in chunks (statistics, finiteness checks, copies to a device).
CHUNK_BYTES = 1 << 27


class Rows:
    """Rows ``rows`` of the array ``X`` (``[n, *sample_shape]``, typically ``np.load(..., mmap_mode="r")``), not
    copied.

    ``len``, ``shape``, ``dtype`` and ``ndim`` describe the selection; indexing with an integer, a slice or an index
    array returns an in-memory ``ndarray`` of those selected rows (a copy of only them); :meth:`take` selects further
    without reading anything.
    """

    def __init__(self, X, rows=None):
        if isinstance(X, Rows):  # rows of rows: compose the selections
            base, outer = X.X, X.rows
        else:
            base, outer = X, None
        if not hasattr(base, "shape") or len(base.shape) < 1:
            raise ValueError(f"Rows: X must be an array [n, ...]; got {type(base).__name__}")
        n = base.shape[0]
        rows = np.arange(n if outer is None else len(outer)) if rows is None else np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        if rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer):
            raise ValueError(f"Rows: rows must be a 1-D integer index or boolean mask; got dtype {rows.dtype} and "
                             f"shape {list(rows.shape)}")
        rows = rows.astype(np.int64)
        if outer is not None:
            rows = outer[rows]
        if len(rows) and (rows.min() < 0 or rows.max() >= n):
            raise ValueError(f"Rows: row indices must be in [0, {n}); got {int(rows.min())}..{int(rows.max())}")
        self.X, self.rows = base, rows

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def shape(self) -> tuple:
        return (len(self.rows), *self.X.shape[1:])

    @property
    def dtype(self):
        return self.X.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize

    def take(self, positions) -> "Rows":
        """The rows at ``positions`` of this selection (an index array or boolean mask), still not read."""
        return Rows(self, positions)

    def __getitem__(self, key) -> np.ndarray:
        picked = self.rows[key]
        if np.ndim(picked) == 0:
            return np.array(self.X[int(picked)])
        return np.asarray(self.X[picked])

    def chunk_size(self) -> int:
        """Rows per chunk of about :data:`CHUNK_BYTES`."""
        per_row = max(1, self.nbytes // max(1, len(self)))
        return max(1, CHUNK_BYTES // per_row)

    def chunks(self, size: int | None = None) -> Iterator[np.ndarray]:
        """The selected rows in order, ``size`` rows at a time (default :meth:`chunk_size`), each an ``ndarray``."""
        size = size or self.chunk_size()
        for start in range(0, len(self), size):
            yield self[start:start + size]

    def to_array(self, dtype=None) -> np.ndarray:
        """All the selected rows in memory (one copy), optionally cast to ``dtype``, filled chunk by chunk."""
        out = np.empty(self.shape, dtype=dtype or self.dtype)
        size = self.chunk_size()
        for start, chunk in zip(range(0, len(self), size), self.chunks(size)):
            out[start:start + len(chunk)] = chunk
        return out

    def __repr__(self) -> str:
        return f"Rows({len(self)} of {self.X.shape[0]} rows, samples {list(self.shape[1:])}, {self.dtype})"


class RowDataset(Dataset):
    """A skorch ``Dataset`` of ``(X[rows[i]], y[i])`` read one sample at a time from :class:`Rows` ``X``.

    Each sample comes back as a writable ``float32`` copy of that one row (a read-only memory map's rows would make
    torch warn); ``y`` is the labels of the selected rows ``[len(X)]`` or ``None``.
    """

    def __init__(self, X: Rows, y: np.ndarray | None = None):
        if not isinstance(X, Rows):
            X = Rows(X)
        if y is not None and len(y) != len(X):
            raise ValueError(f"RowDataset: {len(X)} rows but {len(y)} labels")
        self.X, self.y = X, (None if y is None else np.asarray(y))
        self._len = len(X)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i):
        row = self.X.rows[i]
        x = np.array(self.X.X[row], dtype=np.float32)
        yi = self.y[i] if self.y is not None else torch.Tensor([0])  # skorch's own placeholder for no labels
        return x, yi
