"""The SEED-format writer: exact layout, determinism, command line."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import io as sio

from emoclip_plugin.data.synthetic import SEED_IV_SESSION_LABELS, SEED_LABELS, write_folder


def test_seed_raw_layout(seed_root):
    files = sorted(p.name for p in seed_root.iterdir())
    assert "label.mat" in files
    data = [f for f in files if f != "label.mat"]
    assert len(data) == 9  # 3 subjects x 3 sessions
    for name in data:
        subject, date = name[:-4].split("_")
        assert subject.isdigit() and len(date) == 8 and date.startswith("2013")
    label = sio.loadmat(seed_root / "label.mat")["label"]
    assert label.shape == (1, 15) and label.ravel().tolist() == SEED_LABELS
    variables = sio.whosmat(seed_root / data[0])
    assert [v[0].split("_eeg")[1] for v in variables] == [str(k) for k in range(1, 16)]
    assert all(v[1] == (62, 12 * 200) for v in variables)
    initials = {v[0].split("_eeg")[0] for v in variables}
    assert len(initials) == 1 and next(iter(initials)).isalpha()


def test_seed_iv_raw_layout(seed_iv_root):
    for session in ("1", "2", "3"):
        files = sorted((seed_iv_root / session).iterdir())
        assert len(files) == 2
        variables = sio.whosmat(files[0])
        assert len(variables) == 24 and all(v[1] == (62, 2400) for v in variables)
    assert len(SEED_IV_SESSION_LABELS) == 3 and all(len(s) == 24 for s in SEED_IV_SESSION_LABELS)


def test_feature_layouts(seed_feature_root, seed_iv_feature_root):
    f = sorted(p for p in seed_feature_root.iterdir() if p.name != "label.mat")[0]
    names = {name: shape for name, shape, _ in sio.whosmat(f)}
    for k in (1, 15):
        for feat in ("de_movingAve", "de_LDS", "psd_movingAve", "psd_LDS"):
            assert names[f"{feat}{k}"] == (62, 10, 5)
    g = sorted((seed_iv_feature_root / "2").iterdir())[0]
    names = {name: shape for name, shape, _ in sio.whosmat(g)}
    assert names["de_LDS24"] == (62, 4, 5)  # 16 s / 4-s windows


def test_deterministic_and_seed_dependent(tmp_path):
    a = write_folder(tmp_path / "a", "seed", subjects=1, seconds=2, seed=7)
    b = write_folder(tmp_path / "b", "seed", subjects=1, seconds=2, seed=7)
    c = write_folder(tmp_path / "c", "seed", subjects=1, seconds=2, seed=8)
    fa, fb = sorted(a.glob("1_*.mat")), sorted(b.glob("1_*.mat"))
    assert [p.name for p in fa] == [p.name for p in fb]
    ma, mb = sio.loadmat(fa[0]), sio.loadmat(fb[0])
    key = next(k for k in ma if "_eeg1" in k)
    np.testing.assert_array_equal(ma[key], mb[key])
    mc = sio.loadmat(sorted(c.glob("1_*.mat"))[0])
    kc = next(k for k in mc if "_eeg1" in k)
    assert not np.allclose(ma[key], mc[kc])


def test_rewritten_folder_keys_the_caches_as_before(tmp_path):
    """A generated folder rewritten from the same arguments (after the cache or /tmp was cleared) has the same cache
    key, so finished folds are found again; editing a file changes it."""
    import os

    from emoclip_plugin.data.cache import cache_key
    a = write_folder(tmp_path / "a", "seed", subjects=1, seconds=2, seed=7)
    key = cache_key({"k": 1}, a)
    write_folder(tmp_path / "a", "seed", subjects=1, seconds=2, seed=7, overwrite=True)
    assert cache_key({"k": 1}, a) == key
    one = sorted(a.glob("1_*.mat"))[0]
    os.utime(one)  # touched now, as an edit would
    assert cache_key({"k": 1}, a) != key


def _trials(root):
    out = {}
    for f in sorted(root.glob("*_*.mat")):
        m = sio.loadmat(f)
        for k in sorted((k for k in m if "_eeg" in k), key=lambda k: int(k.split("_eeg")[1])):
            out[(f.name, int(k.split("_eeg")[1]))] = m[k]
    return out


def test_real_size_options_vary_lengths_and_add_blinks_and_line_noise(tmp_path):
    """Trial lengths around --seconds, frontal blinks and 50 Hz noise, each on its own stream: the signal itself is
    the same with or without the artefacts, and the defaults write what the generator always wrote."""
    from emoclip_plugin.data.channels import SEED_CHANNEL_LIST
    from emoclip_plugin.data.folders import scan_folder
    from emoclip_plugin.data.synthetic import BLINK_WEIGHTS
    plain = _trials(write_folder(tmp_path / "plain", "seed", subjects=1, seconds=20, seed=3))
    same = _trials(write_folder(tmp_path / "same", "seed", subjects=1, seconds=20, seed=3, length_jitter=0.0,
                                blinks_per_minute=0.0, line_noise_uv=0.0))
    assert all(np.array_equal(plain[k], same[k]) for k in plain)
    blinks = _trials(write_folder(tmp_path / "blinks", "seed", subjects=1, seconds=20, seed=3,
                                  blinks_per_minute=30))
    line = _trials(write_folder(tmp_path / "line", "seed", subjects=1, seconds=20, seed=3, line_noise_uv=5.0))
    frontal = np.array([BLINK_WEIGHTS.get(n, 0.0) > 0 for n in SEED_CHANNEL_LIST])
    fp1, oz = SEED_CHANNEL_LIST.index("FP1"), SEED_CHANNEL_LIST.index("OZ")
    blink_peaks = []
    for key in plain:
        added = blinks[key] - plain[key]
        assert np.abs(added[~frontal]).max() == 0 and added.min() >= 0
        blink_peaks.append(added[fp1].max())
        hum = line[key] - plain[key]
        spectrum, freqs = np.abs(np.fft.rfft(hum[oz])), np.fft.rfftfreq(hum.shape[1], 1 / 200)
        assert abs(freqs[np.argmax(spectrum)] - 50.0) < 0.1
        assert 0.7 * 5.0 < hum.std(axis=1).mean() * np.sqrt(2) < 1.3 * 5.0  # amplitude ~5 µV
    assert sum(p > 0 for p in blink_peaks) >= 10 and 80 <= max(blink_peaks) <= 200  # ~10 blinks per 20-s trial
    jittered = write_folder(tmp_path / "jit", "seed", subjects=1, seconds=20, seed=3, length_jitter=0.18)
    got = {k: t.shape[1] for k, t in _trials(jittered).items()}
    lengths = np.array(list(got.values()))
    assert len(set(lengths)) > 10 and lengths.min() >= 20 * 200 * 0.82 - 1 and lengths.max() <= 20 * 200 * 1.18 + 1
    scanned = scan_folder(jittered, "seed").trial_lengths  # the headers give the same lengths as the samples
    assert {(Path(f).name, k): n for f, by_trial in scanned.items() for k, n in by_trial.items()} == got
    from emoclip_plugin.data.seed import load_seed
    assert len(load_seed(jittered, "de", cache_dir=tmp_path / "c")) == sum(n // 200 for n in got.values())
    for kwargs, message in ((dict(length_jitter=0.6), "length_jitter must be a fraction"),
                            (dict(blinks_per_minute=-1), "blinks_per_minute must be >= 0"),
                            (dict(line_noise_uv=float("nan")), "line_noise_uv must be >= 0"),
                            (dict(seconds=1.1, length_jitter=0.2), "shorter than 1.0 s")):
        with pytest.raises(ValueError, match=message):
            write_folder(tmp_path / "bad", "seed", subjects=1, **{"seconds": 20, **kwargs})
        assert not (tmp_path / "bad").exists()


def test_signal_is_plausible(seed_root):
    m = sio.loadmat(sorted(seed_root.glob("1_*.mat"))[0])
    x = m[next(k for k in m if k.endswith("_eeg1"))]
    assert np.isfinite(x).all()
    assert 5 < x.std() < 100  # microvolts
    from scipy import signal
    f, p = signal.welch(x, fs=200, nperseg=400)
    low, high = p[:, (f > 2) & (f < 8)].mean(), p[:, (f > 60) & (f < 90)].mean()
    assert low > 10 * high  # 1/f-like spectrum
    corr = np.corrcoef(x)
    assert corr[0, 1] > corr[0, 61]  # FP1-FPZ closer than FP1-O2: spatial correlation


def test_refuses_bad_arguments_and_leaves_nothing(tmp_path):
    with pytest.raises(ValueError, match="subjects"):
        write_folder(tmp_path / "x", "seed", subjects=0)
    with pytest.raises(ValueError, match="dataset"):
        write_folder(tmp_path / "x", "deap")
    with pytest.raises(ValueError, match="seconds"):
        write_folder(tmp_path / "x", "seed-iv", seconds=2)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not empty"):
        write_folder(tmp_path / "full", "seed", subjects=1, seconds=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_command_line(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "emoclip_plugin.data.synthetic", str(out), "--dataset", "seed-iv",
                           "--subjects", "1", "--seconds", "4", "--seed", "2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["1", "2", "3"]
    assert "writing seed-iv folder" in proc.stderr and "/3 [" in proc.stderr  # the bar over the 3 files written
    proc = subprocess.run([sys.executable, "-m", "emoclip_plugin.data.synthetic", str(tmp_path / "q"),
                           "--subjects", "1", "--seconds", "2", "--quiet"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and "wrote seed (raw) folder" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "emoclip_plugin.data.synthetic", str(tmp_path / "y"),
                           "--subjects", "99"], capture_output=True, text=True)
    assert proc.returncode == 2 and "subjects must be an integer in 1..15" in proc.stderr
