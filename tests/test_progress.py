"""Progress inside a fold: the training callback's reports and the bars of the running folds."""
from __future__ import annotations

import io

import numpy as np

from emoclip_plugin.benchmark.progress import RunningFolds
from emoclip_plugin.estimators import DGCNNClassifier
from emoclip_plugin.training.progress import TrainingProgress


def _data(n_trials: int = 8, per_trial: int = 12, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_trials) % 3, per_trial)
    X = rng.normal(size=(len(y), 62, 5)).astype(np.float32)
    X[y == 1] += 0.4
    return X, y


def test_training_progress_reports_every_epoch_and_batch_of_selection_and_refit():
    X, y = _data()
    states: list[dict] = []
    params = dict(max_epochs=3, patience=5, lr=1e-2, random_state=0, batch_size=16)
    reported = DGCNNClassifier(**params, callbacks=[("p", TrainingProgress(states.append, every=0.0))]).fit(X, y)
    plain = DGCNNClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(reported.predict_proba(X), plain.predict_proba(X))  # it changes nothing
    phases = [s["phase"] for s in states]
    assert set(phases) == {"selection", "refit"} and phases.index("refit") > phases.index("selection")
    assert phases[-1] == "refit"
    n_valid = len(reported.valid_indices_)
    for phase, rows in (("selection", len(X) - n_valid), ("refit", len(X))):
        mine = [s for s in states if s["phase"] == phase]
        epochs = max(s["epoch"] for s in mine)
        assert sorted({s["epoch"] for s in mine}) == list(range(1, epochs + 1))
        # selection: the bound of max_epochs; the refit: the epochs it trains (the selected number), all of them
        assert {s["max_epochs"] for s in mine} == ({3} if phase == "selection" else {epochs})
        batches = -(-rows // 16)
        assert {s["batches"] for s in mine} == {batches} and {s["rows"] for s in mine} == {rows}
        assert {s["batch_size"] for s in mine} == {16}
        for epoch in {s["epoch"] for s in mine}:
            counts = [s["batch"] for s in mine if s["epoch"] == epoch]
            # the epoch's start (0), each batch (every=0) and its end (all batches)
            assert counts[0] == 0 and counts[-1] == batches and counts == sorted(counts)
            assert list(range(batches + 1)) == sorted(set(counts))
    selection_ends = [s for s in states if s["phase"] == "selection" and "valid_loss" in s]
    assert selection_ends and all(np.isfinite(s["valid_loss"]) for s in selection_ends)
    assert not any("valid_loss" in s for s in states if s["phase"] == "refit")


def test_training_progress_without_validation_is_one_training_run():
    X, y = _data()
    states: list[dict] = []
    DGCNNClassifier(max_epochs=2, lr=1e-2, random_state=0, batch_size=32, validation=0.0,
                    callbacks=[("p", TrainingProgress(states.append))]).fit(X, y)
    assert {s["phase"] for s in states} == {"training"} and max(s["epoch"] for s in states) == 2


def test_running_folds_show_one_bar_per_fold_and_ignore_late_messages(monkeypatch):
    stream = io.StringIO()
    import tqdm.auto
    original = tqdm.auto.tqdm
    monkeypatch.setattr(tqdm.auto, "tqdm", lambda *a, **k: original(*a, file=stream, **k))
    running = RunningFolds({"a": "eegnet s01", "b": "dgcnn s02"}.get, mininterval=0.0)
    running("a", {"phase": "fitting"})
    running("b", {"phase": "fitting"})
    assert [running._positions[t] for t in ("a", "b")] == [1, 2]
    epoch = {"phase": "selection", "epoch": 2, "max_epochs": 20, "batches": 10, "batch_size": 64, "rows": 610}
    running("a", {**epoch, "batch": 5})
    running("a", {**epoch, "batch": 10, "valid_loss": 0.61234})
    text = stream.getvalue()
    assert "eegnet s01" in text and "selection epoch 2/20" in text and "320/610" in text and "610/610" in text
    assert "valid loss 0.6123" in text and "dgcnn s02" in text
    running.finish("a")
    running("a", {"phase": "testing"})  # a message that arrives after the result: no new bar
    assert "a" not in running._bars
    running("c", {"phase": "fitting"})
    assert running._positions["c"] == 1  # the freed line is reused
    running.close()
    assert not running._bars
    quiet = RunningFolds(str, disable=True)
    quiet("a", {"phase": "fitting"})
    assert not quiet._bars
