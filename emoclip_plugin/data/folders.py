"""Find and check SEED-format folders before TorchEEG reads them.

TorchEEG's loaders crash with unhelpful errors (or silently mis-read) on stray files, missing label files, wrong
shapes and truncated files. :func:`scan_folder` checks the layout and every MAT file's header (``scipy.io.whosmat``,
no data is read), warns about and skips stray files, and raises one :class:`DataFolderError` naming the file and the
problem otherwise. Checks that need the samples (NaN / inf) run while TorchEEG reads them (see ``seed.py``).
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import io as sio

from .repair import FLAT_STD, fill_flat_channels, flat_channels

#: dataset family -> what it is
FAMILIES = {
    "seed": "SEED raw EEG (Preprocessed_EEG/)",
    "seed-iv": "SEED-IV raw EEG (eeg_raw_data/{1,2,3}/)",
    "seed-features": "SEED extracted features (ExtractedFeatures/)",
    "seed-iv-features": "SEED-IV extracted features (eeg_feature_smooth/{1,2,3}/)",
}
SESSION_FOLDERS = ("1", "2", "3")
FILE_PATTERN = re.compile(r"^(\d+)_(\d{8})\.mat$")
_KNOWN_EXTRA = {"label.mat", "readme.txt"}
_RAW_VAR = re.compile(r"^.*_eeg(\d+)$")
_FEATURE_VAR = re.compile(r"^de_movingAve(\d+)$")
#: SEED-IV's label order per session (0 neutral, 1 sad, 2 fear, 3 happy): not in the files; TorchEEG 1.1.3 hard-codes
#: it, from the dataset's ReadMe.
SEED_IV_SESSION_LABELS = [
    [1, 2, 3, 0, 2, 0, 0, 1, 0, 1, 2, 1, 1, 1, 2, 3, 2, 2, 3, 3, 0, 3, 0, 3],
    [2, 1, 3, 0, 0, 2, 0, 2, 3, 3, 2, 3, 2, 0, 1, 1, 2, 1, 0, 3, 0, 1, 3, 1],
    [1, 2, 2, 1, 3, 3, 3, 1, 1, 2, 1, 0, 2, 3, 3, 0, 2, 3, 0, 0, 2, 0, 1, 0],
]


class DataFolderError(ValueError):
    """A SEED-format folder or file is not what the loaders expect; the message names the file and the problem."""


class StrayFileWarning(UserWarning):
    """A file in a SEED-format folder that is not part of the layout; it is skipped."""


class SignalWarning(UserWarning):
    """A trial whose samples look wrong: a flat (dead) channel, or an amplitude scale far from SEED's microvolts."""


#: The plausible range (µV) of a trial's median per-channel standard deviation; SEED's EEG is in µV (tens of µV).
SCALE_RANGE = (0.05, 5e3)


@dataclass
class FolderScan:
    """What :func:`scan_folder` found.

    ``records`` are what TorchEEG's ``set_records`` would return for a clean folder (file names for SEED, paths for
    SEED-IV, ``(file name, session index)`` for SEED features); ``skipped`` are the stray files.
    """

    root: Path
    family: str
    files: list[Path]
    records: list
    skipped: list[Path] = field(default_factory=list)
    n_samples: dict[str, int] = field(default_factory=dict)
    #: file -> {trial number k: its length (samples for raw folders, windows for feature folders)}, from the headers
    trial_lengths: dict[str, dict[int, int]] = field(default_factory=dict)

    def trials(self) -> pd.DataFrame:
        """One row per trial, from the headers alone (no samples read): ``subject_id``, ``session_id`` (1..3; raw
        SEED: the rank of the recording date within the subject, as the loaders number it), ``trial_id`` (1-based),
        ``seconds`` (its length; feature folders: windows x 1 s SEED / 4 s SEED-IV) and ``label`` (the class index
        the loaders give: SEED 0 negative, 1 neutral, 2 positive; SEED-IV 0 neutral, 1 sad, 2 fear, 3 happy)."""
        per_session = self.family in ("seed-iv", "seed-iv-features")
        raw = self.family in ("seed", "seed-iv")
        unit = 1 / 200.0 if raw else (4.0 if per_session else 1.0)
        seed_labels = None if per_session else read_seed_labels(self.root)
        rows = []
        for path in self.files:
            subject, date = FILE_PATTERN.match(path.name).groups()
            for k, length in sorted(self.trial_lengths.get(str(path), {}).items()):
                if per_session:
                    session = int(path.parent.name)
                    label = SEED_IV_SESSION_LABELS[session - 1][k - 1] if k <= len(SEED_IV_SESSION_LABELS[0]) else -1
                else:
                    session, label = date, (seed_labels[k - 1] + 1 if k <= len(seed_labels) else -1)
                rows.append((int(subject), session, k, length * unit, label))
        frame = pd.DataFrame(rows, columns=["subject_id", "session_id", "trial_id", "seconds", "label"])
        if not per_session and not frame.empty:
            frame["session_id"] = frame.groupby("subject_id")["session_id"].rank(method="dense").astype(int)
        return frame


