"""SEED and SEED-IV as MOABB datasets over local folders (licence-gated: never downloaded).

Each subject's data is ``{session: {run: mne.io.RawArray}}``:

* sessions ``"0"``, ``"1"``, ``"2"`` in the order our loaders use (SEED: the subject's files by recording date; SEED-IV:
  session folders 1, 2, 3);
* one run per trial (film clip), ``"0"`` ... ``"14"`` (SEED-IV ``"23"``), in the order of the trial variables
  ``<initials>_eeg<k>``; the run is what trial-grouped cross-validation groups by (``groups="run"``);
* SEED's 62 channels in volts (the files hold microvolts; MOABB's arrays come back in microvolts again through
  ``unit_factor``), 200 Hz, positions from MNE's ``colin27_1005`` montage (``CB1``/``CB2`` have none);
* one annotation per whole window of ``window_seconds`` inside each trial (a trailing partial window is dropped), named
  after the trial's emotion: SEED ``negative``/``neutral``/``positive``, SEED-IV ``neutral``/``sad``/``fear``/``happy``.
  The dataset's ``interval`` is ``[0, window_seconds]``, so each annotation lasts one window and braindecode's
  ``create_windows_from_events`` cuts windows of exactly ``window_seconds * sfreq`` samples;
  :class:`~emoclip_plugin.moabb.EmotionParadigm` ends MOABB's epochs one sample earlier (``tmax = window - 1/sfreq``)
  because MOABB's epochs include their end sample.

The folder is checked as the TorchEEG loaders check it (:func:`~emoclip_plugin.data.folders.scan_folder`), so the same
bad inputs (missing folder, no files, missing ``label.mat``, wrong channels, a corrupt or short file, NaN) give the same
:class:`~emoclip_plugin.data.folders.DataFolderError` messages naming the file.
"""
from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import mne
import numpy as np
from moabb.datasets.base import BaseDataset

from ..data.channels import SEED_CHANNEL_LIST
from ..data.montage import set_standard_montage
from ..data.folders import (FILE_PATTERN, SEED_IV_SESSION_LABELS, read_raw_trials, read_seed_labels,
                            scan_folder)
from ..data.seed import SEED_CLASS_NAMES, SEED_IV_CLASS_NAMES, SFREQ

#: Default window (s): EmotionCLIP's 2-s sample windows.
DEFAULT_WINDOW_SECONDS = 2.0


