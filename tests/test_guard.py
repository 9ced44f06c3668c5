"""The leakage guard on the real split: it runs inside each task on the exact rows that train, validate, calibrate
and test, and on the groups of the inner split. Each test mutates a real fold and expects the guard to name the
problem; the estimator side keeps calibration rows out of validation and, without groups, splits whole trials."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from emoclip_plugin.benchmark.runner import Task, prepare_data, run_task
from emoclip_plugin.estimators import SSTLegoViTClassifier
from emoclip_plugin.estimators.base import label_runs
from emoclip_plugin.benchmark.protocols import (LeakageError, add_calibration, check_no_leakage, cross_subject_folds,
                                      fit_groups, trial_keys)

TINY = dict(d_model=16, n_heads=2, depths=(1, 1, 1), conv_hidden=16, img_size=16)


@pytest.fixture(scope="module")
def prepared(seed_root, tmp_path_factory):
    """SEED (3 subjects x 3 sessions) as DE arrays in a benchmark cache, with its per-session folds."""
    cache = tmp_path_factory.mktemp("guard-cache")
    prep = prepare_data(seed_root, "seed", "de", cache)
    folds = cross_subject_folds(prep.dataset_obj, "per-session", cache / "splits", prep.cache_key)
    return prep, folds


def _task(prep, fold, model="dgcnn", params=None, shots=0):
    params = params if params is not None else {"max_epochs": 2, "lr": 0.01}
    return Task(task_id=f"t-{fold.name}", dataset="seed", data="synthetic", protocol=fold.protocol, preset="strict",
                model=model, seed=0, fold=fold, groups=fit_groups(fold, prep.info), data_dir=prep.data_dir,
                params=params, refit=True, features={}, n_classes=3, cross_subject="per-session", shots=shots,
                calibration="trials", test_best_epoch=False, threads=1, config_hash="x", strict=True)


def test_test_subject_in_another_session(prepared):
    """Per-session LOSO: the test subject's windows from *another* session in training are a leak too."""
    prep, folds = prepared
    fold = folds[0]  # session 1, test subject 1
    other_session = np.flatnonzero((prep.info["subject_id"] == fold.test_subject).to_numpy()
                                   & (prep.info["session_id"] != fold.test_session).to_numpy())[:5]
    leaky = replace(fold, train=np.concatenate([fold.train, other_session]))
    with pytest.raises(LeakageError, match=r"5 training window\(s\) come from test subject 1 \(session\(s\) \[2\]\)"):
        check_no_leakage(leaky, prep.info)
    task = _task(prep, leaky)
    with pytest.raises(LeakageError, match="test subject 1"):  # inside the task, before anything trains
        run_task(task)


def test_calibration_window_in_validation(prepared):
    prep, folds = prepared
    fold = add_calibration(folds[0], prep.info, prep.y, shots=4, mode="trials", seed=0)
    with pytest.raises(LeakageError, match=r"calibration window\(s\) are validation windows"):
        check_no_leakage(fold, prep.info, valid_rows=fold.calibration[:2])
    # a validation window of the test subject that is not a declared calibration window
    stray = np.setdiff1d(np.flatnonzero((prep.info["subject_id"] == fold.test_subject).to_numpy()),
                         np.concatenate([fold.test, fold.calibration]))[:1]
    with pytest.raises(LeakageError, match="validation window"):
        check_no_leakage(replace(fold, train=np.concatenate([fold.train, stray])), prep.info, valid_rows=stray)


def test_shared_trial_between_calibration_and_test(prepared):
    prep, folds = prepared
    fold = add_calibration(folds[0], prep.info, prep.y, shots=4, mode="windows", seed=0)  # the paper's draw
    keys = trial_keys(prep.info)
    assert set(keys[fold.calibration]) & set(keys[fold.test])
    with pytest.raises(LeakageError, match="calibration and test windows share trial"):
        check_no_leakage(fold, prep.info, strict=True)
    check_no_leakage(fold, prep.info, strict=False)  # the paper preset declares it (not strict)


