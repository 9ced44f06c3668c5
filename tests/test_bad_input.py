"""Bad folders and files: one clear error (or a warning and a skip for stray files), nothing half-written."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from scipy import io as sio

from emoclip_plugin.data.folders import DataFolderError, StrayFileWarning
from emoclip_plugin.data.seed import load_seed, load_seed_iv
from emoclip_plugin.data.synthetic import write_folder


@pytest.fixture()
def small_seed(tmp_path):
    return write_folder(tmp_path / "Preprocessed_EEG", "seed", subjects=1, seconds=8, seed=2)


def _no_cache_left(cache):
    return not cache.exists() or [p for p in cache.iterdir()] == []


def test_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.*folder not found"):
        load_seed(tmp_path / "nowhere", cache_dir=tmp_path / "c")


def test_no_mat_files(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFolderError, match="empty.*no '<subject>_<yyyymmdd>.mat' data files"):
        load_seed(tmp_path / "empty", cache_dir=tmp_path / "c")
    assert _no_cache_left(tmp_path / "c")


def test_missing_label_file(small_seed, tmp_path):
    (small_seed / "label.mat").unlink()
    with pytest.raises(DataFolderError, match="label.mat: missing"):
        load_seed(small_seed, cache_dir=tmp_path / "c")
    assert _no_cache_left(tmp_path / "c")


def test_missing_session_folder(tmp_path):
    root = write_folder(tmp_path / "eeg_raw_data", "seed-iv", subjects=1, seconds=8, seed=2)
    shutil.rmtree(root / "2")
    with pytest.raises(DataFolderError, match=r"eeg_raw_data/2: missing session folder"):
        load_seed_iv(root, cache_dir=tmp_path / "c")


def test_stray_files_are_skipped_with_a_warning(small_seed, tmp_path):
    (small_seed / ".DS_Store").write_bytes(b"\x00\x01")
    (small_seed / "notes.txt").write_text("subject 3 was tired")
    with pytest.warns(StrayFileWarning) as record:
        ds = load_seed(small_seed, "de", cache_dir=tmp_path / "c")
    messages = " ".join(str(w.message) for w in record)
    assert ".DS_Store" in messages and "notes.txt" in messages
    assert len(ds) == 3 * 15 * 8 and sorted(ds.skipped_files)[0].endswith(".DS_Store")


def test_the_command_line_prints_each_warning_on_one_line(tmp_path, capsys):
    from emoclip_plugin.cli import run
    root = write_folder(tmp_path / "two" / "Preprocessed_EEG", "seed", subjects=2, seconds=6, seed=2)
    (root / "notes.txt").write_text("subject 3 was tired")
    assert run(["--root", str(root), "--models", "de_logreg", "--out", str(tmp_path / "o"), "--cache",
                str(tmp_path / "c"), "--quiet"]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    stray = [line for line in err if "notes.txt" in line]
    assert len(stray) == 1 and stray[0].startswith("StrayFileWarning: ") and stray[0].count("\n") == 0
    assert not any("warnings.warn" in line or line.startswith("  ") for line in err)  # no source line under it


def _rewrite_trial(path, name, value):
    m = {k: v for k, v in sio.loadmat(path).items() if not k.startswith("__")}
    m[name] = value
    sio.savemat(path, m)


def test_wrong_channel_count(small_seed, tmp_path):
    f = sorted(small_seed.glob("1_*.mat"))[1]
    m = sio.loadmat(f)
    name = next(k for k in m if k.endswith("_eeg4"))
    _rewrite_trial(f, name, m[name][:60])
    with pytest.raises(DataFolderError, match=rf"{f.name}: trial '{name}' has shape \(60, 1600\); expected \(62"):
        load_seed(small_seed, cache_dir=tmp_path / "c")
    assert _no_cache_left(tmp_path / "c")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_samples(small_seed, tmp_path, bad):
    f = sorted(small_seed.glob("1_*.mat"))[2]
    m = sio.loadmat(f)
    name = next(k for k in m if k.endswith("_eeg7"))
    x = m[name].copy()
    x[5, 100:103] = bad
    _rewrite_trial(f, name, x)
    with pytest.raises(DataFolderError, match=rf"{f.name}: trial '{name}': .*contains 3 non-finite \(NaN/inf\) "
                                              "values"):
        load_seed(small_seed, "de", cache_dir=tmp_path / "c")
    assert _no_cache_left(tmp_path / "c")


def test_truncated_file(small_seed, tmp_path):
    f = sorted(small_seed.glob("1_*.mat"))[0]
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFolderError, match=rf"{f.name}: cannot be read as a MAT file \(.+\); it may be truncated"):
        load_seed(small_seed, "de", cache_dir=tmp_path / "c")
    assert _no_cache_left(tmp_path / "c")


def test_corrupt_file(small_seed, tmp_path):
    f = sorted(small_seed.glob("1_*.mat"))[0]
    f.write_bytes(b"this is not a MAT file" * 10)
    with pytest.raises(DataFolderError, match=rf"{f.name}: cannot be read as a MAT file"):
        load_seed(small_seed, cache_dir=tmp_path / "c")


def test_trial_shorter_than_one_window(small_seed, tmp_path):
    f = sorted(small_seed.glob("1_*.mat"))[0]
    m = sio.loadmat(f)
    name = next(k for k in m if k.endswith("_eeg2"))
    _rewrite_trial(f, name, m[name][:, :1200])  # 6 s < 5-s baseline + 2-s window
    with pytest.raises(DataFolderError, match=rf"{f.name}: trial '{name}' has 1200 samples, shorter than one window"):
        load_seed(small_seed, "emotionclip", cache_dir=tmp_path / "c")
    # the same trial is long enough for 1-s DE windows
    assert len(load_seed(small_seed, "de", cache_dir=tmp_path / "c")) > 0


def test_bad_parameters(small_seed, tmp_path):
    with pytest.raises(ValueError, match="features='psd' is not available for seed; choose one of"):
        load_seed(small_seed, "psd", cache_dir=tmp_path / "c")
    with pytest.raises(ValueError, match="window_seconds"):
        load_seed(small_seed, "de", window_seconds=-1, cache_dir=tmp_path / "c")
    from emoclip_plugin.data.features import FrameFeatureConfig
    with pytest.raises(ValueError, match="whole number of frames of 0.3 s"):
        FrameFeatureConfig(frame_seconds=0.3)
    with pytest.raises(ValueError, match="band 'gamma2'"):
        FrameFeatureConfig(bands={"gamma2": (51, 120)})
    assert _no_cache_left(tmp_path / "c")


def test_benchmark_reports_a_bad_file_in_one_line(tmp_path, capsys):
    """A data problem found while the benchmark reads a folder: one line naming the file (and trial), exit status 2,
    no traceback; --verbose shows the traceback. (Two subjects: with one, cross-subject fails first, from the
    headers.)"""
    from emoclip_plugin.cli import run
    small_seed = write_folder(tmp_path / "two" / "Preprocessed_EEG", "seed", subjects=2, seconds=8, seed=2)
    f = sorted(small_seed.glob("1_*.mat"))[0]
    m = sio.loadmat(f)
    name = next(k for k in m if k.endswith("_eeg2"))
    x = m[name].copy()
    x[0, 10] = np.nan
    _rewrite_trial(f, name, x)
    argv = ["--root", str(small_seed), "--models", "de_logreg", "--out", str(tmp_path / "o"),
            "--cache", str(tmp_path / "c")]
    with pytest.raises(SystemExit) as exc:
        run(argv)
    assert exc.value.code == 2
    # what the terminal shows: progress bars are erased (each frame ends in a carriage return), one line remains
    shown = [line.split("\r")[-1] for line in capsys.readouterr().err.split("\n")]
    err = [line for line in shown if line.strip()]
    assert len(err) == 1 and "Traceback" not in err[0]
    assert err[0].startswith(f"run_all.py: error: {f}: trial '{name}': ") and "non-finite" in err[0]
    assert _no_cache_left(tmp_path / "c" / "datasets")
    with pytest.raises(DataFolderError, match=name):
        run(argv + ["--verbose"])
    (small_seed / "label.mat").unlink()
    with pytest.raises(SystemExit) as exc:
        run(argv)
    assert exc.value.code == 2 and "label.mat: missing" in capsys.readouterr().err


def test_flat_channel_and_volt_scale_are_named(small_seed, tmp_path):
    """A dead electrode (all zeros) and a trial saved in volts instead of µV: a SignalWarning naming the file, the
    trial and the channel; the features are still built."""
    from emoclip_plugin.data.folders import SignalWarning
    f = sorted(small_seed.glob("1_*.mat"))[0]
    m = sio.loadmat(f)
    flat = next(k for k in m if k.endswith("_eeg3"))
    x = m[flat].copy()
    x[5] = 0.0
    _rewrite_trial(f, flat, x)
    g = sorted(small_seed.glob("1_*.mat"))[1]
    m = sio.loadmat(g)
    volts = next(k for k in m if k.endswith("_eeg4"))
    _rewrite_trial(g, volts, m[volts] * 1e-6)
    with pytest.warns(SignalWarning) as record:
        ds = load_seed(small_seed, "de", cache_dir=tmp_path / "c")
    messages = [str(w.message) for w in record if issubclass(w.category, SignalWarning)]
    assert any(m.startswith(f"{f}: trial '{flat}': 1 flat channel(s)") and ": F7;" in m
               for m in messages), messages
    assert any(m.startswith(f"{g}: trial '{volts}': median channel std") and "volts instead of µV" in m
               for m in messages), messages
    assert len(messages) == 2 and len(ds) > 0
    assert all("filled with the mean of their live neighbours" in m for m in messages if "flat channel(s)" in m)
    # the dead electrode is treated as missing: finite features within the range of the other channels'
    from emoclip_plugin.data.channels import SEED_CHANNEL_LOCATION_DICT
    from emoclip_plugin.data.seed import to_numpy
    X, _, _ = to_numpy(ds)
    others = np.delete(X, 5, axis=1)
    assert np.isfinite(X).all() and others.min() <= X[:, 5].min() and X[:, 5].max() <= others.max()
    assert X[:, 5].min() > -30  # not log2(2*pi*e*1e-300)/2 = -496 bits
    with pytest.warns(SignalWarning):
        grids, _, _ = to_numpy(load_seed(small_seed, "emotionclip", cache_dir=tmp_path / "c"))
    r, c = SEED_CHANNEL_LOCATION_DICT["F7"]
    cell, rest = grids[..., r, c], np.delete(grids.reshape(*grids.shape[:-2], 81), r * 9 + c, axis=-1)
    assert np.isfinite(grids).all() and rest.min() <= cell.min() and cell.max() <= rest.max()


def test_fill_flat_channels_uses_the_nearest_live_ring():
    from emoclip_plugin.data.channels import SEED_CHANNEL_LIST
    from emoclip_plugin.data.repair import fill_flat_channels, flat_channels, neighbour_rings
    rng = np.random.default_rng(0)
    x = rng.normal(size=(62, 400))
    rings = neighbour_rings()
    fz = SEED_CHANNEL_LIST.index("FZ")
    x[fz] = 3.0  # constant: flat
    filled = fill_flat_channels(x)
    assert list(flat_channels(x)) == [fz] and x[fz, 0] == 3.0  # the input is not modified
    assert np.allclose(filled[fz], x[rings[fz][0]].mean(axis=0)) and np.array_equal(np.delete(filled, fz, 0),
                                                                                    np.delete(x, fz, 0))
    x[rings[fz][0]] = 0.0  # the whole first ring dead too: the next ring fills FZ
    filled = fill_flat_channels(x)
    assert np.allclose(filled[fz], x[rings[fz][1]].mean(axis=0))
    assert fill_flat_channels(np.zeros((62, 10))).max() == 0 and fill_flat_channels(x[:, :1]) is not None
    with pytest.raises(ValueError, match="expected SEED's 62 channels, got 32"):
        fill_flat_channels(np.vstack([np.zeros((1, 50)), rng.normal(size=(31, 50))]))
