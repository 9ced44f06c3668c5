"""SEED and SEED-IV through TorchEEG's own loaders, with fast features, checked folders and safe caches.

One function per dataset family returns a TorchEEG dataset (a subclass instance of ``SEEDDataset``,
``SEEDIVDataset``, ``SEEDFeatureDataset`` or ``SEEDIVFeatureDataset``): TorchEEG reads the files, builds its records,
``info`` and IO; the speed comes from our ``before_trial`` hook, which computes the features of a whole trial at once
(filters designed once, vectorised over channels, bands and windows) and hands TorchEEG one packed block per window,
which our ``offline_transform`` unpacks. Each item is ``(features, label)`` with ``label`` in ``0..C-1``; the dataset
carries ``class_names``, ``feature_kind`` and ``feature_shape``.

``info`` columns added or fixed: ``session_id`` (int 1..3; for raw SEED the rank of the recording date within a
subject), ``trial_id`` (int 1..15 / 1..24), ``label`` (0..C-1); ``start_at``/``end_at`` are samples from the trial
start (the EmotionCLIP features skip the baseline, and the offsets say so).

Feature kinds (``features=``):

* ``"emotionclip"`` — ``[frames, 2*bands, 9, 9]`` = ``[4, 12, 9, 9]``: DE and PSD in six bands per 0.5-s frame of a
  2-s window (:class:`~emoclip_plugin.data.features.FrameFeatureConfig`).
* ``"de"`` — ``[62, 5]``: TorchEEG-identical ``BandDifferentialEntropy`` (SEED's five bands) per window (DGCNN).
* ``"de_grid"`` — ``[5, 9, 9]``: the same on TorchEEG's 9x9 grid (``ToGrid``; CCNN).
* ``"raw"`` — ``[62, n_times]``: the EEG window itself (float32; raw-EEG models).
"""
from __future__ import annotations

import contextlib
import functools
import logging
import os
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._deps import require
from .cache import cache_key, cached_build, dataset_cache_dir, default_cache_dir
from .channels import N_CHANS, SEED_CHANNEL_LIST, SEED_CHANNEL_LOCATION_DICT
from .features import SEED_DE_BANDS, BandDE, FrameFeatureConfig, FrameFeatures, to_grid
from .folders import (DataFolderError, FolderScan, check_finite, check_signal, detect_family, is_mat_read_error,
                      scan_folder, unreadable_mat)
from .repair import fill_flat_channels

_torcheeg_datasets = require("torcheeg.datasets", "torcheeg")
_torcheeg_transforms = require("torcheeg.transforms", "torcheeg")
_torcheeg_io = require("torcheeg.io", "torcheeg")
_lmdb = require("lmdb", "lmdb (TorchEEG's storage)")

SEED_CLASS_NAMES = ("negative", "neutral", "positive")
SEED_IV_CLASS_NAMES = ("neutral", "sad", "fear", "happy")
RAW_FEATURE_KINDS = ("emotionclip", "de", "de_grid", "raw")
FOLDER_FEATURE_KINDS = ("de", "de_grid")
SFREQ = 200
#: bump when the numbers a cache holds would change for the same parameters (3: flat channels filled from their
#: grid neighbours, :mod:`.repair`)
FEATURE_CODE_VERSION = 3