def unreadable_mat(path: str | Path, exc: BaseException) -> DataFolderError:
    """The one message for a MAT file that scipy cannot read, whichever reader found it (the folder scan, TorchEEG's
    loader, the MOABB datasets): ``<file>: cannot be read as a MAT file (<error>); it may be truncated or corrupt``."""
    return DataFolderError(f"{path}: cannot be read as a MAT file ({type(exc).__name__}: {exc}); "
                           f"it may be truncated or corrupt")


def is_mat_read_error(exc: BaseException) -> bool:
    """Whether ``exc`` is what scipy raises for a truncated or corrupt MAT file (not a bug of ours or TorchEEG's)."""
    from scipy.io.matlab import MatReadError
    return isinstance(exc, (OSError, EOFError, MatReadError)) or (
        isinstance(exc, ValueError) and type(exc).__module__.startswith("scipy.io"))


def _check_mat_header(path: Path, family: str, n_chans: int, min_samples: int) -> dict[int, int]:
    """Check a data file's variables; return each trial's length (samples or windows) by trial number."""
    try:
        variables = sio.whosmat(path)
    except Exception as exc:  # scipy raises several types for corrupt headers
        raise unreadable_mat(path, exc) from exc
    raw = family in ("seed", "seed-iv")
    pattern = _RAW_VAR if raw else _FEATURE_VAR
    trials = [(name, shape) for name, shape, _ in variables if pattern.match(name)]
    if not trials:
        expected = "'<initials>_eeg<k>'" if raw else "'de_movingAve<k>'"
        raise DataFolderError(f"{path}: no trial variables named {expected} (found {[v[0] for v in variables]})")
    lengths = {}
    for name, shape in trials:
        if raw:
            if len(shape) != 2 or shape[0] != n_chans:
                raise DataFolderError(f"{path}: trial {name!r} has shape {shape}; expected ({n_chans}, n_times) "
                                      f"with {n_chans} channels")
            length = shape[1]
            if length < min_samples:
                raise DataFolderError(f"{path}: trial {name!r} has {length} samples, shorter than one window "
                                      f"({min_samples} samples)")
        else:
            if len(shape) != 3 or shape[0] != n_chans:
                raise DataFolderError(f"{path}: feature {name!r} has shape {shape}; expected ({n_chans}, n_windows, "
                                      f"n_bands)")
            length = shape[1]
        lengths[int(pattern.match(name).group(1))] = int(length)
    return lengths


