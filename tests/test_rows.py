"""Fitting on rows of a memory-mapped array without copying them (issue 21, memory that fits): :class:`Rows`, the
per-sample :class:`RowDataset`, chunked standardisation statistics, and the benchmark task that hands its fold's rows
to the estimator as ``Rows`` over the cache."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import emoclip_plugin.models.standardize as standardize
import emoclip_plugin.training.rows as rows_module
from emoclip_plugin.estimators import DGCNNClassifier, EEGNetClassifier, accepts_rows, make_de_logreg
from emoclip_plugin.models.standardize import Standardized
from emoclip_plugin.training.rows import RowDataset, Rows


def _data(n_trials: int = 8, per_trial: int = 12, shape=(62, 5), seed: int = 0):
    """Trials of ``per_trial`` windows, labels cycling over 3 classes, a class effect of +0.4 on class 1."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_trials) % 3, per_trial)
    X = rng.normal(size=(len(y), *shape)).astype(np.float32)
    X[y == 1] += 0.4
    return X, y


@pytest.fixture()
def memmap(tmp_path):
    X, y = _data()
    extra = np.random.default_rng(1).normal(size=(30, 62, 5)).astype(np.float32)  # rows no fold selects
    full = np.concatenate([extra[:15], X, extra[15:]])
    np.save(tmp_path / "X.npy", full)
    return np.load(tmp_path / "X.npy", mmap_mode="r"), np.arange(15, 15 + len(X)), X, y


