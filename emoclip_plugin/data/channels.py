"""SEED / SEED-IV electrode montage: the 62 channel names and their places on TorchEEG's 9x9 grid."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .._deps import require

_constants = require("torcheeg.datasets.constants", "torcheeg")

#: The 62 SEED channel names in file order (identical for SEED-IV), from TorchEEG.
SEED_CHANNEL_LIST: list[str] = list(_constants.SEED_CHANNEL_LIST)
#: Channel name -> ``[row, col]`` on the 9x9 grid, from TorchEEG.
SEED_CHANNEL_LOCATION_DICT: dict[str, list[int]] = dict(_constants.SEED_CHANNEL_LOCATION_DICT)
N_CHANS = len(SEED_CHANNEL_LIST)
GRID_SIZE = (9, 9)


def grid_index(location_dict: Mapping[str, Sequence[int] | None] = SEED_CHANNEL_LOCATION_DICT) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Rows, columns and grid shape for a channel -> ``[row, col]`` dict (entries that are ``None`` are skipped).

    The order is the dict's order, which is the order TorchEEG's ``ToGrid`` uses: channel ``i`` of the input goes to
    ``(rows[i], cols[i])``. Returns ``rows, cols, (height, width)``.
    """
    rows, cols, keep = [], [], []
    for i, loc in enumerate(location_dict.values()):
        if loc is None:
            continue
        rows.append(int(loc[0]))
        cols.append(int(loc[1]))
        keep.append(i)
    if keep != list(range(len(keep))):
        raise ValueError("channel locations with None in the middle are not supported; drop those channels first")
    return np.asarray(rows), np.asarray(cols), (max(rows) + 1, max(cols) + 1)


def electrode_xy(location_dict: Mapping[str, Sequence[int]] = SEED_CHANNEL_LOCATION_DICT) -> np.ndarray:
    """Approximate 2-D electrode coordinates ``[n_chans, 2]`` (grid units, x = column, y = row)."""
    rows, cols, _ = grid_index(location_dict)
    return np.stack([cols, rows], axis=1).astype(float)