def test_validation_must_hold_out_whole_groups(prepared):
    prep, folds = prepared
    fold = folds[0]
    groups = fit_groups(fold, prep.info)
    subject = groups[0]
    half = fold.train[groups[: len(fold.train)] == subject][:10]  # 10 rows of a training subject: a cut group
    with pytest.raises(LeakageError, match="cuts group"):
        check_no_leakage(fold, prep.info, valid_rows=half, groups=groups)
    whole = fold.train[groups[: len(fold.train)] == subject]
    check_no_leakage(fold, prep.info, valid_rows=whole, groups=groups)
    with pytest.raises(LeakageError, match="group labels"):
        check_no_leakage(fold, prep.info, groups=groups[:-1])


def test_task_with_shots_keeps_calibration_out_of_validation(prepared, monkeypatch):
    """A real task with calibration: the estimator's inner split never takes a calibration row, though those rows
    carry the test subject's id as their group; the in-task guard checks the rows it actually validated on."""
    prep, folds = prepared
    seen = []
    import emoclip_plugin.benchmark.runner as runner
    real = runner.check_no_leakage

    def spy(fold, info, valid_rows=None, strict=True, groups=None):
        seen.append(valid_rows)
        return real(fold, info, valid_rows=valid_rows, strict=strict, groups=groups)

    monkeypatch.setattr(runner, "check_no_leakage", spy)
    for seed in range(3):
        fold = add_calibration(folds[1], prep.info, prep.y, shots=8, mode="trials", seed=seed)
        task = replace(_task(prep, fold, shots=8), seed=seed)
        result = run_task(task)
        assert result["row"]["n_calibration"] == len(fold.calibration) == 48  # 8 shots x 2 s x 3 classes of 1-s DE
        assert result["row"]["calibration_seconds"] == 48
        valid = seen[-1]
        assert valid is not None and len(valid) and not np.isin(valid, fold.calibration).any()
        assert not (prep.info["subject_id"].to_numpy()[valid] == fold.test_subject).any()


def test_estimator_always_train_rows_never_validate():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 4, 12, 9, 9)).astype(np.float32)
    y = np.tile(np.repeat(np.arange(3), 5), 6)
    groups = np.repeat(np.arange(6), 15)  # group 5 plays the test subject's calibration rows
    always = np.flatnonzero(groups == 5)
    for seed in range(6):
        clf = SSTLegoViTClassifier(module_kwargs=TINY, max_epochs=1, validation=0.4, random_state=seed,
                                   refit=False).fit(X, y, groups=groups, always_train=always)
        assert not np.isin(clf.valid_indices_, always).any()
        assert set(groups[clf.valid_indices_]).isdisjoint({5})


def test_no_groups_validation_is_whole_trials():
    """Without groups (MOABB's evaluations call fit(X, y)), the split holds out whole runs of consecutive same-label
    rows, i.e. whole trials of data in recording order, never single windows of a trial."""
    rng = np.random.default_rng(1)
    y = np.repeat(np.tile(np.arange(3), 4), 8)  # 12 trials of 8 windows, labels cycling
    X = rng.standard_normal((len(y), 4, 12, 9, 9)).astype(np.float32)
    runs = label_runs(y)
    assert runs.max() == 11 and (np.bincount(runs) == 8).all()
    clf = SSTLegoViTClassifier(module_kwargs=TINY, max_epochs=1, validation=0.25, random_state=0).fit(X, y)
    in_valid = np.isin(np.arange(len(y)), clf.valid_indices_)
    for run in np.unique(runs):
        assert in_valid[runs == run].all() or not in_valid[runs == run].any()


def test_moabb_calibration_windows_always_train():
    from emoclip_plugin.moabb.calibration import WithTargetCalibration
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 4, 12, 9, 9)).astype(np.float32)
    y = np.tile(np.repeat(np.arange(3), 5), 4)
    subjects = np.repeat(np.arange(1, 5), 15)
    Xt, yt = rng.standard_normal((15, 4, 12, 9, 9)).astype(np.float32), np.repeat(np.arange(3), 5)
    for seed in range(4):
        clf = SSTLegoViTClassifier(module_kwargs=TINY, max_epochs=1, validation=0.3, random_state=seed, refit=False)
        wrapped = WithTargetCalibration(clf).fit(X, y, X_target_labeled=Xt, y_target_labeled=yt, subjects=subjects)
        valid = wrapped.estimator_.valid_indices_
        assert wrapped.n_calibration_ == 15 and not (valid >= 60).any()