class SEEDFolderDataset(BaseDataset):
    """Shared machinery of :class:`SEED` and :class:`SEEDIV` (see the module docstring)."""

    family: str = ""
    base_code: str = ""
    config_key: str = ""
    folder_name: str = ""
    layout: str = ""
    class_names: tuple = ()
    doi: str = ""

    def __init__(self, path: str | os.PathLike | None = None, window_seconds: float = DEFAULT_WINDOW_SECONDS,
                 subjects: list[int] | None = None, sessions: list[str] | None = None):
        root = self._resolve_root(path)
        samples = float(window_seconds) * SFREQ
        if not (math.isfinite(samples) and samples >= 2 and abs(samples - round(samples)) < 1e-6):
            raise ValueError(f"window_seconds={window_seconds!r}: expected a positive whole number of samples at "
                             f"{SFREQ} Hz (e.g. 1, 2 or 4)")
        self.window_seconds = float(window_seconds)
        self.window_samples = int(round(samples))
        self.sfreq = float(SFREQ)
        scan = scan_folder(root, self.family, min_samples=self.window_samples)
        self.root = scan.root
        self.skipped_files = [str(p) for p in scan.skipped]
        self._files = self._files_by_subject(scan.files)
        code = self.base_code
        if self.window_samples != int(DEFAULT_WINDOW_SECONDS * SFREQ):
            # MOABB keys its result cache on the code (and pipeline), not on the window: a new window, a new code
            code = f"{self.base_code}-{int(round(self.window_seconds * 1000))}ms"
        events = {name: i + 1 for i, name in enumerate(self.class_names)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MOABB's dataset-metadata notices
            super().__init__(subjects=sorted(self._files), sessions_per_subject=max(map(len, self._files.values())),
                             events=events, code=code, interval=[0.0, self.window_seconds],
                             paradigm="emotion", doi=self.doi, unit_factor=1e6, selected_subjects=subjects,
                             selected_sessions=sessions)

    # -- where the data is ------------------------------------------------------------------------------------------
    @classmethod
    def _resolve_root(cls, path) -> Path:
        if path is None:
            path = mne.get_config(cls.config_key)
        if path is None:
            raise FileNotFoundError(
                f"{cls.__name__}: no folder given; SEED data is licence-gated and never downloaded. Pass "
                f"path='.../{cls.folder_name}' or set it once with mne.set_config({cls.config_key!r}, '...'). "
                f"Expected layout: {cls.layout}")
        return Path(path).expanduser()

    def _session_order(self, path: Path):
        """Sort key of a data file among its subject's sessions."""
        raise NotImplementedError

    def _files_by_subject(self, files: list[Path]) -> dict[int, list[Path]]:
        by_subject: dict[int, list[Path]] = {}
        for p in sorted(files, key=self._session_order):
            by_subject.setdefault(int(FILE_PATTERN.match(p.name).group(1)), []).append(p)
        return by_subject

    def data_path(self, subject, path=None, force_update=False, update_path=None, verbose=None) -> list[str]:
        """The subject's data files (one per session, in session order). Nothing is downloaded."""
        if subject not in self._files:
            raise ValueError(f"subject {subject!r} is not in {self.root} (subjects: {sorted(self._files)})")
        return [str(p) for p in self._files[subject]]

    # -- reading ----------------------------------------------------------------------------------------------------
    def _session_labels(self, session: int, path: Path) -> list[int]:
        raise NotImplementedError

    def _info(self) -> mne.Info:
        info = mne.create_info(list(SEED_CHANNEL_LIST), SFREQ, "eeg")
        set_standard_montage(info)
        return info

    def _get_single_subject_data(self, subject):
        info = self._info()
        data = {}
        for session, path in enumerate(self.data_path(subject)):
            labels = self._session_labels(session, Path(path))
            runs = {}
            for k, _name, trial in read_raw_trials(path):
                event = self.class_names[labels[k - 1]]
                raw = mne.io.RawArray(trial.astype(np.float64) * 1e-6, info.copy(), verbose=False)
                n_windows = trial.shape[1] // self.window_samples
                onsets = np.arange(n_windows) * self.window_seconds
                raw.set_annotations(mne.Annotations(onsets, [self.window_seconds] * n_windows,
                                                    [event] * n_windows))
                runs[str(k - 1)] = raw
            data[str(session)] = runs
        return data


class SEED(SEEDFolderDataset):
    """SEED (15 subjects x 3 sessions x 15 film clips; negative / neutral / positive) from a local
    ``Preprocessed_EEG/`` folder, as a MOABB dataset.

    Parameters
    ----------
    path : path, optional
        The ``Preprocessed_EEG/`` folder (``<subject>_<yyyymmdd>.mat`` files and ``label.mat``). Default: MNE's
        config ``MNE_DATASETS_SEED_PATH``.
    window_seconds : float
        Window length in s (2.0: EmotionCLIP's windows). Other lengths change the dataset ``code`` (``SEED-4000ms``),
        so MOABB's result cache keeps them apart.
    subjects, sessions : optional
        MOABB's ``selected_subjects`` / ``selected_sessions``.
    """

    family = "seed"
    base_code = "SEED"
    config_key = "MNE_DATASETS_SEED_PATH"
    folder_name = "Preprocessed_EEG"
    layout = "Preprocessed_EEG/ with <subject>_<yyyymmdd>.mat (one per session) and label.mat"
    class_names = SEED_CLASS_NAMES
    doi = "10.1109/TAMD.2015.2431497"

    def _session_order(self, path):
        return FILE_PATTERN.match(path.name).group(2)  # the recording date

    def _session_labels(self, session, path):
        return [v + 1 for v in read_seed_labels(self.root)]  # -1/0/1 -> index into class_names (every session)


class SEEDIV(SEEDFolderDataset):
    """SEED-IV (15 subjects x 3 sessions x 24 film clips; neutral / sad / fear / happy) from a local
    ``eeg_raw_data/`` folder (session folders ``1``, ``2``, ``3``), as a MOABB dataset.

    Parameters are those of :class:`SEED`; the path comes from ``MNE_DATASETS_SEEDIV_PATH`` when not given, and the
    labels are SEED-IV's fixed per-session orders (as TorchEEG hard-codes them).
    """

    family = "seed-iv"
    base_code = "SEED-IV"
    config_key = "MNE_DATASETS_SEEDIV_PATH"
    folder_name = "eeg_raw_data"
    layout = "eeg_raw_data/ with session folders 1, 2, 3, each holding <subject>_<yyyymmdd>.mat"
    class_names = SEED_IV_CLASS_NAMES
    doi = "10.1109/TCYB.2018.2797176"

    def _session_order(self, path):
        return int(path.parent.name)  # the session folder

    def _session_labels(self, session, path):
        return SEED_IV_SESSION_LABELS[int(path.parent.name) - 1]