class TrialFeatureHook:
    """TorchEEG ``before_trial`` hook: check a trial, compute its features at once, pack one block per window.

    Input: a raw trial ``[n_chans, n_times]`` (or, for feature folders, ``[n_windows, n_chans, n_values]``).
    Output for raw trials: ``[n_chans, n_windows * window_samples]`` where the first ``n_values`` columns of window
    block ``i`` hold window ``i``'s per-channel features, so TorchEEG's own chunking (``chunk_size=window_samples``,
    no overlap) cuts exactly our windows. ``"raw"`` returns the trial unchanged.
    """

    def __init__(self, kind: str, window_samples: int, frame_config: FrameFeatureConfig | None = None,
                 n_chans: int = N_CHANS):
        self.kind = kind
        self.window_samples = int(window_samples)
        self.frame_config = frame_config
        self.n_chans = n_chans
        self._impl = None

    def _compute(self, trial: np.ndarray) -> np.ndarray:
        """Per-window values ``[n_windows, n_chans, n_values]``."""
        if self._impl is None:
            self._impl = FrameFeatures(self.frame_config) if self.kind == "emotionclip" else BandDE(SFREQ, SEED_DE_BANDS)
        if self.kind == "emotionclip":
            feats = self._impl.trial(trial)  # [n, frames, features, chans]
            n, frames, n_feat, chans = feats.shape
            return feats.transpose(0, 3, 1, 2).reshape(n, chans, frames * n_feat)
        n = trial.shape[1] // self.window_samples
        windows = trial[:, : n * self.window_samples].reshape(trial.shape[0], n, self.window_samples)
        return self._impl(windows.transpose(1, 0, 2))  # [n, chans, bands]

    def __call__(self, trial: np.ndarray) -> np.ndarray:
        trial = np.asarray(trial)
        check_finite(trial)
        if self.kind == "folder":
            return trial
        if trial.ndim == 2 and trial.shape[0] == N_CHANS:
            trial = fill_flat_channels(trial)  # a dead electrode: its neighbours' mean (the loader warns)
        if self.kind == "raw":
            return trial
        values = self._compute(trial)
        n, chans, per = values.shape
        if per > self.window_samples:
            raise ValueError(f"{per} feature values per channel do not fit a window of {self.window_samples} samples")
        packed = np.zeros((chans, n, self.window_samples), dtype=np.float32)
        packed[:, :, :per] = values.transpose(1, 0, 2)
        return packed.reshape(chans, n * self.window_samples)


class UnpackWindow:
    """TorchEEG ``offline_transform``: one packed window -> our feature array (see :class:`TrialFeatureHook`).

    ``value_shape`` is the per-channel layout (``(4, 12)`` for EmotionCLIP, ``(5,)`` for DE); ``grid`` puts the
    channels on the 9x9 grid (channel axis last -> ``[..., 9, 9]``), otherwise channels come first (``[62, 5]``).
    ``value_shape=None`` keeps the window as it is (raw EEG / feature folders), cast to float32.
    """

    def __init__(self, value_shape: tuple[int, ...] | None, grid: bool):
        self.value_shape = None if value_shape is None else tuple(value_shape)
        self.grid = grid

    def __call__(self, *args, eeg: np.ndarray, **kwargs) -> dict[str, np.ndarray]:
        eeg = np.asarray(eeg, dtype=np.float32)
        if self.value_shape is not None:
            per = int(np.prod(self.value_shape))
            eeg = eeg[:, :per].reshape((eeg.shape[0],) + self.value_shape)
        if self.grid:
            eeg = to_grid(np.moveaxis(eeg, 0, -1), SEED_CHANNEL_LOCATION_DICT)
        return {"eeg": np.ascontiguousarray(eeg, dtype=np.float32)}


def _display_path(file: Any, kwargs: dict) -> str:
    if isinstance(file, tuple):
        file = file[0]
    file = str(file)
    return file if os.path.isabs(file) else os.path.join(str(kwargs.get("root_path", "")), file)


