"""Write SEED-format folders with a synthetic, physiologically plausible signal.

These folders have the exact on-disk layout that TorchEEG's loaders read, so the whole pipeline (and the benchmark's
embedded default) runs without the licence-gated datasets:

* SEED raw (``Preprocessed_EEG/``): ``label.mat`` (variable ``label``, shape (1, 15), values -1/0/1) and one MAT v5 file
  per subject and session, ``<subject>_<yyyymmdd>.mat``, with variables ``<initials>_eeg<k>`` (k = 1..15) of shape
  (62, T) at 200 Hz.
* SEED-IV raw (``eeg_raw_data/``): folders ``1/ 2/ 3/`` (sessions), each with ``<subject>_<yyyymmdd>.mat`` holding
  ``<initials>_eeg<k>`` (k = 1..24); the labels are SEED-IV's fixed per-session orders (the ones TorchEEG hard-codes).
* SEED features (``ExtractedFeatures/``): ``label.mat`` and ``<subject>_<date>.mat`` with ``de_movingAve<k>``,
  ``de_LDS<k>``, ``psd_movingAve<k>``, ``psd_LDS<k>`` of shape (62, n_windows, 5), 1-s windows.
* SEED-IV features (``eeg_feature_smooth/{1,2,3}/``): the same variables with 4-s windows.

The signal: spatially correlated 1/f background; five band-limited oscillations whose amplitude follows smooth
spatial patterns that depend on the emotion class (ramping in over the first seconds of each trial, as an elicited
emotion would); per-subject changes of those patterns and of gain, smaller per-session changes, and per-trial
variability. It is learnable but not trivial across subjects.

SEED and SEED-IV folders written with the same generator seed share the emotion patterns of the classes the two
datasets share (since generator version 2): SEED-IV's neutral and happy use SEED's neutral and positive patterns, and
its sad and fear patterns each mix SEED's negative pattern (weight :attr:`SignalModel.shared_negative`) with a
pattern of their own, so a model trained on one can in principle recognise the other's shared classes (the benchmark's
cross-dataset protocol). SEED folders are the same as in version 1; SEED-IV folders differ in their class patterns.

Command line::

    python -m emoclip_plugin.data.synthetic OUT --dataset seed|seed-iv [--layout raw|features]
        [--subjects N] [--seconds S] [--seed K] [--length-jitter F] [--blinks-per-minute B] [--line-noise-uv A]

Options for real-size studies (all off by default): trial lengths that vary around ``seconds``, eye blinks on the
frontal electrodes and 50 Hz power-line noise.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import shutil
import string
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import io as sio
from scipy import signal
from scipy.ndimage import uniform_filter1d

from .channels import N_CHANS, SEED_CHANNEL_LIST, electrode_xy
from .features import SEED_DE_BANDS, BandDE
from .folders import SEED_IV_SESSION_LABELS

SFREQ = 200
#: SEED's label order for the 15 film clips (the same in every session), -1 negative, 0 neutral, 1 positive.
SEED_LABELS = [1, 0, -1, -1, 0, 1, -1, 0, 1, 1, 0, -1, 0, 1, -1]
DATASETS = ("seed", "seed-iv")
LAYOUTS = ("raw", "features")


@dataclass(frozen=True)
class SignalModel:
    """Knobs of the synthetic signal (defaults give a learnable but not trivial cross-subject task).

    Amplitudes are in microvolts; ``class_effect`` is the log-amplitude change of a band at the peak of a class
    pattern; ``subject_mix`` / ``session_mix`` are how much of a class pattern is replaced by a subject- / session-
    specific random pattern; ``trial_jitter`` is the per-trial log-amplitude noise; ``shared_negative`` is the weight
    of SEED's negative pattern in SEED-IV's sad and fear patterns (correlation with it; the rest is their own).
    """

    background_uv: float = 12.0
    band_uv: tuple = (6.0, 5.0, 8.0, 3.0, 1.5)
    class_effect: float = 0.55
    subject_mix: float = 0.55
    session_mix: float = 0.25
    subject_gain_sd: float = 0.25
    trial_jitter: float = 0.2
    ramp_seconds: float = 6.0
    spatial_length: float = 2.0
    shared_negative: float = 0.6


#: Version of the generator's output (in the cached folders' names): 2 = SEED-IV shares SEED's class patterns.
GENERATOR_VERSION = 2
#: SEED-IV class index -> (SEED class index, weight of SEED's pattern): neutral, sad, fear, happy.
_SEED_IV_FROM_SEED = {0: (1, None), 1: (0, "shared_negative"), 2: (0, "shared_negative"), 3: (2, None)}


def _smooth_fields(rng: np.random.Generator, xy: np.ndarray, n: int, n_bumps: int = 3) -> np.ndarray:
    """``n`` smooth spatial fields over the electrodes, each with zero mean and unit std: ``[n, n_chans]``."""
    centres = rng.uniform(xy.min(0), xy.max(0), size=(n, n_bumps, 2))
    widths = rng.uniform(1.5, 3.5, size=(n, n_bumps))
    signs = rng.choice([-1.0, 1.0], size=(n, n_bumps)) * rng.uniform(0.5, 1.0, size=(n, n_bumps))
    d2 = ((xy[None, None, :, :] - centres[:, :, None, :]) ** 2).sum(-1)  # [n, bumps, chans]
    fields = (signs[..., None] * np.exp(-d2 / (2 * widths[..., None] ** 2))).sum(1)
    fields -= fields.mean(1, keepdims=True)
    return fields / np.maximum(fields.std(1, keepdims=True), 1e-9)


class _Generator:
    def __init__(self, n_classes: int, n_subjects: int, seed: int, model: SignalModel):
        self.model = model
        self.rng = np.random.default_rng(seed)
        self.xy = electrode_xy()
        d = np.sqrt(((self.xy[:, None] - self.xy[None]) ** 2).sum(-1))
        self.mix = np.linalg.cholesky(np.exp(-d / model.spatial_length) + 1e-6 * np.eye(N_CHANS))
        n_bands = len(SEED_DE_BANDS)
        self.band_sos = [signal.butter(4, band, btype="band", fs=SFREQ, output="sos") for band in SEED_DE_BANDS.values()]
        self.class_patterns = _smooth_fields(self.rng, self.xy, n_classes * n_bands).reshape(n_classes, n_bands, N_CHANS)
        if n_classes == 4:  # SEED-IV: SEED's patterns of the same seed for the shared classes (module docstring)
            seed_patterns = _smooth_fields(np.random.default_rng(seed), self.xy, 3 * n_bands).reshape(3, n_bands,
                                                                                                     N_CHANS)
            for c, (source, weight) in _SEED_IV_FROM_SEED.items():
                if weight is None:
                    self.class_patterns[c] = seed_patterns[source]
                else:
                    # own part made orthogonal to SEED's pattern: the correlation with it is exactly the weight
                    w, shared = getattr(model, weight), seed_patterns[source]
                    own = self.class_patterns[c]
                    own = own - (own * shared).sum(-1, keepdims=True) / (shared * shared).sum(-1, keepdims=True) * shared
                    own = own / own.std(-1, keepdims=True)
                    self.class_patterns[c] = w * shared + np.sqrt(1 - w ** 2) * own
        self.subject_patterns = _smooth_fields(self.rng, self.xy, n_subjects * n_classes * n_bands).reshape(
            n_subjects, n_classes, n_bands, N_CHANS)
        self.subject_gain = np.exp(self.rng.normal(0, model.subject_gain_sd, size=(n_subjects, N_CHANS)))

    def session_patterns(self, subject: int) -> np.ndarray:
        m = self.model
        base = (1 - m.subject_mix) * self.class_patterns + m.subject_mix * self.subject_patterns[subject]
        noise = _smooth_fields(self.rng, self.xy, base.shape[0] * base.shape[1]).reshape(base.shape)
        return (1 - m.session_mix) * base + m.session_mix * noise

    def trial(self, subject: int, patterns: np.ndarray, label_index: int, n_times: int) -> np.ndarray:
        """One trial ``[62, n_times]`` in microvolts."""
        m, rng = self.model, self.rng
        white = rng.standard_normal((N_CHANS, n_times))
        spectrum = np.fft.rfft(white, axis=-1)
        freqs = np.fft.rfftfreq(n_times, d=1.0 / SFREQ)
        spectrum /= np.sqrt(np.maximum(freqs, 0.5))  # 1/f power
        pink = np.fft.irfft(spectrum, n=n_times, axis=-1)
        pink = self.mix @ (pink / pink.std(axis=-1, keepdims=True))
        x = m.background_uv * pink
        t = np.arange(n_times) / SFREQ
        ramp = np.clip(t / m.ramp_seconds, 0.0, 1.0)
        gain = self.subject_gain[subject] * np.exp(rng.normal(0, 0.05, N_CHANS))
        for b, sos in enumerate(self.band_sos):
            source = signal.sosfilt(sos, self.mix @ rng.standard_normal((N_CHANS, n_times)), axis=-1)
            source /= source.std(axis=-1, keepdims=True)
            envelope = 1.0 + 0.3 * np.sin(2 * np.pi * t / rng.uniform(8, 20) + rng.uniform(0, 2 * np.pi))
            log_amp = m.class_effect * patterns[label_index, b][:, None] * ramp[None, :]
            log_amp = log_amp + rng.normal(0, m.trial_jitter, size=(N_CHANS, 1))
            x += m.band_uv[b] * np.exp(log_amp) * envelope[None, :] * source
        return (gain[:, None] * x).astype(np.float64)


def _initials(rng: np.random.Generator, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = "".join(rng.choice(list(string.ascii_lowercase), size=int(rng.integers(2, 4))))
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _moving_average(x: np.ndarray, size: int = 5) -> np.ndarray:
    return uniform_filter1d(x, size=size, axis=1, mode="nearest")


def _lds_smooth(x: np.ndarray, q: float = 1e-3, r: float = 1e-2) -> np.ndarray:
    """Rauch-Tung-Striebel smoother of a random-walk state, along axis 1 of ``[chans, windows, bands]``."""
    n = x.shape[1]
    mean = np.empty_like(x)
    var = np.empty(n)
    m, p = x[:, 0].copy(), 1.0
    prior_var = np.empty(n)
    for k in range(n):
        p_prior = p + q if k else p
        prior_var[k] = p_prior
        gain = p_prior / (p_prior + r)
        m = m + gain * (x[:, k] - m) if k else x[:, 0].copy()
        p = (1 - gain) * p_prior
        mean[:, k], var[k] = m, p
    smooth = mean.copy()
    for k in range(n - 2, -1, -1):
        c = var[k] / prior_var[k + 1]
        smooth[:, k] = mean[:, k] + c * (smooth[:, k + 1] - mean[:, k])
    return smooth


def _window_features(trial: np.ndarray, window: int, de: BandDE) -> dict[str, np.ndarray]:
    n = trial.shape[1] // window
    windows = trial[:, : n * window].reshape(N_CHANS, n, window).transpose(1, 0, 2)  # [n, chans, window]
    de_values = de(windows).transpose(1, 0, 2).astype(np.float64)  # [chans, n, bands]
    freqs, psd = signal.welch(windows, fs=SFREQ, nperseg=min(window, SFREQ), axis=-1)
    bands = [(freqs >= lo) & (freqs < hi) for lo, hi in SEED_DE_BANDS.values()]
    psd_values = np.stack([psd[..., mask].sum(-1) for mask in bands], axis=-1).transpose(1, 0, 2)
    return {
        "de_movingAve": _moving_average(de_values),
        "de_LDS": _lds_smooth(de_values),
        "psd_movingAve": _moving_average(psd_values),
        "psd_LDS": _lds_smooth(psd_values),
    }


#: Electrodes that blinks reach, and how strongly (the rest: not at all): the frontal pole most, then AF and F rows.
BLINK_WEIGHTS = {"FP1": 1.0, "FPZ": 1.0, "FP2": 1.0, "AF3": 0.6, "AF4": 0.6, "F7": 0.25, "F5": 0.3, "F3": 0.35,
                 "F1": 0.4, "FZ": 0.4, "F2": 0.4, "F4": 0.35, "F6": 0.3, "F8": 0.25}


def _add_artifacts(trial: np.ndarray, rng: np.random.Generator, blinks_per_minute: float, line_noise_uv: float,
                   line_freq: float) -> np.ndarray:
    """``trial`` ``[62, n_times]`` (µV) plus eye blinks (80-200 µV, 0.35-s bumps at least 0.5 s apart, on the frontal
    electrodes by :data:`BLINK_WEIGHTS`) and power-line noise (``line_freq`` Hz, ``line_noise_uv`` µV with a random
    phase and a ±10 % amplitude per channel)."""
    n_times = trial.shape[1]
    out = trial.copy()
    if blinks_per_minute > 0:
        weights = np.array([BLINK_WEIGHTS.get(name, 0.0) for name in SEED_CHANNEL_LIST])
        length = int(round(0.35 * SFREQ))
        shape = np.sin(np.linspace(0, np.pi, length)) ** 2
        gap = 60.0 / blinks_per_minute  # mean seconds from one blink to the next; never closer than 0.5 s
        start = rng.exponential(gap)
        while (first := int(start * SFREQ)) < n_times:
            stop = min(n_times, first + length)
            out[:, first:stop] += rng.uniform(80, 200) * weights[:, None] * shape[None, :stop - first]
            start += 0.5 + rng.exponential(max(gap - 0.5, 0.05))
    if line_noise_uv > 0:
        t = np.arange(n_times) / SFREQ
        amp = line_noise_uv * (1 + 0.1 * rng.standard_normal(N_CHANS))
        phase = rng.uniform(0, 2 * np.pi, N_CHANS)
        out += amp[:, None] * np.sin(2 * np.pi * line_freq * t[None, :] + phase[:, None])
    return out


def write_folder(out: str | os.PathLike, dataset: str = "seed", layout: str = "raw", subjects: int = 5,
                 seconds: float = 30.0, seed: int = 0, model: SignalModel | None = None,
                 overwrite: bool = False, length_jitter: float = 0.0, blinks_per_minute: float = 0.0,
                 line_noise_uv: float = 0.0, line_freq: float = 50.0, progress: bool = False) -> Path:
    """Write a SEED-format folder and return its path.

    Parameters
    ----------
    out : the folder to create (it plays the role of ``Preprocessed_EEG/``, ``eeg_raw_data/``, ``ExtractedFeatures/``
        or ``eeg_feature_smooth/``). It must not exist, or be empty, unless ``overwrite``.
    dataset : ``"seed"`` (3 classes, 15 trials per session) or ``"seed-iv"`` (4 classes, 24 trials per session).
    layout : ``"raw"`` (EEG at 200 Hz) or ``"features"`` (DE / PSD, movingAve and LDS).
    subjects : number of subjects (1..15); each has 3 sessions.
    seconds : length of every trial in s (real trials are ~185-265 s on SEED).
    seed : random seed; the same arguments write the same data.
    model : the signal's knobs (:class:`SignalModel`).
    length_jitter : trial lengths vary uniformly by up to this fraction around ``seconds`` (real SEED: about 0.18 around
        226 s), drawn per subject, session and trial; 0 (default): every trial is ``seconds`` long.
    blinks_per_minute : eye blinks on the frontal electrodes (real recordings: about 10-20 per minute); 0: none.
    line_noise_uv : power-line noise at ``line_freq`` Hz (50 Hz, as in SEED's recordings), in µV; 0: none.
    progress : a tqdm bar over the files written (a real-size folder takes many minutes).

    With the defaults (no jitter, no artefacts) the folder is the same as before these options existed; the
    artefacts and lengths are drawn from their own seeded generator, so switching them on leaves the rest alone.
    The folder is written under a temporary name and renamed at the end, so an interrupted run leaves no partial
    folder behind.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if not (isinstance(subjects, (int, np.integer)) and 1 <= subjects <= 15):
        raise ValueError(f"subjects must be an integer in 1..15, got {subjects!r}")
    min_seconds = 4.0 if dataset == "seed-iv" else 1.0
    if not (np.isfinite(seconds) and seconds >= min_seconds):
        raise ValueError(f"seconds must be >= {min_seconds} for {dataset}, got {seconds!r}")
    if not (np.isfinite(length_jitter) and 0 <= length_jitter < 0.5):
        raise ValueError(f"length_jitter must be a fraction in [0, 0.5), got {length_jitter!r}")
    if seconds * (1 - length_jitter) < min_seconds:
        raise ValueError(f"seconds * (1 - length_jitter) = {seconds * (1 - length_jitter):g} is shorter than "
                         f"{min_seconds} s for {dataset}")
    for name, value in (("blinks_per_minute", blinks_per_minute), ("line_noise_uv", line_noise_uv)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be >= 0, got {value!r}")
    if not (np.isfinite(line_freq) and 0 < line_freq < SFREQ / 2):
        raise ValueError(f"line_freq must be in (0, {SFREQ / 2:g}) Hz, got {line_freq!r}")
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"{out} exists and is not a folder")
        if any(out.iterdir()):
            if not overwrite:
                raise FileExistsError(f"{out} exists and is not empty (pass overwrite=True / --overwrite)")
    model = model or SignalModel()
    n_classes = 4 if dataset == "seed-iv" else 3
    gen = _Generator(n_classes, subjects, seed, model)
    extras = np.random.default_rng([seed, 2026])  # lengths and artefacts: their own stream
    initials = _initials(gen.rng, subjects)
    n_times = int(round(seconds * SFREQ))
    window = 4 * SFREQ if dataset == "seed-iv" else SFREQ
    de = BandDE(sfreq=SFREQ)
    start = _dt.date(2013, 4, 1)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        if dataset == "seed":
            sio.savemat(tmp / "label.mat", {"label": np.asarray([SEED_LABELS], dtype=np.int16)})
        from tqdm.auto import tqdm
        bar = tqdm(total=subjects * 3, desc=f"writing {dataset} folder", unit="file", disable=not progress,
                   leave=False)
        for s in range(subjects):
            day = start + _dt.timedelta(days=int(gen.rng.integers(0, 60)))
            for session in range(3):
                day = day + _dt.timedelta(days=int(gen.rng.integers(3, 15)))
                patterns = gen.session_patterns(s)
                if dataset == "seed":
                    labels = [lab + 1 for lab in SEED_LABELS]
                    folder = tmp
                else:
                    labels = SEED_IV_SESSION_LABELS[session]
                    folder = tmp / str(session + 1)
                    folder.mkdir(exist_ok=True)
                variables: dict[str, np.ndarray] = {}
                for k, label_index in enumerate(labels, start=1):
                    length = n_times
                    if length_jitter:
                        length = int(round(n_times * (1 + extras.uniform(-length_jitter, length_jitter))))
                    trial = gen.trial(s, patterns, label_index, length)
                    if blinks_per_minute or line_noise_uv:
                        trial = _add_artifacts(trial, extras, blinks_per_minute, line_noise_uv, line_freq)
                    if layout == "raw":
                        variables[f"{initials[s]}_eeg{k}"] = trial
                    else:
                        for name, values in _window_features(trial, window, de).items():
                            variables[f"{name}{k}"] = values
                # insertion order is kept: trial 1..K (TorchEEG reads trials in file order)
                if layout == "features":
                    variables = dict(sorted(variables.items(), key=lambda kv: (kv[0].rstrip("0123456789"),
                                                                                int(kv[0][len(kv[0].rstrip("0123456789")):]))))
                sio.savemat(folder / f"{s + 1}_{day:%Y%m%d}.mat", variables)
                bar.update()
        bar.close()
        for path in tmp.rglob("*"):  # the same arguments give the same cache keys wherever the folder is rewritten
            if path.is_file():
                os.utime(path, ns=(GENERATED_MTIME_NS, GENERATED_MTIME_NS))
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


#: The modification time every generated file gets (2026-01-01 00:00 UTC, in ns). The caches key a folder by its
#: files' sizes and modification times; with a fixed time, a folder rewritten from the same arguments (the same
#: data: the generator is seeded) keys the caches as before, so finished folds are found again after ``/tmp`` or the
#: cache was cleared. An edited file gets a new time and a new key.
GENERATED_MTIME_NS = 1_767_225_600 * 10 ** 9

#: The embedded default: the folder every command uses when no ``--root`` is given (generated once into the cache).
EMBEDDED = {"subjects": 5, "seconds": 20.0, "seed": 0}


def embedded_default(dataset: str, cache: str | os.PathLike) -> Path:
    """The embedded default ``dataset`` folder (``"seed"`` / ``"seed-iv"``) under ``cache/embedded``, written the
    first time (atomically). Synthetic: its numbers say nothing about real SEED."""
    name = "Preprocessed_EEG" if dataset == "seed" else "eeg_raw_data"
    root = (Path(cache) / "embedded" / f"{dataset}-{EMBEDDED['subjects']}subjects-{EMBEDDED['seconds']:g}s-"
            f"seed{EMBEDDED['seed']}-v{GENERATOR_VERSION}" / name)
    if not root.exists():
        print(f"writing the embedded default {dataset} folder (synthetic, {EMBEDDED['subjects']} subjects) to {root}")
        write_folder(root, dataset, subjects=EMBEDDED["subjects"], seconds=EMBEDDED["seconds"], seed=EMBEDDED["seed"])
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emoclip_plugin.data.synthetic",
                                     description="Write a synthetic SEED / SEED-IV format folder.")
    parser.add_argument("out", help="folder to create (plays the role of Preprocessed_EEG/, eeg_raw_data/, ...)")
    parser.add_argument("--dataset", choices=DATASETS, default="seed")
    parser.add_argument("--layout", choices=LAYOUTS, default="raw",
                        help="raw EEG (default) or extracted features (ExtractedFeatures / eeg_feature_smooth)")
    parser.add_argument("--subjects", type=int, default=5, help="number of subjects, 1..15 (default 5)")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per trial (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--length-jitter", type=float, default=0.0,
                        help="trial lengths vary by up to this fraction around --seconds (real SEED ~0.18; default 0)")
    parser.add_argument("--blinks-per-minute", type=float, default=0.0,
                        help="eye blinks on the frontal electrodes (default 0: none)")
    parser.add_argument("--line-noise-uv", type=float, default=0.0,
                        help="50 Hz power-line noise amplitude in µV (default 0: none)")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty OUT")
    parser.add_argument("--quiet", action="store_true", help="no progress bar over the files written")
    args = parser.parse_args(argv)
    try:
        path = write_folder(args.out, dataset=args.dataset, layout=args.layout, subjects=args.subjects,
                            seconds=args.seconds, seed=args.seed, overwrite=args.overwrite,
                            length_jitter=args.length_jitter, blinks_per_minute=args.blinks_per_minute,
                            line_noise_uv=args.line_noise_uv, progress=not args.quiet)
    except (ValueError, FileExistsError) as exc:
        parser.error(str(exc))
    print(f"wrote {args.dataset} ({args.layout}) folder: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
