"""scikit-learn transformers from raw EEG windows to our features, for pipelines on MOABB's (or any) ``X``.

``X`` is ``[n_windows, n_chans, n_times]`` in microvolts (what MOABB's ``get_data`` returns for SEED / SEED-IV, whose
``unit_factor`` scales volts back to microvolts). Both transformers are stateless (``fit`` only checks the input):

* :class:`BandDEFeatures` -> ``[n, n_chans, n_bands]``, the data layer's band DE (TorchEEG-identical); on MOABB's
  windows the values equal ``load_seed(..., "de")``'s within 1e-4 for theta to gamma. Delta agrees within ~7e-3 bits
  only: TorchEEG's order-5 (b, a) delta filter (poles at |z| = 0.999) amplifies rounding, so the 1e-16 change of
  MOABB's volts -> microvolts round trip moves it that much (a float32 copy of the same window moves it as much).
* :class:`FrameGrids` -> ``[n, n_frames, 2 * n_bands, 9, 9]``, EmotionCLIP's frame grids. Each window is processed on
  its own: filters run over the window and there is no trial baseline (the data layer filters whole trials and
  subtracts the trial's first 5 s); for a trial one window long with ``baseline_seconds=0`` the two are identical.
  Channels are placed on the grid by name (SEED's 62) or by position (:mod:`emoclip_plugin.data.montage`).

    make_pipeline(FrameGrids(), EmotionCLIPClassifier())
    make_pipeline(BandDEFeatures(), DGCNNClassifier())
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .channels import SEED_CHANNEL_LIST
from .features import EMOTIONCLIP_BANDS, SEED_DE_BANDS, BandDE, FrameFeatureConfig, FrameFeatures
from .montage import grid_placement


def _check_windows(X, who: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"{who}: expected raw windows [n_windows, n_chans, n_times], got shape {X.shape}")
    if X.shape[0] and not np.all(np.isfinite(X)):
        bad = int(X.size - np.count_nonzero(np.isfinite(X)))
        raise ValueError(f"{who}: X contains {bad} non-finite (NaN/inf) values")
    return X


class _Stateless(TransformerMixin, BaseEstimator):
    def fit(self, X, y=None):
        """Check ``X`` and the parameters; nothing is learned."""
        self._check(_check_windows(X, type(self).__name__))
        return self

    def _check(self, X: np.ndarray) -> None:
        pass

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


class BandDEFeatures(_Stateless):
    """Band differential entropy of raw windows: ``[n, n_chans, n_times]`` -> ``[n, n_chans, n_bands]`` (float32).

    The data layer's :class:`~emoclip_plugin.data.features.BandDE` (identical to TorchEEG's
    ``BandDifferentialEntropy``): an order-``order`` Butterworth band-pass per band, ``DE = 0.5 * log2(2 pi e var)``.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz (200 for SEED).
    bands : dict, optional
        Band name -> (low, high) Hz (default: SEED's delta 1-4 ... gamma 31-49 Hz).
    order : int
        Butterworth order (5, TorchEEG's).
    """

    def __init__(self, sfreq: float = 200.0, bands: Mapping | None = None, order: int = 5):
        self.sfreq = sfreq
        self.bands = bands
        self.order = order

    def _de(self) -> BandDE:
        return BandDE(float(self.sfreq), dict(self.bands or SEED_DE_BANDS), int(self.order))

    def _check(self, X):
        self._de()

    def transform(self, X) -> np.ndarray:
        return self._de()(_check_windows(X, type(self).__name__))


class FrameGrids(_Stateless):
    """EmotionCLIP frame grids of raw windows: ``[n, n_chans, n_times]`` -> ``[n, n_frames, 2*n_bands, 9, 9]``.

    Per window: the ``prefilter`` band-pass, then per band a zero-phase Butterworth band-pass and per frame
    ``DE = 0.5 * ln(2 pi e var)``; per frame a Welch PSD summed over each band; z-scored across electrodes; placed on
    the 9x9 grid (a cell shared by several channels holds their mean). No trial baseline (see the module docstring).
    ``n_times`` must be a whole number of frames.

    Parameters
    ----------
    sfreq : float
        Sampling rate in Hz (200).
    frame_seconds : float
        Frame length in s (0.5 -> 4 frames in a 2-s window).
    bands : dict, optional
        Band name -> (low, high) Hz (EmotionCLIP's six bands).
    prefilter : (low, high) or None
        Band-pass applied to the window first (0.5-75 Hz).
    filter_order : int
        Butterworth order (4).
    zscore : bool
        z-score each electrode vector (True).
    chs_info : list, optional
        The channels of ``X``: MNE-style dicts (``ch_name``, ``loc``; e.g. ``raw.info["chs"]``) or names. Default:
        SEED's 62 channels in file order (``X`` must then have 62 channels).
    """

    def __init__(self, sfreq: float = 200.0, frame_seconds: float = 0.5, bands: Mapping | None = None,
                 prefilter: tuple | None = (0.5, 75.0), filter_order: int = 4, zscore: bool = True, chs_info=None):
        self.sfreq = sfreq
        self.frame_seconds = frame_seconds
        self.bands = bands
        self.prefilter = prefilter
        self.filter_order = filter_order
        self.zscore = zscore
        self.chs_info = chs_info

    def _config(self, n_times: int) -> FrameFeatureConfig:
        return FrameFeatureConfig(sfreq=float(self.sfreq), window_seconds=n_times / float(self.sfreq),
                                  frame_seconds=float(self.frame_seconds),
                                  bands=dict(self.bands or EMOTIONCLIP_BANDS), baseline_seconds=0.0,
                                  prefilter=None if self.prefilter is None else tuple(self.prefilter),
                                  filter_order=int(self.filter_order), zscore=bool(self.zscore))

    def _placement(self, n_chans: int) -> np.ndarray:
        chs = SEED_CHANNEL_LIST if self.chs_info is None else list(self.chs_info)
        if len(chs) != n_chans:
            where = "SEED's 62 channels (no chs_info given)" if self.chs_info is None else f"{len(chs)} chs_info"
            raise ValueError(f"FrameGrids: X has {n_chans} channels but there are {where}; pass chs_info= with one "
                             f"entry per channel of X")
        return grid_placement(chs)

    def _check(self, X):
        self._config(X.shape[-1])
        self._placement(X.shape[1])

    def transform(self, X) -> np.ndarray:
        X = _check_windows(X, type(self).__name__)
        feats = FrameFeatures(self._config(X.shape[-1])).windows(X)  # [n, F, 2B, C]
        n, f, c2, _ = feats.shape
        return (feats @ self._placement(X.shape[1])).reshape(n, f, c2, 9, 9).astype(np.float32)