class _NamedTrials:
    """Wraps the ``before_trial`` hook of one file so that its errors name the trial variable: TorchEEG's raw loaders
    call the hook once per variable whose name contains ``eeg``, in file order."""

    def __init__(self, hook, path: str):
        self.hook, self.index, self.path = hook, 0, path
        try:
            from scipy.io import whosmat
            self.names = [name for name, _, _ in whosmat(path) if "eeg" in name]
        except Exception:  # noqa: BLE001 - unreadable files fail in TorchEEG's own read, with their own message
            self.names = []

    def __call__(self, trial):
        name = self.names[self.index] if self.index < len(self.names) else f"#{self.index + 1}"
        self.index += 1
        try:
            out = self.hook(trial)
        except Exception as exc:
            raise DataFolderError(f"trial {name!r}: {exc}") from exc
        if getattr(self.hook, "kind", None) != "folder":  # raw samples: dead channels, amplitude scale
            check_signal(trial, f"{self.path}: trial {name!r}", SEED_CHANNEL_LIST)
        return out


#: The progress bar of the dataset being built in this process (``load_dataset(progress=True)``), or ``None``.
_BUILD_BAR: list = [None]


def _checked_process_record(process_record, file=None, **kwargs):
    """Run TorchEEG's ``process_record`` and name the file (and the trial variable) in any error it or our hook
    raises; advance the build's progress bar by one file (and count its windows)."""
    if kwargs.get("before_trial") is not None:
        kwargs["before_trial"] = _NamedTrials(kwargs["before_trial"], _display_path(file, kwargs))
    bar, n = _BUILD_BAR[0], 0
    try:
        for item in process_record(file=file, **kwargs):
            n += 1
            yield item
    except DataFolderError as exc:
        raise DataFolderError(f"{_display_path(file, kwargs)}: {exc}") from exc
    except Exception as exc:
        if is_mat_read_error(exc):  # the same message as the folder scan and the MOABB datasets give
            raise unreadable_mat(_display_path(file, kwargs), exc) from exc
        raise DataFolderError(f"{_display_path(file, kwargs)}: {exc}") from exc
    if bar is not None:
        bar.windows += n
        elapsed = bar.format_dict["elapsed"] or 1e-9
        bar.set_postfix_str(f"{bar.windows:,} windows, {bar.windows / elapsed:,.0f} windows/s", refresh=False)
        bar.update(1)


def _scanned_records(self, **kwargs):
    return list(self._emoclip_records)


class BulkLMDBSignalIO(_torcheeg_io.eeg_signal.LMDBEEGSignalIO):
    """TorchEEG's LMDB signal store, written in bulk: windows are committed ``batch`` at a time with no disk sync per
    commit, and :meth:`finish` commits the rest and syncs once. Used only while a cache is built, and that happens
    under a temporary folder renamed into place when complete (:func:`~emoclip_plugin.data.cache.cached_build`), so a
    crash mid-build never leaves a readable cache. TorchEEG's own store commits (and syncs) one transaction per
    window, which costs more than computing the window's features. The files are TorchEEG's format: later runs read
    them with TorchEEG's ``LMDBEEGSignalIO``.
    """

    def __init__(self, io_path: str, io_size: int = 1048576, batch: int = 4096) -> None:
        self.io_path, self.io_size, self.batch = io_path, io_size, int(batch)
        os.makedirs(self.io_path, exist_ok=True)
        self._env = _lmdb.open(path=self.io_path, map_size=self.io_size, lock=False, sync=False, metasync=False)
        self._pending: list[tuple[bytes, bytes]] = []

    def write_eeg(self, eeg: Any, key: str | None = None) -> str:
        if key is None:
            self.commit()
            key = str(self.write_pointer)
        if eeg is None:
            raise RuntimeError(f"Save None to the LMDB with the key {key}!")
        self._pending.append((key.encode(), pickle.dumps(eeg)))
        if len(self._pending) >= self.batch:
            self.commit()
        return key

    def commit(self) -> None:
        """Write the pending windows in one transaction (growing the map like TorchEEG when it is full)."""
        while self._pending:
            try:
                with self._env.begin(write=True) as txn:
                    for key, value in self._pending:
                        txn.put(key, value)
                self._pending = []
            except _lmdb.MapFullError:
                self.io_size *= 2
                self._env.set_mapsize(self.io_size)

    def finish(self) -> None:
        """Commit what is pending and sync the store to disk once."""
        self.commit()
        self._env.sync(True)

    def __len__(self):
        self.commit()
        return super().__len__()

    def read_eeg(self, key: str) -> Any:
        self.commit()
        return super().read_eeg(key)

    def keys(self):
        self.commit()
        return super().keys()


