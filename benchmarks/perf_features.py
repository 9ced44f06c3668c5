"""Feature-extraction speed: our TorchEEG hook path vs TorchEEG's own DE transform, on one generated SEED folder.

Both paths read the same folder through TorchEEG's ``SEEDDataset`` (1-s windows, LMDB cache, one process) and produce
the same numbers (DE in SEED's five bands on the 9x9 grid, ``[5, 9, 9]`` per window):

* TorchEEG: ``SEEDDataset(offline_transform=Compose([BandDifferentialEntropy(sampling_rate=200, order=5,
  band_dict=5 bands), ToGrid(SEED_CHANNEL_LOCATION_DICT)]))``
* ours: ``emoclip_plugin.data.load_seed(root, features="de_grid")`` (vectorised per trial in a ``before_trial`` hook)

It also times our EmotionCLIP ``[4, 12, 9, 9]`` features and our path with ``num_worker=2``, and the EmotionCLIP
frame features of trials of SEED's mean length (226 s) against their written-out scipy definition
(``reference_frame_features``: ``sosfiltfilt`` + ``welch``) on the same trials, in a line
``grids: <number> windows/s``. The last line reads ``speedup: <number>x`` (single process, ours vs TorchEEG's).

    python benchmarks/perf_features.py [--subjects 2] [--seconds 60] [--torcheeg-files 1] [--grid-trials 6]
"""
from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def _grids_line(work: Path, n_trials: int, seconds: float) -> float:
    """Time ``FrameFeatures.trial_grids`` and the written-out scipy definition on the same generated trials of
    ``seconds``; print the ``grids:`` line; return our windows/s."""
    from scipy import io as sio

    from emoclip_plugin.data.features import FrameFeatures, reference_frame_features, to_grid
    from emoclip_plugin.data.synthetic import write_folder
    root = write_folder(work / "long", "seed", subjects=1, seconds=seconds, seed=2, length_jitter=0.0,
                        blinks_per_minute=10.0, line_noise_uv=5.0)
    mat = sio.loadmat(sorted(root.glob("1_*.mat"))[0])
    trials = [np.asarray(v, np.float64) for k, v in sorted(mat.items()) if not k.startswith("__")][:n_trials]
    ff = FrameFeatures()
    ff.trial_grids(trials[0])  # filters designed, FFT plans, threads and memory warm (as after the first file)
    t0 = time.perf_counter()
    ours = [ff.trial_grids(t) for t in trials]
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = [to_grid(reference_frame_features(t)) for t in trials]
    t_ref = time.perf_counter() - t0
    n = sum(len(g) for g in ours)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(ours, ref))
    print(f"grids: {n / t_ours:.0f} windows/s (EmotionCLIP [4, 12, 9, 9], {len(trials)} trials of {seconds:g} s, "
          f"1 process; {t_ref / t_ours:.1f}x the scipy sosfiltfilt + welch path, {n / t_ref:.0f} windows/s, in the "
          f"same run; max |difference| {diff:.1e})")
    return n / t_ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds per trial")
    parser.add_argument("--torcheeg-files", type=int, default=1,
                        help="how many session files TorchEEG's slow path processes (it takes minutes per file)")
    parser.add_argument("--grid-trials", type=int, default=6,
                        help="trials of --grid-seconds timed for the grids line (both paths, same trials)")
    parser.add_argument("--grid-seconds", type=float, default=226.0,
                        help="their length in s (default 226: SEED's mean trial)")
    args = parser.parse_args()
    logging.getLogger("torcheeg").setLevel(logging.WARNING)

    from torcheeg.datasets import SEEDDataset
    from torcheeg.datasets.constants import SEED_CHANNEL_LOCATION_DICT
    from torcheeg.transforms import BandDifferentialEntropy, Compose, ToGrid

    from emoclip_plugin.data.features import SEED_DE_BANDS
    from emoclip_plugin.data.seed import load_seed, to_numpy
    from emoclip_plugin.data.synthetic import write_folder

    work = Path(tempfile.mkdtemp(prefix="emoclip-perf-"))
    try:
        root = write_folder(work / "Preprocessed_EEG", "seed", subjects=args.subjects, seconds=args.seconds, seed=1)
        n_files = len(list(root.glob("*_*.mat")))
        # TorchEEG's path on a subset of files (it is slow); windows/s is what we compare.
        sub = work / "subset"
        sub.mkdir()
        shutil.copy(root / "label.mat", sub / "label.mat")
        for f in sorted(root.glob("*_*.mat"))[: args.torcheeg_files]:
            shutil.copy(f, sub / f.name)
        t0 = time.perf_counter()
        ref = SEEDDataset(root_path=str(sub), chunk_size=200, num_channel=62,
                          offline_transform=Compose([BandDifferentialEntropy(sampling_rate=200, order=5,
                                                                             band_dict=SEED_DE_BANDS),
                                                     ToGrid(SEED_CHANNEL_LOCATION_DICT)]),
                          io_path=str(work / "torcheeg-io"), verbose=False)
        t_ref = time.perf_counter() - t0
        n_ref = len(ref)
        ref_rate = n_ref / t_ref
        print(f"TorchEEG SEEDDataset + BandDifferentialEntropy + ToGrid: {n_ref} windows in {t_ref:.1f} s "
              f"= {ref_rate:.1f} windows/s ({args.torcheeg_files} of {n_files} files)")

        t0 = time.perf_counter()
        ours = load_seed(sub, "de_grid", cache_dir=work / "cache-sub")
        t_ours_sub = time.perf_counter() - t0
        X_ours, _, _ = to_numpy(ours)
        X_ref = np.stack([ref[i][0] for i in range(n_ref)])
        print(f"same windows, same numbers: max |ours - TorchEEG| = {np.abs(X_ours - X_ref).max():.2e}")

        t0 = time.perf_counter()
        ours = load_seed(root, "de_grid", cache_dir=work / "cache-a")
        t_ours = time.perf_counter() - t0
        rate = len(ours) / t_ours
        print(f"ours, DE grids [5, 9, 9], 1 process: {len(ours)} windows in {t_ours:.2f} s = {rate:.0f} windows/s "
              f"(on TorchEEG's subset: {n_ref / t_ours_sub:.0f} windows/s)")
        t0 = time.perf_counter()
        par = load_seed(root, "de_grid", cache_dir=work / "cache-b", num_worker=2)
        t_par = time.perf_counter() - t0
        print(f"ours, DE grids [5, 9, 9], num_worker=2: {len(par)} windows in {t_par:.2f} s "
              f"= {len(par) / t_par:.0f} windows/s")
        t0 = time.perf_counter()
        clip = load_seed(root, "emotionclip", cache_dir=work / "cache-c")
        t_clip = time.perf_counter() - t0
        print(f"ours, EmotionCLIP grids [4, 12, 9, 9] (2-s windows), 1 process: {len(clip)} windows in "
              f"{t_clip:.2f} s = {len(clip) / t_clip:.0f} windows/s")
        grid_rate = _grids_line(work, args.grid_trials, args.grid_seconds)
        real_hours = 152730 / ref_rate / 3600
        print(f"real SEED (152,730 one-second windows): TorchEEG ~{real_hours:.1f} h, ours ~{152730 / rate / 60:.1f} min; "
              f"EmotionCLIP grids (about 75,000 two-second windows) ~{75000 / grid_rate / 60:.1f} min")
        print(f"speedup: {rate / ref_rate:.0f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