def check_signal(trial: np.ndarray, where: str, channel_names: list[str] | None = None) -> list[str]:
    """Warn (:class:`SignalWarning`, naming ``where``: the file and trial) about flat channels and an amplitude scale
    outside :data:`SCALE_RANGE` of a raw trial ``[n_chans, n_times]`` in µV; returns the problems found.

    A flat channel's band DE would be log2(2*pi*e*1e-300)/2, about -496 bits, an outlier that dominates an
    unnormalised model's input: the loaders fill it from its grid neighbours (:mod:`emoclip_plugin.data.repair`). A
    folder saved in volts instead of µV has a median channel std around 1e-5."""
    trial = np.asarray(trial)
    if trial.ndim != 2 or trial.shape[1] < 2:
        return []
    std = trial.std(axis=1)
    problems = []
    flat = flat_channels(trial, std)  # the one definition of "flat", the one the features' fill uses
    if len(flat):
        names = [channel_names[i] if channel_names and i < len(channel_names) else f"#{i + 1}" for i in flat]
        problems.append(f"{len(flat)} flat channel(s) (std <= {FLAT_STD:g} µV): {', '.join(names[:8])}"
                        + (" ..." if len(names) > 8 else "") + "; filled with the mean of their live neighbours on the "
                        "electrode grid (a dead electrode?)")
    live = np.delete(std, flat)
    if len(live):
        median = float(np.median(live))
        if not SCALE_RANGE[0] <= median <= SCALE_RANGE[1]:
            unit = " (volts instead of µV?)" if median < SCALE_RANGE[0] else ""
            problems.append(f"median channel std {median:.3g} is outside the {SCALE_RANGE[0]:g}-{SCALE_RANGE[1]:g} µV "
                            f"of EEG in µV{unit}")
    for problem in problems:
        warnings.warn(f"{where}: {problem}", SignalWarning, stacklevel=2)
    return problems


def check_finite(trial: np.ndarray) -> None:
    """Raise :class:`DataFolderError` when a trial holds NaN or inf samples (the message counts them)."""
    bad = int(np.size(trial) - np.count_nonzero(np.isfinite(trial)))
    if bad:
        raise DataFolderError(f"a trial of shape {np.shape(trial)} contains {bad} non-finite (NaN/inf) values")


def read_raw_trials(path: str | Path) -> list[tuple[int, str, np.ndarray]]:
    """Read a raw SEED / SEED-IV data file: ``[(trial number k, variable name, trial [n_chans, n_times]), ...]`` in
    trial order (``k`` from the variable name ``<initials>_eeg<k>``, 1-based).

    The file's header should have passed :func:`scan_folder`; here the samples are read and checked (NaN / inf: an
    error; flat channels, amplitude scale: :class:`SignalWarning`), with the same messages as the TorchEEG path: ``<file>: cannot be read ...`` or ``<file>: trial '<name>': ...``.
    """
    path = Path(path)
    try:
        content = sio.loadmat(path, verify_compressed_data_integrity=False)
    except Exception as exc:  # scipy raises several types for corrupt or truncated files
        raise unreadable_mat(path, exc) from exc
    trials = sorted((int(m.group(1)), name) for name in content if (m := _RAW_VAR.match(name)))
    out = []
    for k, name in trials:
        try:
            check_finite(content[name])
        except DataFolderError as exc:
            raise DataFolderError(f"{path}: trial {name!r}: {exc}") from None
        problems = check_signal(content[name], f"{path}: trial {name!r}")
        trial = np.asarray(content[name])
        out.append((k, name, fill_flat_channels(trial) if problems else trial))
    return out


def read_seed_labels(root: str | Path) -> list[int]:
    """SEED's per-trial labels from ``root/label.mat`` (-1 negative, 0 neutral, 1 positive; the same every session)."""
    path = Path(root) / "label.mat"
    _check_label_file(path, 1)
    return [int(v) for v in np.asarray(sio.loadmat(path)["label"]).ravel()]


def _check_label_file(path: Path, n_trials_needed: int) -> None:
    if not path.is_file():
        raise DataFolderError(f"{path}: missing; SEED folders need label.mat (variable 'label', shape (1, 15), "
                              f"values -1/0/1)")
    try:
        labels = sio.loadmat(path)["label"]
    except KeyError:
        raise DataFolderError(f"{path}: has no variable 'label'") from None
    except Exception as exc:
        raise DataFolderError(f"{path}: cannot be read as a MAT file ({type(exc).__name__}: {exc})") from exc
    labels = np.asarray(labels).ravel()
    if labels.size < n_trials_needed or not set(np.unique(labels)).issubset({-1, 0, 1}):
        raise DataFolderError(f"{path}: 'label' must hold at least {n_trials_needed} values in {{-1, 0, 1}}, "
                              f"got {labels.tolist()}")


def _trial_count(path: Path, family: str) -> int:
    pattern = _RAW_VAR if family in ("seed", "seed-iv") else _FEATURE_VAR
    ids = [int(m.group(1)) for name, _, _ in sio.whosmat(path) if (m := pattern.match(name))]
    return max(ids)