def _close_signal_stores(dataset) -> None:
    """Close the LMDB environments a freshly built TorchEEG dataset holds (before its folder is renamed)."""
    for io in getattr(dataset, "eeg_io_router", {}).values():
        env = getattr(getattr(io, "_io", None), "_env", None)
        if env is not None:
            env.close()


def _bulk_save_record(io_path: str | None = None, io_size: int = 1048576, io_mode: str = "lmdb", file: Any = None,
                      file_id: int | None = None, process_record=None, verbose: bool = True, **kwargs):
    """TorchEEG's ``BaseDataset.save_record`` (one record = one file's windows) with the signals written by
    :class:`BulkLMDBSignalIO` and the info rows written to TorchEEG's ``info.csv`` once at the end, in the same CSV
    format (TorchEEG opens and appends the file once per window). Other ``io_mode`` values use TorchEEG's own."""
    base = _torcheeg_datasets.SEEDDataset.save_record
    if io_mode != "lmdb":
        return base(io_path=io_path, io_size=io_size, io_mode=io_mode, file=file, file_id=file_id,
                    process_record=process_record, verbose=verbose, **kwargs)
    import csv
    record = f"_record_{file_id}"
    info_io = _torcheeg_io.MetaInfoIO(os.path.join(io_path, record, "info.csv"))
    eeg_io = _torcheeg_io.EEGSignalIO.__new__(_torcheeg_io.EEGSignalIO)
    eeg_io.io_path, eeg_io.io_size, eeg_io.io_mode = os.path.join(io_path, record, "eeg"), io_size, io_mode
    eeg_io._io = BulkLMDBSignalIO(eeg_io.io_path, io_size)
    rows = []
    for obj in process_record(file=file, **kwargs):
        if obj and "eeg" in obj and "key" in obj:
            eeg_io.write_eeg(obj["eeg"], obj["key"])
        if obj and "info" in obj:
            rows.append(obj["info"])
    eeg_io._io.finish()
    with open(info_io.io_path, "a+", newline="") as fh:
        for i, row in enumerate(rows):
            writer = csv.DictWriter(fh, fieldnames=list(row.keys()))
            if i == 0 and fh.tell() == 0:
                writer.writeheader()
            writer.writerow(row)
        fh.flush()
        os.fsync(fh.fileno())
    info_io.write_pointer = len(rows)
    return {"eeg_io": eeg_io, "info_io": info_io, "record": record}


def _checked_subclass(base):
    attrs = {
        "set_records": _scanned_records,
        "process_record": staticmethod(functools.partial(_checked_process_record, base.process_record)),
        "save_record": staticmethod(_bulk_save_record),
        "__module__": __name__,
        "__doc__": f"TorchEEG ``{base.__name__}`` reading only checked files, with errors that name the file.",
    }
    return type(f"Checked{base.__name__}", (base,), attrs)


CheckedSEEDDataset = _checked_subclass(_torcheeg_datasets.SEEDDataset)
CheckedSEEDIVDataset = _checked_subclass(_torcheeg_datasets.SEEDIVDataset)
CheckedSEEDFeatureDataset = _checked_subclass(_torcheeg_datasets.SEEDFeatureDataset)
CheckedSEEDIVFeatureDataset = _checked_subclass(_torcheeg_datasets.SEEDIVFeatureDataset)
_CLASSES = {"seed": CheckedSEEDDataset, "seed-iv": CheckedSEEDIVDataset,
            "seed-features": CheckedSEEDFeatureDataset, "seed-iv-features": CheckedSEEDIVFeatureDataset}


