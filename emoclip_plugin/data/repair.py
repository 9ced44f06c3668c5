"""Dead electrodes: a flat channel filled from its neighbours before any feature is computed.

A channel whose samples are (near) constant in a trial (standard deviation at most :data:`FLAT_STD` µV: a dead or
disconnected electrode) has a band DE of about log2(2*pi*e*1e-300)/2 = -496 bits, an outlier that dominates an
unnormalised model's input and the z-scoring of the frame grids. We treat it as missing: its samples are replaced by
the mean of the live channels around it on SEED's 9 x 9 electrode grid (the 8 cells around it; when none of those
is live, the next ring, and so on), a nearest-neighbour interpolation in the spirit of MNE's ``interpolate_bads``
without its sensor-position model. The features of the filled channel are then finite and within the range of its
neighbours'. The loaders warn about each such trial (:class:`~emoclip_plugin.data.folders.SignalWarning`).
"""
from __future__ import annotations

import numpy as np

from .channels import SEED_CHANNEL_LIST, SEED_CHANNEL_LOCATION_DICT

#: Per-channel standard deviation (µV) at or below which a channel counts as flat (a dead electrode).
FLAT_STD = 1e-6


def flat_channels(trial: np.ndarray, std: np.ndarray | None = None) -> np.ndarray:
    """Indices of the channels of ``trial`` ``[n_chans, n_times]`` whose standard deviation is at most
    :data:`FLAT_STD`. ``std``: the per-channel standard deviations when the caller has them already."""
    trial = np.asarray(trial)
    if trial.ndim != 2 or trial.shape[1] < 2:
        return np.zeros(0, dtype=int)
    return np.flatnonzero((trial.std(axis=1) if std is None else std) <= FLAT_STD)


def neighbour_rings(channel_names: list[str] | None = None) -> list[list[np.ndarray]]:
    """For each channel, its grid neighbours by ring: ``rings[i][r - 1]`` = the channels at Chebyshev distance ``r``
    from channel ``i`` on the 9 x 9 grid (``r`` = 1 .. 8). Default: SEED's 62 channels."""
    names = list(channel_names or SEED_CHANNEL_LIST)
    where = np.array([SEED_CHANNEL_LOCATION_DICT[n] for n in names])
    distance = np.abs(where[:, None, :] - where[None, :, :]).max(axis=2)
    return [[np.flatnonzero(distance[i] == r) for r in range(1, 9)] for i in range(len(names))]


_SEED_RINGS: list = []


def fill_flat_channels(trial: np.ndarray, flat: np.ndarray | None = None) -> np.ndarray:
    """``trial`` ``[62, n_times]`` (SEED's channel order) with each flat channel replaced by the mean of the
    nearest ring of live grid neighbours (see the module docstring); the input is not modified. A trial with no
    flat channel, or with every channel flat, comes back unchanged."""
    trial = np.asarray(trial)
    flat = flat_channels(trial) if flat is None else np.asarray(flat, dtype=int)
    if len(flat) == 0 or len(flat) == trial.shape[0]:
        return trial
    if trial.shape[0] != len(SEED_CHANNEL_LIST):
        raise ValueError(f"fill_flat_channels: expected SEED's {len(SEED_CHANNEL_LIST)} channels, got "
                         f"{trial.shape[0]}")
    if not _SEED_RINGS:
        _SEED_RINGS.extend(neighbour_rings())
    dead = np.zeros(trial.shape[0], dtype=bool)
    dead[flat] = True
    out = np.array(trial, dtype=np.result_type(trial.dtype, np.float32), copy=True)
    for i in flat:
        for ring in _SEED_RINGS[i]:
            live = ring[~dead[ring]]
            if len(live):
                out[i] = trial[live].mean(axis=0)
                break
    return out


__all__ = ["FLAT_STD", "flat_channels", "fill_flat_channels", "neighbour_rings"]
