"""SEED / SEED-IV folders through TorchEEG's own loaders: labels, ids, shapes, caches."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from torcheeg.datasets import SEEDDataset, SEEDFeatureDataset, SEEDIVDataset, SEEDIVFeatureDataset

from emoclip_plugin.data.features import FrameFeatureConfig
from emoclip_plugin.data.seed import load_dataset, load_seed, load_seed_features, load_seed_iv, load_seed_iv_features, to_numpy


def test_seed_emotionclip(seed_root, cache_dir):
    ds = load_seed(seed_root, cache_dir=cache_dir)
    assert isinstance(ds, SEEDDataset)
    assert ds.class_names == ["negative", "neutral", "positive"]
    # 12-s trials: 5-s baseline dropped, then three 2-s windows (1 s left over)
    assert len(ds) == 3 * 3 * 15 * 3
    x, y = ds[0]
    assert x.shape == (4, 12, 9, 9) and x.dtype == np.float32 and ds.feature_shape == (4, 12, 9, 9)
    info = ds.info
    assert set(info["session_id"]) == {1, 2, 3}
    assert info["trial_id"].dtype.kind == "i" and set(info["trial_id"]) == set(range(1, 16))
    assert set(info["label"]) == {0, 1, 2}
    assert (info["label"] == info["emotion"] + 1).all()
    # session ids are the rank of the recording date within each subject
    for _, rows in info.groupby("subject_id"):
        order = rows.drop_duplicates("date").sort_values("date")["session_id"].tolist()
        assert order == [1, 2, 3]
    # the windows start after the 5-s baseline and step by 2 s
    first = info[(info.subject_id == 1) & (info.session_id == 1) & (info.trial_id == 1)]
    assert first["start_at"].tolist() == [1000, 1400, 1800]
    X, Y, _ = to_numpy(ds)
    assert Y[0] == y and X.shape == (len(ds), 4, 12, 9, 9)


def test_seed_de_kinds(seed_root, cache_dir):
    de = load_seed(seed_root, "de", cache_dir=cache_dir)
    grid = load_seed(seed_root, "de_grid", cache_dir=cache_dir)
    raw = load_seed(seed_root, "raw", cache_dir=cache_dir)
    assert len(de) == len(grid) == len(raw) == 3 * 3 * 15 * 12
    assert de[0][0].shape == (62, 5) and grid[0][0].shape == (5, 9, 9) and raw[0][0].shape == (62, 200)
    assert raw.info["start_at"].tolist()[:2] == [0, 200]


def test_seed_iv(seed_iv_root, cache_dir):
    ds = load_seed_iv(seed_iv_root, cache_dir=cache_dir)
    assert isinstance(ds, SEEDIVDataset)
    assert ds.class_names == ["neutral", "sad", "fear", "happy"]
    assert set(ds.info["session_id"]) == {1, 2, 3} and ds.info["session_id"].dtype.kind == "i"
    assert set(ds.info["label"]) == {0, 1, 2, 3} and set(ds.info["trial_id"]) == set(range(1, 25))
    de = load_seed_iv(seed_iv_root, "de", cache_dir=cache_dir)
    assert de[0][0].shape == (62, 5) and len(de) == 2 * 3 * 24 * 3  # 4-s windows by default


def test_feature_folders(seed_feature_root, seed_iv_feature_root, cache_dir):
    ds = load_seed_features(seed_feature_root, cache_dir=cache_dir)
    assert isinstance(ds, SEEDFeatureDataset)
    assert ds[0][0].shape == (62, 5) and len(ds) == 2 * 3 * 15 * 10
    assert set(ds.info["session_id"]) == {1, 2, 3} and set(ds.info["label"]) == {0, 1, 2}
    grid = load_seed_features(seed_feature_root, "de_grid", feature=["de_LDS", "de_movingAve"], cache_dir=cache_dir)
    assert grid[0][0].shape == (10, 9, 9)
    iv = load_seed_iv_features(seed_iv_feature_root, cache_dir=cache_dir)
    assert isinstance(iv, SEEDIVFeatureDataset)
    assert iv[0][0].shape == (62, 5) and set(iv.info["label"]) <= {0, 1, 2, 3}
    assert load_dataset(seed_iv_feature_root, cache_dir=cache_dir, features="de").family == "seed-iv-features"


def test_family_detection(seed_root, seed_iv_root, seed_feature_root, cache_dir):
    assert load_dataset(seed_root, features="de", cache_dir=cache_dir).family == "seed"
    assert load_dataset(seed_iv_root, features="de", cache_dir=cache_dir).family == "seed-iv"
    assert load_dataset(seed_feature_root, features="de", cache_dir=cache_dir).family == "seed-features"


def _cache_folders(cache_dir):
    return sorted(p.name for p in cache_dir.iterdir() if not p.name.startswith("."))


def test_cache_reused_and_keyed_on_parameters(tmp_path):
    from emoclip_plugin.data.synthetic import write_folder
    root = write_folder(tmp_path / "data", "seed", subjects=1, seconds=8, seed=1)
    cache = tmp_path / "cache"
    a = load_seed(root, "emotionclip", cache_dir=cache)
    first = _cache_folders(cache)
    assert len(first) == 1
    stamp = os.path.getmtime(cache / first[0])
    b = load_seed(root, "emotionclip", cache_dir=cache)
    assert _cache_folders(cache) == first and os.path.getmtime(cache / first[0]) == stamp
    np.testing.assert_array_equal(a[3][0], b[3][0])
    # any changed preprocessing parameter -> a new cache
    c = load_seed(root, "emotionclip", feature_config=FrameFeatureConfig(baseline_seconds=2.0), cache_dir=cache)
    assert len(_cache_folders(cache)) == 2 and len(c) != len(a)
    # a changed folder (a file rewritten) -> a new cache
    f = sorted(root.glob("1_*.mat"))[0]
    os.utime(f, (time.time() + 10, time.time() + 10))
    load_seed(root, "emotionclip", cache_dir=cache)
    assert len(_cache_folders(cache)) == 3


def test_failed_build_leaves_no_cache(tmp_path):
    from emoclip_plugin.data.synthetic import write_folder
    root = write_folder(tmp_path / "data", "seed", subjects=2, seconds=8, seed=1)
    cache = tmp_path / "cache"
    # corrupt the second subject's file after the header check would pass: truncate its data
    f = sorted(root.glob("2_*.mat"))[0]
    data = f.read_bytes()
    f.write_bytes(data[: len(data) - 1000])
    with pytest.raises(Exception):
        load_seed(root, "de", cache_dir=cache)
    assert not cache.exists() or list(cache.iterdir()) == []


def test_killed_build_is_not_trusted(tmp_path):
    """A process killed while TorchEEG writes its cache leaves nothing that a later run would read."""
    from emoclip_plugin.data.synthetic import write_folder
    root = write_folder(tmp_path / "data", "seed", subjects=3, seconds=60, seed=1)
    cache = tmp_path / "cache"
    script = textwrap.dedent(f"""
        from emoclip_plugin.data.seed import load_seed
        load_seed({str(root)!r}, "emotionclip", cache_dir={str(cache)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 120
    # wait until the build has started writing, then kill it hard
    while time.time() < deadline and not any(cache.glob(".tmp-*/_record_0")):
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert any(cache.glob(".tmp-*")), "the build should have been interrupted mid-write"
    assert _cache_folders(cache) == []  # nothing under a final name
    ds = load_seed(root, "emotionclip", cache_dir=cache)  # rebuilds, and removes the orphan
    assert len(ds) == 3 * 3 * 15 * 27
    assert not any(cache.glob(".tmp-*"))