def _non_empty_dir(path: str) -> bool:
    """Whether ``path`` is a folder with at least one entry (the scandir iterator closed at once)."""
    if not os.path.isdir(path):
        return False
    with os.scandir(path) as entries:
        return any(True for _ in entries)


@contextlib.contextmanager
def _torcheeg_log(verbose: bool):
    """Silence TorchEEG's INFO messages (which also name our temporary build folder) unless ``verbose``."""
    logger = logging.getLogger("torcheeg")
    level = logger.level
    if not verbose:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _fix_info(info: pd.DataFrame, family: str, offset: int) -> pd.DataFrame:
    info = info.copy()
    if family == "seed":
        info["trial_name"] = info["trial_id"].astype(str)
        info["trial_id"] = info["trial_name"].str.extract(r"_eeg(\d+)$")[0].astype(int)
        info["session_id"] = (info.groupby("subject_id")["date"].rank(method="dense").astype(int))
    elif family == "seed-features":
        info["session_id"] = info["session_id"].astype(int) + 1
    else:
        info["session_id"] = info["session_id"].astype(int)
    info["trial_id"] = info["trial_id"].astype(int)
    info["subject_id"] = info["subject_id"].astype(int)
    info["label"] = info["emotion"].astype(int) + (1 if family in ("seed", "seed-features") else 0)
    if offset:
        info["start_at"] = info["start_at"] + offset
        info["end_at"] = info["end_at"] + offset
    return info