def _list_data_files(folder: Path, skipped: list[Path]) -> list[Path]:
    found = []
    for path in sorted(folder.iterdir()):
        if path.name in _KNOWN_EXTRA:
            continue
        if path.is_file() and FILE_PATTERN.match(path.name):
            found.append(path)
        else:
            skipped.append(path)
            warnings.warn(f"{path}: skipped; not a '<subject>_<yyyymmdd>.mat' data file", StrayFileWarning,
                          stacklevel=3)
    return found


def detect_family(root: str | Path) -> str:
    """Guess the dataset family of a folder from its layout (session folders; raw or feature variables)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: folder not found")
    has_sessions = all((root / s).is_dir() for s in SESSION_FOLDERS)
    folder = root / "1" if has_sessions else root
    mats = sorted(p for p in folder.iterdir() if p.is_file() and FILE_PATTERN.match(p.name))
    if not mats:
        raise DataFolderError(f"{folder}: no '<subject>_<yyyymmdd>.mat' files; cannot tell which dataset this is")
    try:
        names = [name for name, _, _ in sio.whosmat(mats[0])]
    except Exception as exc:
        raise DataFolderError(f"{mats[0]}: cannot be read as a MAT file ({exc})") from exc
    features = any(_FEATURE_VAR.match(n) for n in names)
    if has_sessions:
        return "seed-iv-features" if features else "seed-iv"
    return "seed-features" if features else "seed"


def scan_folder(root: str | Path, family: str, n_chans: int = 62, min_samples: int = 1) -> FolderScan:
    """Check a SEED-format folder and list its data files.

    Parameters
    ----------
    root : the folder (``Preprocessed_EEG/``, ``eeg_raw_data/``, ``ExtractedFeatures/`` or ``eeg_feature_smooth/``).
    family : one of :data:`FAMILIES`.
    n_chans : expected number of channels (62).
    min_samples : for raw folders, the shortest allowed trial in samples (one window, plus any baseline).

    Raises
    ------
    FileNotFoundError : ``root`` (or a SEED-IV session folder) does not exist.
    DataFolderError : no data files, missing / bad ``label.mat``, a file that cannot be read, a trial of the wrong shape
        or too short.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {sorted(FAMILIES)}, got {family!r}")
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"{root}: folder not found (expected {FAMILIES[family]})")
    if not root.is_dir():
        raise DataFolderError(f"{root}: is a file; expected a folder ({FAMILIES[family]})")
    skipped: list[Path] = []
    per_session = family in ("seed-iv", "seed-iv-features")
    if per_session:
        files = []
        for session in SESSION_FOLDERS:
            folder = root / session
            if not folder.is_dir():
                raise DataFolderError(f"{folder}: missing session folder; {FAMILIES[family]} needs folders 1, 2 and 3")
            files.extend(_list_data_files(folder, skipped))
        for path in sorted(root.iterdir()):
            if path.name not in SESSION_FOLDERS and path.name not in _KNOWN_EXTRA:
                skipped.append(path)
                warnings.warn(f"{path}: skipped; not a session folder 1/2/3", StrayFileWarning, stacklevel=2)
    else:
        files = _list_data_files(root, skipped)
    if not files:
        raise DataFolderError(f"{root}: no '<subject>_<yyyymmdd>.mat' data files found ({FAMILIES[family]})")
    lengths = {str(p): _check_mat_header(p, family, n_chans, min_samples) for p in files}
    n_samples = {f: min(v.values()) for f, v in lengths.items()}
    if not per_session:
        _check_label_file(root / "label.mat", max(_trial_count(p, family) for p in files))
    if family == "seed":
        records = [p.name for p in files]
    elif family == "seed-features":
        by_subject: dict[int, list[Path]] = {}
        for p in files:
            by_subject.setdefault(int(FILE_PATTERN.match(p.name).group(1)), []).append(p)
        records = []
        for subject in sorted(by_subject):
            ordered = sorted(by_subject[subject], key=lambda p: FILE_PATTERN.match(p.name).group(2))
            records.extend((p.name, i) for i, p in enumerate(ordered))
    else:
        records = [str(p) for p in files]
    return FolderScan(root=root, family=family, files=files, records=records, skipped=skipped, n_samples=n_samples,
                      trial_lengths=lengths)
