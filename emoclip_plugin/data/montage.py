"""Place any montage on SEED's 9x9 electrode grid: by name for SEED's 62 channels, by position for the others.

EmotionCLIP's input is a 9x9 grid per frame and band (TorchEEG's SEED layout). A MOABB or braindecode user brings
other montages; :func:`grid_placement` puts each channel on a grid cell:

* a channel whose name (case-insensitive) is one of SEED's 62 goes to its cell in TorchEEG's layout;
* any other channel goes to the cell nearest to its position (``chs_info[i]["loc"][:3]``, MNE head coordinates in
  metres): positions are projected onto the plane with MNE's azimuthal equidistant projection about the head sphere's
  origin ``(0, 0, 0.04)`` m, and the projected plane is mapped to grid rows and columns by the affine map that best
  fits (least squares) SEED's own channels at their standard 10-05 positions (MNE's ``colin27_1005`` montage);
* channels that land on the same cell share it: the cell holds their mean.

The result is a placement matrix ``[n_chans, 81]`` (one row per channel, weights summing to 1 per used cell), so a grid
is ``values @ placement`` in numpy and in torch alike.
"""
from __future__ import annotations

import functools
import warnings
from typing import Sequence

import numpy as np

from .channels import GRID_SIZE, SEED_CHANNEL_LIST, SEED_CHANNEL_LOCATION_DICT

#: MNE's default head-sphere origin (m, head coordinates), the projection centre.
HEAD_ORIGIN = np.array([0.0, 0.0, 0.04])


def channel_name(ch) -> str:
    """The name of a ``chs_info`` entry (a dict with ``ch_name``) or a plain channel name."""
    return str(ch["ch_name"] if isinstance(ch, dict) else ch)


def _position(ch) -> np.ndarray | None:
    loc = ch.get("loc") if isinstance(ch, dict) else None
    if loc is None:
        return None
    xyz = np.asarray(loc, dtype=float).ravel()[:3]
    if xyz.size < 3 or not np.all(np.isfinite(xyz)) or not np.any(xyz):
        return None
    return xyz


def project_positions(xyz: np.ndarray) -> np.ndarray:
    """Azimuthal equidistant projection of head positions ``[n, 3]`` (m) -> plane ``[n, 2]`` (x right, y front)."""
    v = np.asarray(xyz, dtype=float) - HEAD_ORIGIN
    r = np.linalg.norm(v, axis=1)
    theta = np.arccos(np.clip(v[:, 2] / np.maximum(r, 1e-12), -1.0, 1.0))
    phi = np.arctan2(v[:, 1], v[:, 0])
    return np.stack([theta * np.cos(phi), theta * np.sin(phi)], axis=1)


def set_standard_montage(info) -> None:
    """Give ``info``'s channels their standard 10-05 positions (MNE's ``colin27_1005``, called ``standard_1005`` before
    MNE 1.13), matching names case-insensitively; channels without one (SEED's CB1 / CB2) keep none."""
    import mne
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the old name's deprecation notice
        name = "colin27_1005" if "colin27_1005" in mne.channels.get_builtin_montages() else "standard_1005"
        info.set_montage(name, match_case=False, on_missing="ignore")


@functools.lru_cache(maxsize=1)
def _plane_to_grid() -> np.ndarray:
    """Affine map ``[3, 2]``: ``[x, y, 1] @ A = [row, col]``, fitted on SEED's channels at standard 10-05 positions."""
    import mne
    info = mne.create_info(SEED_CHANNEL_LIST, 200.0, "eeg")
    set_standard_montage(info)
    xyz, cells = [], []
    for ch in info["chs"]:
        pos = _position({"loc": ch["loc"]})
        if pos is not None:
            xyz.append(pos)
            cells.append(SEED_CHANNEL_LOCATION_DICT[ch["ch_name"]])
    plane = project_positions(np.asarray(xyz))
    design = np.hstack([plane, np.ones((len(plane), 1))])
    coef, *_ = np.linalg.lstsq(design, np.asarray(cells, dtype=float), rcond=None)
    return coef


def projected_cells(xyz: np.ndarray) -> np.ndarray:
    """Head positions ``[n, 3]`` (m) -> the nearest grid cells ``[n, 2]`` (row, col), clipped to the 9x9 grid."""
    plane = project_positions(np.atleast_2d(xyz))
    rc = np.hstack([plane, np.ones((len(plane), 1))]) @ _plane_to_grid()
    return np.clip(np.rint(rc), 0, np.array(GRID_SIZE) - 1).astype(int)


def grid_cells(chs_info: Sequence) -> list[tuple[int, int]]:
    """Grid cell ``(row, col)`` of each channel (see the module docstring).

    Raises
    ------
    ValueError : a channel is neither one of SEED's names nor has a position.
    """
    cells: list[tuple[int, int] | None] = []
    missing = []
    for ch in chs_info:
        name = channel_name(ch).upper()
        if name in SEED_CHANNEL_LOCATION_DICT:
            row, col = SEED_CHANNEL_LOCATION_DICT[name]
            cells.append((int(row), int(col)))
            continue
        pos = _position(ch)
        if pos is None:
            missing.append(channel_name(ch))
            cells.append(None)
        else:
            row, col = projected_cells(pos[None])[0]
            cells.append((int(row), int(col)))
    if missing:
        raise ValueError(f"channels {missing} are not SEED channel names and have no position (chs_info 'loc'); "
                         f"give them positions (e.g. raw.set_montage('standard_1005')) or drop them")
    return cells  # type: ignore[return-value]


def grid_placement(chs_info: Sequence | None = None) -> np.ndarray:
    """Placement matrix ``[n_chans, 81]`` (float32): ``grids = values @ placement`` -> ``[..., 81]`` (reshape 9x9).

    ``chs_info``: MNE-style channel dicts (``ch_name``, ``loc``) or plain names; ``None`` = SEED's 62 channels in file
    order. A cell shared by several channels holds their mean; cells without a channel are 0.
    """
    cells = grid_cells(SEED_CHANNEL_LIST if chs_info is None else list(chs_info))
    height, width = GRID_SIZE
    flat = np.array([r * width + c for r, c in cells])
    placement = np.zeros((len(cells), height * width), dtype=np.float32)
    placement[np.arange(len(cells)), flat] = 1.0
    counts = placement.sum(axis=0)
    placement /= np.maximum(counts, 1.0)
    return placement