def load_dataset(root: str | os.PathLike, family: str | None = None, features: str = "emotionclip", *,
                 window_seconds: float | None = None, feature_config: FrameFeatureConfig | None = None,
                 feature: str | list[str] = "de_LDS", cache_dir: str | os.PathLike | None = None,
                 io_mode: str = "lmdb", num_worker: int = 0, verbose: bool = False, progress: bool = False):
    """Load any SEED-format folder through TorchEEG (see the module docstring); ``family=None`` detects it.

    Parameters
    ----------
    root : ``Preprocessed_EEG/``, ``eeg_raw_data/``, ``ExtractedFeatures/`` or ``eeg_feature_smooth/``.
    family : ``"seed"``, ``"seed-iv"``, ``"seed-features"``, ``"seed-iv-features"`` or ``None`` (detect).
    features : ``"emotionclip"``, ``"de"``, ``"de_grid"`` or ``"raw"`` (feature folders: ``"de"`` / ``"de_grid"``).
    window_seconds : window length in s for ``"de"``, ``"de_grid"``, ``"raw"`` (default 1 s SEED, 4 s SEED-IV; the
        EmotionCLIP window is ``feature_config.window_seconds``, 2 s).
    feature_config : EmotionCLIP feature parameters (default: the paper's).
    feature : for feature folders, which stored features (``"de_LDS"``, ``"de_movingAve"``, a list to concatenate).
    cache_dir : where processed datasets are kept (default ``$EMOCLIP_CACHE`` or ``~/.cache/emoclip-plugin``).
    io_mode, num_worker, verbose : passed to TorchEEG.
    progress : a tqdm bar while the features are built (files done / total, windows/s, ETA); the benchmark turns it
        on unless ``--quiet``. A cached dataset loads without one.
    """
    family = family or detect_family(root)
    if family not in _CLASSES:
        raise ValueError(f"family must be one of {sorted(_CLASSES)}, got {family!r}")
    is_folder = family.endswith("-features")
    kinds = FOLDER_FEATURE_KINDS if is_folder else RAW_FEATURE_KINDS
    if features not in kinds:
        raise ValueError(f"features={features!r} is not available for {family}; choose one of {kinds}")
    if io_mode not in ("lmdb", "pickle", "memory"):
        raise ValueError(f"io_mode must be 'lmdb', 'pickle' or 'memory', got {io_mode!r}")
    root = Path(root)
    class_names = SEED_IV_CLASS_NAMES if family.startswith("seed-iv") else SEED_CLASS_NAMES
    params: dict[str, Any] = {"family": family, "features": features, "io_mode": io_mode,
                              "code_version": FEATURE_CODE_VERSION, "torcheeg": "1.1.3"}
    kwargs: dict[str, Any] = {}
    offset = 0
    if is_folder:
        names = [feature] if isinstance(feature, str) else list(feature)
        bad = [n for n in names if n not in ("de_LDS", "de_movingAve", "psd_LDS", "psd_movingAve")]
        if bad or not names:
            raise ValueError(f"feature must be among 'de_LDS', 'de_movingAve', 'psd_LDS', 'psd_movingAve', got {feature!r}")
        params["feature"] = names
        scan = scan_folder(root, family)
        n_values = 5 * len(names)
        hook = TrialFeatureHook("folder", 1)
        transform = UnpackWindow(None, grid=features == "de_grid")
        kwargs["feature"] = names
        shape = (n_values, 9, 9) if features == "de_grid" else (N_CHANS, n_values)
    else:
        if features == "emotionclip":
            if window_seconds is not None:
                feature_config = replace(feature_config or FrameFeatureConfig(), window_seconds=window_seconds)
            cfg = feature_config or FrameFeatureConfig()
            if cfg.sfreq != SFREQ:
                raise ValueError(f"SEED folders are sampled at {SFREQ} Hz; feature_config.sfreq={cfg.sfreq}")
            window = cfg.window_samples
            min_samples = cfg.baseline_samples + window
            params["feature_config"] = cfg.as_dict()
            hook = TrialFeatureHook("emotionclip", window, cfg)
            transform = UnpackWindow((cfg.n_frames, cfg.n_features), grid=True)
            shape = (cfg.n_frames, cfg.n_features, 9, 9)
            offset = cfg.baseline_samples
        else:
            seconds = window_seconds if window_seconds is not None else (4.0 if family == "seed-iv" else 1.0)
            if not (np.isfinite(seconds) and seconds > 0) or abs(seconds * SFREQ - round(seconds * SFREQ)) > 1e-9:
                raise ValueError(f"window_seconds must be a positive whole number of samples at {SFREQ} Hz, got {seconds!r}")
            window = int(round(seconds * SFREQ))
            min_samples = window
            params["window_samples"] = window
            if features == "raw":
                hook = TrialFeatureHook("raw", window)
                transform = UnpackWindow(None, grid=False)
                shape = (N_CHANS, window)
            else:
                params["de"] = {"bands": SEED_DE_BANDS, "order": 5}
                hook = TrialFeatureHook("de", window)
                transform = UnpackWindow((len(SEED_DE_BANDS),), grid=features == "de_grid")
                shape = (len(SEED_DE_BANDS), 9, 9) if features == "de_grid" else (N_CHANS, len(SEED_DE_BANDS))
        scan = scan_folder(root, family, min_samples=min_samples)
        kwargs.update(chunk_size=window, overlap=0)
    key = cache_key(params, root)
    cls = _CLASSES[family]

    def build(io_path: str):
        dataset = cls.__new__(cls)
        dataset._emoclip_records = scan.records
        from tqdm.auto import tqdm
        # leave=False: a finished (or failed) bar is erased, so an error stays the one line on the terminal; no bar
        # when the folder already holds the features (the cache reopens a finished build: nothing is computed)
        reopened = _non_empty_dir(io_path)
        with _torcheeg_log(verbose), tqdm(total=len(scan.records), desc=f"{family} '{features}' features",
                                          unit="file", leave=False,
                                          disable=not progress or num_worker > 0 or reopened) as bar:
            bar.windows = 0
            _BUILD_BAR[0] = bar
            try:
                cls.__init__(dataset, root_path=str(root), num_channel=N_CHANS, before_trial=hook,
                             offline_transform=transform, label_transform=_torcheeg_transforms.Select("label"),
                             io_path=io_path, io_mode=io_mode, num_worker=num_worker, verbose=verbose, **kwargs)
            finally:
                _BUILD_BAR[0] = None
        return dataset

    if io_mode == "memory":
        dataset = build(os.path.join(cache_dir or default_cache_dir(), "memory"))
    else:
        cache_root = Path(cache_dir) if cache_dir is not None else dataset_cache_dir()
        dataset = cached_build(cache_root, family, key, build, meta={"root": str(root), "params": params},
                               close=_close_signal_stores)
    dataset.info = _fix_info(dataset.info, family, offset)
    dataset.class_names = list(class_names)
    dataset.feature_kind = features
    dataset.feature_shape = shape
    dataset.family = family
    dataset.skipped_files = [str(p) for p in scan.skipped]
    dataset.cache_key = key
    return dataset