def test_rows_select_without_reading(memmap):
    M, picked, X, _ = memmap
    rows = Rows(M, picked)
    assert len(rows) == len(X) and rows.shape == X.shape and rows.dtype == np.float32 and rows.ndim == 3
    assert rows.nbytes == X.nbytes
    np.testing.assert_array_equal(rows[3], X[3])
    np.testing.assert_array_equal(rows[5:9], X[5:9])
    np.testing.assert_array_equal(rows[np.array([7, 2])], X[[7, 2]])
    inner = rows.take(np.array([4, 0, 9]))  # rows of rows compose
    assert isinstance(inner, Rows) and inner.X is M
    np.testing.assert_array_equal(inner.to_array(), X[[4, 0, 9]])
    mask = np.zeros(len(X), dtype=bool)
    mask[[1, 2]] = True
    np.testing.assert_array_equal(rows.take(mask).to_array(), X[mask])
    chunks = list(rows.chunks(size=7))
    assert [len(c) for c in chunks] == [7] * (len(X) // 7) + ([len(X) % 7] if len(X) % 7 else [])
    np.testing.assert_array_equal(np.concatenate(chunks), X)
    assert "96 of 126 rows" in repr(rows)
    with pytest.raises(ValueError, match=r"row indices must be in \[0, 126\); got 0\.\.200"):
        Rows(M, [0, 200])
    with pytest.raises(ValueError, match="1-D integer index or boolean mask"):
        Rows(M, np.array([0.5]))


def test_row_dataset_reads_one_writable_sample(memmap):
    M, picked, X, y = memmap
    ds = RowDataset(Rows(M, picked), y)
    x0, y0 = ds[4]
    assert x0.flags.writeable and x0.dtype == np.float32 and y0 == y[4]
    np.testing.assert_array_equal(x0, X[4])
    assert len(ds) == len(X)
    with pytest.raises(ValueError, match="96 rows but 3 labels"):
        RowDataset(Rows(M, picked), y[:3])


def test_chunked_statistics_match_numpy(memmap, monkeypatch):
    M, picked, X, _ = memmap
    monkeypatch.setattr(standardize, "CHUNK_BYTES", 62 * 5 * 8 * 10)  # 10 rows a chunk
    X = X.copy()
    X[:, 0, 0] = 3.0  # one value that never varies -> std 1
    m = Standardized(torch_identity(), X.shape[1:]).set_statistics(X)
    np.testing.assert_allclose(m.mean.numpy(), X.mean(0, dtype=np.float64), rtol=1e-6, atol=1e-7)
    expected = X.std(0, dtype=np.float64)
    expected[0, 0] = 1.0
    np.testing.assert_allclose(m.std.numpy(), expected, rtol=1e-6)
    from_rows = Standardized(torch_identity(), X.shape[1:]).set_statistics(Rows(M, picked))
    np.testing.assert_allclose(from_rows.mean.numpy(), M[picked].mean(0, dtype=np.float64), rtol=1e-6, atol=1e-7)


def torch_identity():
    from torch import nn
    return nn.Identity()


def test_fit_on_rows_of_a_memmap_equals_fit_on_the_array(memmap):
    """Same seed, same rows: the model trained from ``Rows`` over the file predicts exactly as the one trained on
    the in-memory copy (validation split, early stopping, refit and standardisation included)."""
    M, picked, X, y = memmap
    params = dict(max_epochs=4, patience=2, lr=1e-2, random_state=0, standardize=True, batch_size=16)
    from_array = DGCNNClassifier(**params).fit(X, y)
    from_rows = DGCNNClassifier(**params).fit(Rows(M, picked), y)
    from_memmap = DGCNNClassifier(**params).fit(M[15:15 + len(y)], y)  # a memmap slice: read per batch as well
    np.testing.assert_array_equal(from_memmap.predict_proba(X), from_array.predict_proba(X))
    assert from_rows.refitted_ and from_array.refitted_ and from_rows.n_features_in_ == 62
    np.testing.assert_array_equal(from_rows.valid_indices_, from_array.valid_indices_)
    np.testing.assert_array_equal(from_rows.predict_proba(X), from_array.predict_proba(X))
    assert accepts_rows(from_rows) and not accepts_rows(make_de_logreg())
    # prediction reads Rows / a memmap batch by batch too, with the same numbers
    np.testing.assert_array_equal(from_rows.predict_proba(Rows(M, picked)), from_array.predict_proba(X))
    np.testing.assert_array_equal(from_rows.predict(M[15:15 + len(y)]), from_array.predict(X))
    with pytest.raises(ValueError, match=r"samples of shape \[62, 4\], but DGCNNClassifier was fitted on \[62, 5\]"):
        from_rows.predict(Rows(np.zeros((3, 62, 4), dtype=np.float32)))


def test_fit_on_rows_checks_its_input(memmap, tmp_path):
    M, picked, X, y = memmap
    bad = X.copy()
    bad[10, 3, 2] = np.nan
    np.save(tmp_path / "bad.npy", bad)
    with pytest.raises(ValueError, match=r"contains NaN or infinity \(row 10 of the array\)"):
        DGCNNClassifier(max_epochs=1).fit(Rows(np.load(tmp_path / "bad.npy", mmap_mode="r")), y)
    with pytest.raises(ValueError, match="needs the labels y"):
        DGCNNClassifier(max_epochs=1).fit(Rows(M, picked))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        DGCNNClassifier(max_epochs=1).fit(Rows(M, picked), y[:-1])
    np.save(tmp_path / "ints.npy", np.zeros((4, 62, 5), dtype=np.int64))
    with pytest.raises(ValueError, match="expected a floating array"):
        DGCNNClassifier(max_epochs=1).fit(Rows(np.load(tmp_path / "ints.npy", mmap_mode="r")), np.arange(4) % 2)


@pytest.mark.parametrize("source", ["array", "memmap"])
def test_fit_copies_no_rows(source, tmp_path, monkeypatch):
    """Peak NumPy memory during ``fit`` (tracemalloc) stays a small fraction of the training array: no copy of the
    training / validation split or for the standardisation statistics (the code before this change peaked at ~2.5x
    the array: ``X[tr]``, ``X[va]`` and ``X[rows]`` for the statistics)."""
    monkeypatch.setattr(standardize, "CHUNK_BYTES", 1 << 16)
    monkeypatch.setattr(rows_module, "CHUNK_BYTES", 1 << 16)
    X, y = _data(n_trials=30, per_trial=20, shape=(8, 128))
    est = EEGNetClassifier(max_epochs=2, patience=2, random_state=0, standardize=True, batch_size=64)
    est.fit(X[:120], y[:120])  # imports and first-call allocations out of the measurement
    if source == "memmap":
        np.save(tmp_path / "X.npy", X)
        X = Rows(np.load(tmp_path / "X.npy", mmap_mode="r"))
    tracemalloc.start()
    try:
        est.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert est.refitted_
    assert peak < 0.5 * X.nbytes, f"fit allocated {peak / X.nbytes:.2f}x the training array"


def test_benchmark_task_trains_from_the_cache(seed_root, tmp_path, monkeypatch):
    """A neural model's task hands the estimator ``Rows`` over the memory-mapped cache (exactly the fold's fit
    rows); a scikit-learn model gets an in-memory array of the same rows."""
    from emoclip_plugin.benchmark.protocols import cross_subject_folds, fit_groups
    from emoclip_plugin.benchmark.runner import Task, prepare_data, run_task
    from emoclip_plugin.estimators import linear

    prep = prepare_data(seed_root, "seed", "de", tmp_path)
    fold = cross_subject_folds(prep.dataset_obj, "per-session", tmp_path / "splits", prep.cache_key)[0]
    seen = {}
    real_fit = DGCNNClassifier.fit

    def spy(self, X, y=None, **kwargs):
        seen["dgcnn"] = X
        return real_fit(self, X, y, **kwargs)

    monkeypatch.setattr(DGCNNClassifier, "fit", spy)
    real_flat = linear.FlatLogisticRegression.fit

    def spy_flat(self, X, y=None):
        seen["de_logreg"] = X
        return real_flat(self, X, y)

    monkeypatch.setattr(linear.FlatLogisticRegression, "fit", spy_flat)
    for model, params in (("dgcnn", {"max_epochs": 2, "lr": 0.01}), ("de_logreg", {})):
        task = Task(task_id=f"t-{model}", dataset="seed", data="synthetic", protocol=fold.protocol, preset="strict",
                    model=model, seed=0, fold=fold, groups=fit_groups(fold, prep.info), data_dir=prep.data_dir,
                    params=params, refit=True, features={}, n_classes=3, cross_subject="per-session", shots=0,
                    calibration="trials", test_best_epoch=False, threads=1, config_hash="x", strict=True)
        row = run_task(task)["row"]
        assert 0 <= row["accuracy"] <= 1 and row["n_test"] == len(fold.test)
    X = seen["dgcnn"]
    assert isinstance(X, Rows) and isinstance(X.X, np.memmap)
    np.testing.assert_array_equal(X.rows, fold.fit_rows)
    flat = seen["de_logreg"]
    assert isinstance(flat, np.ndarray) and not isinstance(flat, np.memmap) and len(flat) == len(fold.fit_rows)


def test_resident_batches_from_rows(memmap):
    """The GPU path (``resident``): RowDataset rows are copied to the device chunk by chunk, once per role, and
    batched there; checked here on the CPU device, which takes the same code."""
    from torch import nn

    from emoclip_plugin.training.net import DeviceBatches, RecipeNet, _to_device
    M, picked, X, y = memmap
    rows = Rows(M, picked)
    np.testing.assert_array_equal(_to_device(rows, "cpu").numpy(), X)
    net = RecipeNet(nn.Sequential(nn.Flatten(), nn.Linear(310, 3)), criterion=nn.CrossEntropyLoss, resident=True,
                    device="cpu", batch_size=32, classes=[0, 1, 2], train_split=None).initialize()
    batches = net.get_iterator(RowDataset(rows, y), training=False)
    assert isinstance(batches, DeviceBatches)
    got = np.concatenate([xb.numpy() for xb, _ in batches])
    np.testing.assert_array_equal(got, X)
    net.fit(RowDataset(rows, y), None)  # trains through the resident batches
    assert len(net.history) == net.max_epochs