def load_seed(root, features: str = "emotionclip", **kwargs):
    """Raw SEED (``Preprocessed_EEG/``) through TorchEEG's ``SEEDDataset``; see :func:`load_dataset`."""
    return load_dataset(root, "seed", features, **kwargs)


def load_seed_iv(root, features: str = "emotionclip", **kwargs):
    """Raw SEED-IV (``eeg_raw_data/``) through TorchEEG's ``SEEDIVDataset``; see :func:`load_dataset`."""
    return load_dataset(root, "seed-iv", features, **kwargs)


def load_seed_features(root, features: str = "de", feature: str | list[str] = "de_LDS", **kwargs):
    """SEED ``ExtractedFeatures/`` through TorchEEG's ``SEEDFeatureDataset`` (1-s windows; ``[62, 5]`` or grids)."""
    return load_dataset(root, "seed-features", features, feature=feature, **kwargs)


def load_seed_iv_features(root, features: str = "de", feature: str | list[str] = "de_LDS", **kwargs):
    """SEED-IV ``eeg_feature_smooth/`` through TorchEEG's ``SEEDIVFeatureDataset`` (4-s windows)."""
    return load_dataset(root, "seed-iv-features", features, feature=feature, **kwargs)


def to_numpy(dataset, indices=None, out: str | os.PathLike | None = None,
             progress: bool = False) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Read a TorchEEG dataset (or a split of one) into memory, or into the ``.npy`` file ``out``.

    Returns ``X [N, *feature_shape]`` (float32), ``y [N]`` (int64 labels 0..C-1) and the matching ``info`` rows. With
    ``out``, ``X`` is written window by window into a memory-mapped ``.npy`` file there (the array never has to fit
    in memory) and returned memory-mapped. ``progress``: a tqdm bar over the windows.
    """
    from tqdm.auto import tqdm
    n = len(dataset)
    indices = np.arange(n) if indices is None else np.asarray(indices)
    if len(indices) == 0:
        raise ValueError("no windows to read")
    first, _ = dataset[int(indices[0])]
    shape = (len(indices),) + np.shape(first)
    X = (np.empty(shape, dtype=np.float32) if out is None else
         np.lib.format.open_memmap(out, mode="w+", dtype=np.float32, shape=shape))
    y = np.empty(len(indices), dtype=np.int64)
    for j, i in enumerate(tqdm(indices, desc="caching arrays", unit="window", leave=False, disable=not progress,
                               miniters=256)):
        x, label = dataset[int(i)]
        X[j] = x
        y[j] = label
    if out is not None:
        X.flush()
    info = dataset.info.iloc[indices].reset_index(drop=True)
    return X, y, info


__all__ = ["load_dataset", "load_seed", "load_seed_iv", "load_seed_features", "load_seed_iv_features", "to_numpy",
           "SEED_CLASS_NAMES", "SEED_IV_CLASS_NAMES", "DataFolderError", "FolderScan", "TrialFeatureHook",
           "UnpackWindow"]
