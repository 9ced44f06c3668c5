"""The benchmark: protocols and the leakage guard, the command line, results, resume after a kill, jobs and Dask."""
from __future__ import annotations

import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from emoclip_plugin.benchmark.store import COLUMNS
from emoclip_plugin.cli import run
from emoclip_plugin.data.seed import load_seed
from emoclip_plugin.benchmark.protocols import (LeakageError, add_calibration, calibration_seconds, check_no_leakage,
                                      cross_subject_folds, cross_time_folds, trial_keys)

TINY_YAML = """
models:
  emotionclip: {module_kwargs: {d_model: 16, n_heads: 2, depths: [1, 1, 1], conv_hidden: 16, img_size: 16},
                max_epochs: 2, lr: 0.001}
  sst_legovit: {module_kwargs: {d_model: 16, n_heads: 2, depths: [1, 1, 1], conv_hidden: 16, img_size: 16},
                max_epochs: 2, lr: 0.001}
  dgcnn: {max_epochs: 4, lr: 0.01}
"""
FAST_YAML = """
models:
  dgcnn: {max_epochs: 8, lr: 0.01, patience: 8}
"""


def _results(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "results.csv").drop(columns=["train_seconds"])


@pytest.fixture(scope="module")
def de_dataset(seed_root, tmp_path_factory):
    return load_seed(seed_root, "de", cache_dir=tmp_path_factory.mktemp("bench-cache"))


def test_folds_through_torcheeg_splitters(de_dataset, tmp_path):
    info = de_dataset.info
    per_session = cross_subject_folds(de_dataset, "per-session", tmp_path / "splits", "k")
    assert len(per_session) == 3 * 3  # subjects x sessions
    pooled = cross_subject_folds(de_dataset, "pooled", tmp_path / "splits", "k")
    assert len(pooled) == 3
    # TorchEEG's own split CSVs, in a folder keyed like the caches and marked complete
    split = next((tmp_path / "splits").glob("split-k-per-session"))
    assert (split / ".emoclip-complete.json").is_file()
    assert list(split.glob("loso-*/train_subject_*.csv")) and list(split.glob("sessions/*.csv"))
    for fold in per_session + pooled:
        check_no_leakage(fold, info)
        assert set(info["subject_id"].iloc[fold.test]) == {fold.test_subject}
        assert len(np.intersect1d(fold.train, fold.test)) == 0
    f = per_session[0]
    assert set(info["session_id"].iloc[f.train]) == {f.test_session} == set(info["session_id"].iloc[f.test])
    assert len(pooled[0].train) + len(pooled[0].test) == len(info)
    cross_time = cross_time_folds(info)
    assert len(cross_time) == 3 * 3 and {f.name.split("-")[1] for f in cross_time} == {"1to2", "1to3", "2to3"}
    for fold in cross_time:
        check_no_leakage(fold, info)
        assert set(info["session_id"].iloc[fold.train]) == {fold.train_session}


def test_within_subject_folds_split_whole_trials(de_dataset):
    from emoclip_plugin.benchmark.protocols import WITHIN_SUBJECT_TRAIN_TRIALS, within_subject_folds
    info = de_dataset.info.reset_index(drop=True)
    folds = within_subject_folds(info, WITHIN_SUBJECT_TRAIN_TRIALS["seed"])
    assert len(folds) == 3 * 3  # subjects x sessions (45 on real SEED)
    for fold in folds:
        check_no_leakage(fold, info)
        train, test = info.iloc[fold.train], info.iloc[fold.test]
        assert set(train["trial_id"]) == set(range(1, 10)) and set(test["trial_id"]) == set(range(10, 16))
        assert set(train["subject_id"]) == set(test["subject_id"]) == {fold.test_subject}
        assert set(train["session_id"]) == set(test["session_id"]) == {fold.test_session}
        assert fold.groups == "trial"
    leaky = replace(folds[0], train=np.concatenate([folds[0].train, folds[0].test[:1]]), test=folds[0].test[1:])
    with pytest.raises(LeakageError, match="share trial"):
        check_no_leakage(leaky, info)
    other = replace(folds[0], train=np.concatenate([folds[0].train, folds[1].train[:1]]))
    with pytest.raises(LeakageError, match="another subject or session"):
        check_no_leakage(other, info)
    with pytest.raises(ValueError, match="has 15 trials"):
        within_subject_folds(info, 15)


def test_calibration_shots(de_dataset, tmp_path):
    """shots = reference windows of 2 s per class: with 1-s DE windows, 2 windows per shot."""
    info, y = de_dataset.info, de_dataset.info["label"].to_numpy()
    fold = cross_subject_folds(de_dataset, "per-session", tmp_path / "s", "k")[0]
    strict = add_calibration(fold, info, y, shots=5, mode="trials", seed=0)
    assert np.bincount(y[strict.calibration]).tolist() == [10, 10, 10]
    assert calibration_seconds(info, strict.calibration) == pytest.approx(3 * 5 * 2.0)
    keys = trial_keys(info)
    assert not set(keys[strict.calibration]) & set(keys[strict.test])  # whole trials left the test set
    check_no_leakage(strict, info, strict=True)
    paper = add_calibration(fold, info, y, shots=5, mode="windows", seed=0)
    assert np.bincount(y[paper.calibration]).tolist() == [10, 10, 10]
    assert len(paper.test) == len(fold.test) - 30
    check_no_leakage(paper, info, strict=False)  # the paper's draw: allowed when labelled non-strict
    with pytest.raises(LeakageError, match="share trial"):
        check_no_leakage(paper, info, strict=True)
    assert add_calibration(fold, info, y, 5, "trials", seed=0).calibration.tolist() == strict.calibration.tolist()
    with pytest.raises(ValueError, match="shots=1000"):
        add_calibration(fold, info, y, shots=1000, mode="trials")


def test_calibration_equal_across_input_kinds(seed_root, tmp_path):
    """The same trials and the same seconds of the test subject for 1-s DE windows and 2-s EmotionCLIP grids (whose
    windows start after the 5-s trial baseline); each row's calibration seconds say so."""
    de = load_seed(seed_root, "de", cache_dir=tmp_path / "c")
    grids = load_seed(seed_root, "emotionclip", cache_dir=tmp_path / "c")
    for mode in ("trials", "windows"):
        found = {}
        for name, ds in (("de", de), ("grids", grids)):
            info, y = ds.info.reset_index(drop=True), ds.info["label"].to_numpy()
            fold = cross_subject_folds(ds, "per-session", tmp_path / f"s-{name}", name)[4]
            cal = add_calibration(fold, info, y, shots=4, mode=mode, seed=1, start_seconds=5.0)
            start = info["start_at"].to_numpy()[cal.calibration] / 200
            end = info["end_at"].to_numpy()[cal.calibration] / 200
            found[name] = (set(trial_keys(info)[cal.calibration]), calibration_seconds(info, cal.calibration),
                           set(zip(trial_keys(info)[cal.calibration], np.floor((start - 5) / 2).astype(int))),
                           start.min())
        assert found["de"][0] == found["grids"][0]  # the same trials
        assert found["de"][1] == found["grids"][1] == pytest.approx(3 * 4 * 2.0)  # the same seconds
        assert found["de"][2] == found["grids"][2]  # ... at the same places in those trials
        assert found["de"][3] >= 5.0 and found["grids"][3] >= 5.0


def test_layout_check_agrees_with_the_folds_it_predicts(seed_root, de_dataset, tmp_path):
    """The check before features (trial lengths from the headers) fails exactly where the real folds' calibration
    fails, for both calibration modes and per-session / pooled folds."""
    from emoclip_plugin.data.folders import scan_folder
    from emoclip_plugin.benchmark.protocols import check_layout, reference_windows
    trials = scan_folder(seed_root, "seed").trials()
    assert len(trials) == 3 * 3 * 15 and trials["seconds"].eq(12).all()
    assert sorted(trials["session_id"].unique()) == [1, 2, 3]
    info, y = de_dataset.info.reset_index(drop=True), de_dataset.info["label"].to_numpy()
    keys = trial_keys(info)
    assert (trials.set_index(["subject_id", "session_id", "trial_id"])["label"].to_dict()
            == {k: int(v) for k, v in info.groupby(["subject_id", "session_id", "trial_id"])["label"].first().items()})
    assert len(reference_windows(trials, 5.0)) == 3 * 3 * 15 * 3  # floor((12 - 5) / 2) reference windows per trial
    for mode_cs in ("per-session", "pooled"):
        folds = cross_subject_folds(de_dataset, mode_cs, tmp_path / f"s-{mode_cs}", "k")
        for mode in ("trials", "windows"):
            for shots in (4, 12, 14, 15, 40):
                def fails(fn):
                    try:
                        fn()
                    except ValueError:
                        return True
                    return False
                real = any(fails(lambda f=f: add_calibration(f, info, y, shots, mode, seed, start_seconds=5.0))
                           for f in folds for seed in (0, 1))
                early = fails(lambda: check_layout(trials, "cross-subject", mode_cs, shots, mode, (0, 1), 5.0))
                assert early == real, (mode_cs, mode, shots)
    assert len(set(keys)) == 3 * 3 * 15
    with pytest.raises(ValueError, match="has 15 trials"):
        check_layout(trials, "within-subject", train_trials=15)
    with pytest.raises(ValueError, match="at least 2 subjects"):
        check_layout(trials[trials["subject_id"] == 1], "cross-subject")


def test_data_dependent_options_fail_before_features(seed_root, tmp_path, capsys):
    """Too many shots for the folder's trials: one line, exit 2, and no feature was computed."""
    with pytest.raises(SystemExit) as exc:
        run(["--root", str(seed_root), "--shots", "40", "--models", "de_logreg", "--out", str(tmp_path / "o"),
             "--cache", str(tmp_path / "c")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert f"{seed_root} (seed): cross-subject: fold s01-session1: class 0" in err[-1]
    assert "shots=40" in err[-1]
    assert not (tmp_path / "c" / "arrays").exists() and not (tmp_path / "c" / "datasets").exists()


def test_leakage_guard_fires_on_leaky_splits(de_dataset, tmp_path):
    info = de_dataset.info
    fold = cross_subject_folds(de_dataset, "pooled", tmp_path / "s", "k")[0]
    leaky = replace(fold, train=np.concatenate([fold.train, fold.test[:3]]))
    with pytest.raises(LeakageError, match="3 test window\\(s\\) are also training windows"):
        check_no_leakage(leaky, info)
    with pytest.raises(LeakageError, match="validation"):
        check_no_leakage(fold, info, valid_rows=fold.test[:1])
    # a window of the test subject (not a test window) in training is still a leak in cross-subject
    other = replace(fold, test=fold.test[1:], train=np.concatenate([fold.train, fold.test[:1]]))
    with pytest.raises(LeakageError, match="test subject"):
        check_no_leakage(other, info)
    ct = cross_time_folds(info)[0]
    test_session_rows = ct.test[:2]
    with pytest.raises(LeakageError):
        check_no_leakage(replace(ct, train=np.concatenate([ct.train, test_session_rows]),
                                 test=ct.test[2:]), info)


@pytest.mark.parametrize("argv, message", [
    (["--models", "emotionclip,resnet"],
     "--models: unknown model 'resnet'; choose from emotionclip, sst_legovit, dgcnn"),
    (["--dataset", "deap"], "choose from seed, seed-iv, all"),
    (["--protocol", "within"], "choose one or more \\(distinct\\) of cross-subject, cross-time, within-subject, "
                                "cross-dataset, all"),
    (["--preset", "quick"], "choose one or more \\(distinct\\) of smoke, strict, paper"),
    (["--root", "/no/such/folder"], "--root /no/such/folder: folder not found"),
    (["--jobs", "0"], "--jobs 0: expected an integer >= 1"),
    (["--cross-subject", "both"], "choose from per-session, pooled"),
    (["--scheduler", "nowhere"], "tcp://HOST:PORT"),
    (["--zscore", "maybe"], "--zscore 'maybe': choose from on, off"),
    (["--bands", "alpha8-13"], "--bands 'alpha8-13': expected name:low-high"),
    (["--baseline-seconds", "-1"], "baseline_seconds must be >= 0"),
    (["--window-seconds", "0.3"], "window_seconds=0.3 must be a whole number of frames"),
    (["--bands", "alpha:8-150"], "alpha"),
    (["--de-window", "0"], "de_window=0"),
    (["--device", "cuda"], "--device cuda --precision auto: device='cuda' but this machine has cpu only"),
    (["--device", "tpu"], "device='tpu'; expected auto, cpu, cuda or cuda:N"),
    (["--precision", "16-mixed"], "'16-mixed' needs a CUDA device"),
    (["--precision", "fp8"], "precision='fp8'; expected auto or one of 32, bf16, 16-mixed"),
    (["--estimate-steps", "0"], "--estimate-steps 0: expected an integer >= 1"),
    (["--seeds", "0,0"], "--seeds '0,0': expected distinct integers >= 0"),
    (["--seeds", "0"], "--seeds 0: a count must be >= 1"),
    (["--seeds", "a,b"], "--seeds 'a,b': expected distinct integers"),
    (["--seed", "1", "--seeds", "2"], "--seed and --seeds exclude each other"),
])
def test_options_validated_before_work(argv, message, capsys, tmp_path, cpu_host):
    with pytest.raises(SystemExit) as exc:
        run(argv + ["--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c")])
    assert exc.value.code == 2
    import re
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()  # nothing started


def test_bad_config_file(tmp_path, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("models:\n  dgcnn: {max_epochs: 2}\nshotz: 3\n")
    with pytest.raises(SystemExit):
        run(["--config", str(cfg), "--out", str(tmp_path / "o")])
    assert "unknown key(s) ['shotz']" in capsys.readouterr().err


def test_feature_folder_limits_models(seed_feature_root, tmp_path, capsys):
    with pytest.raises(SystemExit):
        run(["--root", str(seed_feature_root), "--models", "emotionclip,dgcnn", "--out", str(tmp_path / "o")])
    assert "feature folder" in capsys.readouterr().err


def test_end_to_end_both_datasets_both_protocols(seed_root, seed_iv_root, tmp_path, cpu_host):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY_YAML)
    out = tmp_path / "out"
    code = run(["--root", str(seed_root), "--root", str(seed_iv_root), "--dataset", "all", "--protocol", "all",
                "--preset", "smoke", "--config", str(cfg), "--models", "emotionclip,sst_legovit,dgcnn,de_logreg",
                "--out", str(out), "--cache", str(tmp_path / "cache"), "--threads", "2"])
    assert code == 0
    rows = pd.read_csv(out / "results.csv")
    assert list(rows.columns) == COLUMNS
    # both datasets ran every pair: the SEED + SEED-IV Stouffer combination, one row per protocol and pair
    meta = pd.read_csv(out / "meta_analysis.csv")
    assert len(meta) == 3 * 6 and (meta["n_subjects"] == 5).all() and meta["p_stouffer"].between(0, 1).all()
    assert "## Meta-analysis over datasets" in (out / "summary.md").read_text()
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert (comparisons["unit"] == "subject").all() and set(comparisons["test"]) == {"sign-flip (exact)"}
    # SEED: 3 subjects -> 3 pooled LOSO folds + 9 cross-time + 9 within-subject folds; SEED-IV: 2 subjects -> 2 + 6
    # + 6; x 4 models
    assert len(rows) == 4 * (3 + 9 + 9 + 2 + 6 + 6)
    assert set(rows["model"]) == {"emotionclip", "sst_legovit", "dgcnn", "de_logreg"}
    assert rows["accuracy"].between(0, 1).all() and rows["f1_macro"].between(0, 1).all()
    assert (rows["data"] == "user").all() and (rows["preset"] == "smoke").all()
    within = rows[rows["protocol"] == "within-subject"]
    assert (within["test_session"].astype(int) == within["train_session"].astype(int)).all()
    # SEED: 6 of 15 trials test; SEED-IV: 8 of 24 (12-s trials: 3 EmotionCLIP windows or 12 DE windows per trial)
    assert set(within.loc[(within["dataset"] == "seed") & (within["model"] == "de_logreg"), "n_test"]) == {6 * 12}
    assert set(within.loc[(within["dataset"] == "seed-iv") & (within["model"] == "emotionclip"), "n_test"]) == {8 * 3}
    # refit after early stopping: neural models with an inner validation split (SEED: 2 training subjects, one held
    # out) retrain on every training row; SEED-IV pooled has 1 training subject: no split, nothing to refit
    seed_cs = rows[(rows["dataset"] == "seed") & (rows["protocol"] == "cross-subject")].set_index("model")
    assert seed_cs.loc["dgcnn", "refit"].all() and not seed_cs.loc["de_logreg", "refit"].any()
    assert (seed_cs.loc["emotionclip", "n_valid"] > 0).all()
    ct = rows[rows["protocol"] == "cross-time"]
    assert set(zip(ct["train_session"].astype(int), ct["test_session"].astype(int))) == {(1, 2), (1, 3), (2, 3)}
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["versions"]["torch"] and prov["versions"]["torcheeg"] == "1.1.3" and prov["folds_finished"] == 140
    # where each number came from: the neural models in float32 on the CPU (auto on a host without CUDA), scikit-learn
    # in float64
    assert (rows["device"] == "cpu").all() and rows["device_name"].str.startswith("CPU").all()
    assert set(rows.loc[rows["model"] == "de_logreg", "precision"].astype(str)) == {"64"}
    assert set(rows.loc[rows["model"] != "de_logreg", "precision"].astype(str)) == {"32"}
    assert rows["torch"].str.startswith(prov["versions"]["torch"]).all()  # torch.__version__ has the build tag
    assert prov["device"] == "cpu" and prov["precision"] == "32" and prov["compile"] is False
    assert prov["device_description"]["device_name"].startswith("CPU")
    assert {d["model"] for d in prov["devices_used"]} == set(rows["model"])
    summary = (out / "summary.md").read_text()
    assert "| seed-iv | user | cross-time | emotionclip | 6 | 25.0 |" in summary  # one preset: named in the title
    for name in ("per_subject", "confusion", "training_curves"):
        for tag in ("seed_cross-subject", "seed-iv_cross-time"):
            assert (out / f"{name}_{tag}.png").stat().st_size > 1000
    fold = json.loads(next((out / "folds").glob("seed__cross-subject__emotionclip__*.json")).read_text())
    assert np.asarray(fold["confusion"]).shape == (3, 3) and fold["history"][0]["train_loss"] > 0


def test_estimate_projects_without_training(seed_root, tmp_path, capsys):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY_YAML)
    out = tmp_path / "out"
    code = run(["--root", str(seed_root), "--preset", "smoke", "--config", str(cfg), "--models", "emotionclip,de_logreg",
                "--estimate", "--estimate-steps", "2", "--out", str(out), "--cache", str(tmp_path / "c")])
    assert code == 0
    text = capsys.readouterr().out
    assert "estimating 6 task(s)" in text and "timing up to 2 training step(s)" in text
    line = next(l for l in text.splitlines() if l.startswith("seed") and "emotionclip" in l)
    assert line.split()[2] == "3" and "2, 8" in line  # 3 folds; TINY_YAML: 2 epochs; the smoke patience 8
    assert "total:" in text and "Nothing was trained" in text
    assert not (out / "results.csv").exists() and not (out / "folds").exists()


class _SlowNet(torch.nn.Module):
    """Band DE -> logits, 50 ms per forward pass."""

    def __init__(self, num_electrodes: int = 62, in_channels: int = 5, num_classes: int = 3):
        super().__init__()
        self.lin = torch.nn.Linear(num_electrodes * in_channels, num_classes)

    def forward(self, x):
        time.sleep(0.05)
        return self.lin(x.flatten(1))


def test_estimate_times_each_model_for_a_bounded_time():
    """Training is timed until the seconds run out (not a fixed number of steps), after one warm-up step; the figure
    says how many steps it rests on."""
    from emoclip_plugin.benchmark.estimate import measure
    from emoclip_plugin.estimators import ModuleClassifier
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(800, 62, 5)).astype(np.float32), np.repeat([0, 1, 2, 3], 200)
    est = ModuleClassifier(module=_SlowNet, batch_size=8, max_epochs=50, random_state=0)
    rates = measure(est, X, y, steps=1000, seconds=0.5)
    timed = int(rates.note.split()[0])
    assert 1 <= timed <= 12 and rates.note.startswith(f"{timed} step") and "of 8" in rates.note  # 0.5 s / 50 ms
    assert rates.train_s_per_window >= 0.05 / 8 and rates.exact
    capped = measure(est, X, y, steps=3, seconds=60.0)  # the step cap ends it first
    assert capped.note.startswith("3 steps of 8")


class _PerWindowNet(_SlowNet):
    """Band DE -> logits, 4 ms per window of a batch (a CPU-bound model: the cost grows with the batch)."""

    def forward(self, x):
        time.sleep(0.004 * len(x))
        return self.lin(x.flatten(1))


def test_estimate_on_a_cpu_times_a_slow_model_at_a_small_batch():
    """On a CPU a model whose batch would take more than half the budget is timed per window at a batch of 8 (two
    steps, not two big batches), and the note says so; a fast one is timed at its own batch size."""
    from emoclip_plugin.benchmark.estimate import PROBE_BATCH, measure
    from emoclip_plugin.estimators import ModuleClassifier
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(800, 62, 5)).astype(np.float32), np.repeat([0, 1, 2, 3], 200)
    est = ModuleClassifier(module=_PerWindowNet, batch_size=128, max_epochs=50, random_state=0)
    start = time.perf_counter()
    slow = measure(est, X, y, steps=20, seconds=0.8)  # a batch of 128 takes ~0.5 s > 0.4 s
    assert time.perf_counter() - start < 1.2  # the full path: a warm-up batch, steps to 0.8 s, 0.4 s predicting
    assert slow.note.startswith(f"2 steps of {PROBE_BATCH}, ") and re.search(r"a batch of 128 takes ~\d+ s here", slow.note)
    assert 0.004 <= slow.train_s_per_window < 0.02 and 0.004 <= slow.eval_s_per_window < 0.02
    fast = measure(est, X, y, steps=2, seconds=60.0)  # half the budget holds a batch: its own size
    assert fast.note.startswith("2 steps of 128, ") and "takes" not in fast.note


def test_estimate_durations_read_as_people_write_them():
    from emoclip_plugin.benchmark.estimate import format_hours
    assert [format_hours(s) for s in (12, 90, 3900, 35_990, 45 * 3600, 3 * 86400)] == [
        "12 s", "1.5 min", "1 h 05 min", "10 h 00 min", "45 h 00 min", "3.0 days"]  # never "9 h 60 min"


def test_estimate_table_is_aligned_and_says_when_a_run_is_not_practical(seed_root, tmp_path, capsys, monkeypatch):
    est_module = importlib.import_module("emoclip_plugin.benchmark.estimate")  # the module (the package's `estimate` is api.estimate)
    monkeypatch.setattr(est_module, "measure", lambda est, X, y, steps, seconds: est_module.Rates(
        60.0, 1.0, note="1 step of 64, 64 predicted"))  # a minute per training window
    assert run(["--root", str(seed_root), "--preset", "smoke", "--models", "de_logreg,braindecode:ShallowFBCSPNet",
                "--estimate", "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c"), "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("dataset"))
    table = lines[head:head + 3]
    for column in ("folds", "train win/s", "projected (low - high)"):  # right-aligned: every cell ends where the header does
        end = table[0].index(column) + len(column)
        assert all(line[end - 1] != " " and (len(line) == end or line[end] == " ") for line in table), (column, table)
    assert "braindecode:ShallowFBCSPNet" in table[2] and "days" in table[2]
    advice = next(line for line in lines if line.startswith("not practical"))
    assert "more than a week" in advice and "--device cuda" in advice and "--preset smoke" in advice
    assert "--scheduler" in advice and "the slowest: braindecode:ShallowFBCSPNet" in advice


def test_summary_spread_over_folds_and_seeds_by_hand():
    from emoclip_plugin.benchmark.report import summary_table
    # two folds x two seeds: fold means 0.6 and 0.8 -> 70.00 ± 10.00 over folds; seed means 0.65 and 0.75 -> ± 5.00
    rows = pd.DataFrame({"dataset": "seed", "data": "synthetic", "protocol": "cross-subject", "preset": "smoke",
                         "model": "m", "fold": ["s01", "s01", "s02", "s02"], "seed": [0, 1, 0, 1],
                         "accuracy": [0.5, 0.7, 0.8, 0.8], "f1_macro": [0.5, 0.5, 0.5, 0.5],
                         "accuracy_test_best_epoch": np.nan})
    table = summary_table(rows)
    assert table.loc[0, "folds"] == 2 and table.loc[0, "seeds"] == 2
    assert table.loc[0, "accuracy"] == "70.00 ± 10.00 (seeds ± 5.00)"
    assert table.loc[0, "f1_macro"] == "50.00 ± 0.00 (seeds ± 0.00)"
    one = summary_table(rows[rows["seed"] == 0])
    assert "seeds" not in one and one.loc[0, "accuracy"] == "65.00 ± 15.00"


def test_seeds_run_every_fold_per_seed(seed_root, tmp_path):
    cfg = tmp_path / "fast.yaml"
    cfg.write_text(FAST_YAML)
    out = tmp_path / "out"
    assert run(["--root", str(seed_root), "--preset", "smoke", "--config", str(cfg), "--models", "dgcnn,de_logreg",
                "--seeds", "2", "--out", str(out), "--cache", str(tmp_path / "c"), "--threads", "1"]) == 0
    rows = pd.read_csv(out / "results.csv")
    assert len(rows) == 2 * 3 * 2 and sorted(rows["seed"].unique()) == [0, 1]  # 2 models x 3 folds x 2 seeds
    assert json.loads((out / "provenance.json").read_text())["seeds"] == [0, 1]
    summary = (out / "summary.md").read_text()
    assert "(seeds ± " in summary and "std over seeds" in summary
    comparisons = pd.read_csv(out / "comparisons.csv")
    assert list(comparisons[["model_a", "model_b"]].iloc[0]) == ["dgcnn", "de_logreg"] and len(comparisons) == 1
    assert comparisons.loc[0, "folds"] == 3 and "## Paired comparisons" in summary and "dgcnn − de_logreg" in summary
    assert (out / "comparisons_seed_cross-subject.png").stat().st_size > 1000


def test_paper_preset_is_labelled(seed_root, tmp_path):
    cfg = tmp_path / "fast.yaml"
    cfg.write_text(FAST_YAML)
    out = tmp_path / "paper"
    assert run(["--root", str(seed_root), "--preset", "paper", "--shots", "4", "--config", str(cfg),
                "--models", "dgcnn", "--out", str(out), "--cache", str(tmp_path / "c")]) == 0
    rows = pd.read_csv(out / "results.csv")
    assert len(rows) == 9 and (rows["preset"] == "paper").all()  # per-session LOSO: 3 subjects x 3 sessions
    assert (rows["shots"] == 4).all() and (rows["calibration"] == "windows").all()
    # 4 reference windows of 2 s per class: 8 one-second DE windows per class
    assert (rows["n_calibration"] == 24).all() and (rows["calibration_seconds"] == 24).all()
    assert rows["accuracy_test_best_epoch"].notna().all()
    assert (rows["accuracy_test_best_epoch"] >= rows["accuracy"] - 1e-9).mean() > 0.5
    summary = (out / "summary.md").read_text()
    assert "best epoch on test (optimistic)" in summary and "not a valid estimate" in summary
    strict = tmp_path / "strict"
    assert run(["--root", str(seed_root), "--preset", "strict", "--shots", "4", "--config", str(cfg),
                "--models", "dgcnn", "--out", str(strict), "--cache", str(tmp_path / "c")]) == 0
    srows = pd.read_csv(strict / "results.csv")
    assert (srows["calibration"] == "trials").all() and srows["accuracy_test_best_epoch"].isna().all()


def _cmd(out: Path, cache: Path, root: Path, *extra: str) -> list[str]:
    return [sys.executable, "benchmarks/run_all.py", "--root", str(root), "--preset", "smoke", "--protocol", "all",
            "--models", "dgcnn,de_logreg", "--out", str(out), "--cache", str(cache), "--threads", "1", *extra]


def test_resume_after_kill_equals_uninterrupted(seed_root, tmp_path):
    repo = Path(__file__).resolve().parents[1]
    cache = tmp_path / "cache"
    reference = tmp_path / "reference"
    subprocess.run(_cmd(reference, cache, seed_root), cwd=repo, check=True, capture_output=True)
    n_total = len(pd.read_csv(reference / "results.csv"))
    assert n_total == 2 * (3 + 9 + 9)  # pooled LOSO, cross-time and within-subject folds

    out = tmp_path / "killed"
    proc = subprocess.Popen(_cmd(out, cache, seed_root), cwd=repo, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and len(list((out / "folds").glob("*.json"))) < 3 and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list((out / "folds").glob("*.json")))
    assert 3 <= finished < n_total, "the run was not killed mid-way"
    resumed = subprocess.run(_cmd(out, cache, seed_root), cwd=repo, check=True, capture_output=True, text=True)
    assert f"{finished} already finished" in resumed.stdout
    pd.testing.assert_frame_equal(_results(out), _results(reference))
    # and a third run does nothing
    again = subprocess.run(_cmd(out, cache, seed_root), cwd=repo, check=True, capture_output=True, text=True)
    assert f"{n_total} already finished" in again.stdout and "0 to run" in again.stdout


def test_ctrl_c_stops_a_parallel_run_at_once(seed_root, tmp_path):
    """Ctrl-C (SIGINT to the process group) during a --jobs 2 run: the queued folds are cancelled and the workers
    end (the pool would otherwise run every queued fold first), one line names where the finished folds are, exit
    status 130, no traceback; the same command then goes on from the saved folds."""
    repo = Path(__file__).resolve().parents[1]
    cache, out = tmp_path / "cache", tmp_path / "run"
    subprocess.run(_cmd(tmp_path / "warm", cache, seed_root, "--protocol", "cross-subject", "--models", "de_logreg"),
                   cwd=repo, check=True, capture_output=True)  # the feature caches, out of the timing
    command = _cmd(out, cache, seed_root, "--protocol", "cross-subject", "--jobs", "2")  # 3 dgcnn, 3 de_logreg
    proc = subprocess.Popen(command, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,  # SIGINT as a terminal delivers it, even if pytest ignores it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300
    while time.time() < deadline and not any((out / "folds").glob("*.json")) and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    start = time.time()
    _, err = proc.communicate(timeout=120)
    assert time.time() - start < 30 and proc.returncode == 130
    finished = len(list((out / "folds").glob("*.json")))
    assert 1 <= finished < 6, "the queued folds ran after Ctrl-C"
    assert f"interrupted; the folds finished so far are saved in {out}/folds" in err and "Traceback" not in err
    resumed = subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True)
    assert f"{finished} already finished" in resumed.stdout


def test_jobs_and_dask_match_local(seed_root, tmp_path, capsys):
    """Same results in one process, in two and on Dask; the first two show a bar per running fold (its phase and
    epoch) under the fold bar, from the main process and from the workers alike."""
    import distributed  # the dask extra is part of the documented install
    cfg = tmp_path / "fast.yaml"
    cfg.write_text(FAST_YAML)
    common = ["--root", str(seed_root), "--preset", "smoke", "--protocol", "cross-time", "--config", str(cfg),
              "--models", "dgcnn,de_logreg", "--cache", str(tmp_path / "c"), "--threads", "1"]
    for name, extra in (("local", []), ("jobs", ["--jobs", "2"])):
        capsys.readouterr()
        assert run(common + ["--out", str(tmp_path / name)] + extra) == 0
        err = capsys.readouterr().err
        assert "  dgcnn s01" in err and "selection epoch 1/8" in err and "refit epoch 1/" in err, name
        assert "  de_logreg s01" in err and "fitting" in err, name
    pd.testing.assert_frame_equal(_results(tmp_path / "jobs"), _results(tmp_path / "local"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
        assert run(common + ["--out", str(tmp_path / "dask"), "--scheduler", cl.scheduler_address]) == 0
    pd.testing.assert_frame_equal(_results(tmp_path / "dask"), _results(tmp_path / "local"))


def test_feature_settings_reach_rows_provenance_and_caches(seed_root, tmp_path):
    cache = tmp_path / "c"
    paper = tmp_path / "paper-features"
    common = ["--root", str(seed_root), "--preset", "smoke", "--models", "frames_logreg,de_logreg", "--cache",
              str(cache), "--threads", "1"]
    assert run(common + ["--out", str(paper)]) == 0
    none = tmp_path / "no-baseline"
    assert run(common + ["--out", str(none), "--baseline-seconds", "0", "--zscore", "off", "--de-window", "2"]) == 0
    a, b = pd.read_csv(paper / "results.csv"), pd.read_csv(none / "results.csv")
    fa = json.loads(a[a["model"] == "frames_logreg"]["features"].iloc[0])
    fb = json.loads(b[b["model"] == "frames_logreg"]["features"].iloc[0])
    assert fa["baseline_seconds"] == 5.0 and fa["zscore"] is True and len(fa["bands"]) == 6
    assert fb["baseline_seconds"] == 0.0 and fb["zscore"] is False
    assert json.loads(b[b["model"] == "de_logreg"]["features"].iloc[0]) == {"window_seconds": 2.0}
    # 12-s trials: 3 windows of 2 s after a 5-s baseline, 6 without; 1-s DE windows -> 2-s windows halves them
    ta = a.set_index("model")["n_test"].groupby(level=0).sum()
    tb = b.set_index("model")["n_test"].groupby(level=0).sum()
    assert tb["frames_logreg"] == 2 * ta["frames_logreg"] and 2 * tb["de_logreg"] == ta["de_logreg"]
    prov = json.loads((none / "provenance.json").read_text())
    assert prov["features"]["emotionclip"]["baseline_seconds"] == 0.0 and prov["config"]["de_window"] == 2.0
    keys_a = json.loads((paper / "provenance.json").read_text())["datasets"]["seed"]["cache_keys"]
    assert keys_a["emotionclip"] != prov["datasets"]["seed"]["cache_keys"]["emotionclip"]  # they key the caches
    assert keys_a["de"] != prov["datasets"]["seed"]["cache_keys"]["de"]


def test_feature_settings_in_yaml(tmp_path, capsys):
    from emoclip_plugin.benchmark.presets import ConfigError, resolve_config
    cfg = tmp_path / "f.yaml"
    cfg.write_text("features: {baseline_seconds: 0, bands: {alpha: [8, 13], beta: [13, 30]}}\nrefit: false\n")
    config = resolve_config("smoke", cfg)
    assert config["features"] == {"baseline_seconds": 0, "bands": {"alpha": [8, 13], "beta": [13, 30]}}
    assert config["refit"] is False and resolve_config("strict")["refit"] is True
    cfg.write_text("features: {baseline: 0}\n")
    with pytest.raises(ConfigError, match="unknown feature setting\\(s\\) \\['baseline'\\]"):
        resolve_config("smoke", cfg)
    from emoclip_plugin.benchmark.presets import feature_settings
    cfg.write_text("features: {baseline_seconds: auto}\n")
    auto = resolve_config("smoke", cfg)
    assert feature_settings(auto, "emotionclip")["baseline"] == "auto"
    assert feature_settings(auto, "emotionclip")["baseline_seconds"] == 5.0
    assert "baseline" not in feature_settings(resolve_config("smoke"), "emotionclip")  # other keys stay as they were
    for text, message in (("{baseline_seconds: often}", "expected a number of seconds or auto"),
                          ("{baseline_subtract: 0}", "baseline_subtract=0; expected true or false"),
                          ("{baseline_seconds: auto, baseline_subtract: false}", "leave baseline_subtract unset")):
        cfg.write_text(f"features: {text}\n")
        with pytest.raises(ConfigError, match=message):
            resolve_config("smoke", cfg)


def test_one_cache_layout_and_the_cache_command(seed_root, tmp_path, capsys):
    """The benchmark and load_seed keep a dataset in the same place (computed once); `cache list` shows it with its
    size; `cache clear datasets` removes it."""
    from emoclip_plugin.cli import main
    cache = tmp_path / "cache"
    cfg = tmp_path / "fast.yaml"
    cfg.write_text(FAST_YAML)
    assert run(["--root", str(seed_root), "--preset", "smoke", "--config", str(cfg), "--models", "de_logreg",
                "--out", str(tmp_path / "o"), "--cache", str(cache), "--threads", "1"]) == 0
    built = sorted(p.name for p in (cache / "datasets").iterdir())
    assert len(built) == 1 and built[0].startswith("seed-")
    stamp = (cache / "datasets" / built[0]).stat().st_mtime_ns
    load_seed(seed_root, "de", cache_dir=cache / "datasets")  # the loaders' own cache: the same folder, reused
    assert sorted(p.name for p in (cache / "datasets").iterdir()) == built
    assert (cache / "datasets" / built[0]).stat().st_mtime_ns == stamp
    capsys.readouterr()
    assert main(["cache", "list", "--cache", str(cache)]) == 0
    listing = capsys.readouterr().out
    assert f"cache root: {cache}" in listing and built[0] in listing and "arrays" in listing and "total" in listing
    assert main(["cache", "clear", "datasets", "--cache", str(cache)]) == 0
    assert not (cache / "datasets").exists() and (cache / "arrays").exists()
    assert "freed" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["cache", "clear", "--cache", str(cache)])
    assert exc.value.code == 2 and "clear needs what to remove" in capsys.readouterr().err


@pytest.mark.parametrize("yaml_text, message", [
    ("models:\n  dgcnn: {lr: -1}\n", "preset smoke, model dgcnn: DGCNNClassifier: lr=-1; expected a positive number"),
    ("models:\n  dgcnn: {learning_rate: 0.1}\n", "model dgcnn: .*unexpected keyword argument 'learning_rate'"),
    ("models:\n  emotionclip: {augment: {noise: -1}}\n", "model emotionclip: .*noise"),
])
def test_estimator_parameters_checked_before_features(yaml_text, message, tmp_path, capsys):
    """A bad estimator parameter in the config is one line and exit 2 before any folder is written or read."""
    import re
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml_text)
    with pytest.raises(SystemExit) as exc:
        run(["--config", str(cfg), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c")])
    assert exc.value.code == 2 and re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "out").exists() and not (tmp_path / "c").exists()


def test_a_baseline_that_erases_the_signal_is_pointed_out(tmp_path, capsys):
    """A class effect present from each trial's start (no ramp): the grids' 5-s trial baseline removes it, so the
    grid probe reads chance while the DE reads it well: the summary and the console say so in one line; without the
    baseline there is nothing to say."""
    from emoclip_plugin import benchmark
    from emoclip_plugin.data.synthetic import SignalModel, write_folder
    root = write_folder(tmp_path / "Preprocessed_EEG", "seed", subjects=3, seconds=16, seed=5,
                        model=SignalModel(ramp_seconds=1e-3))
    argv = ["--root", str(root), "--models", "frames_logreg,de_logreg", "--preset", "smoke", "--cache",
            str(tmp_path / "c")]
    assert run(argv + ["--out", str(tmp_path / "o")]) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if "Trial baseline" in line]
    assert len(said) == 1 and "frames_logreg" in said[0] and "de_logreg on band DE" in said[0]
    assert "try --baseline-seconds 0" in said[0] and said[0] in (tmp_path / "o" / "summary.md").read_text()
    r = benchmark.run(root=root, models=["frames_logreg", "de_logreg"], preset="smoke", baseline_seconds=0,
                      out=tmp_path / "o0", cache=tmp_path / "c", quiet=True)
    assert "Trial baseline" not in r.summary
    assert r.results.groupby("model")["accuracy"].mean()["frames_logreg"] > 0.45  # the signal is back


def test_baseline_note_rule():
    from emoclip_plugin.benchmark.report import baseline_notes
    rows = pd.DataFrame({"dataset": "seed", "protocol": "cross-subject", "preset": "smoke", "label_space": "own",
                         "model": ["frames_logreg", "de_logreg", "emotionclip"], "accuracy": [0.36, 0.49, 0.30]})
    kinds = {"frames_logreg": "emotionclip", "emotionclip": "emotionclip", "de_logreg": "de"}
    chance = {"seed": 1 / 3}
    assert len(baseline_notes(rows, chance, kinds, {"smoke": 5.0})) == 1  # 36 <= 38.3; 49 >= 48.3
    assert baseline_notes(rows, chance, kinds, {"smoke": 0.0}) == []  # no baseline subtracted
    assert baseline_notes(rows.assign(accuracy=[0.40, 0.49, 0.30]), chance, kinds, {"smoke": 5.0}) == []
    assert baseline_notes(rows.assign(accuracy=[0.36, 0.45, 0.30]), chance, kinds, {"smoke": 5.0}) == []
    assert baseline_notes(rows[rows["model"] != "de_logreg"], chance, kinds, {"smoke": 5.0}) == []


def test_baseline_chooser_prefers_the_variant_held_out_subjects_read_and_the_paper_on_ties(tmp_path):
    """The chooser fits the grid probe on some training subjects and scores it on the others, per variant: the
    readable variant wins; equal scores keep the paper's subtraction. It sees only the rows it is given."""
    from emoclip_plugin.benchmark.baseline import choose_baseline, probe_split
    rng = np.random.default_rng(0)
    n, y = 240, np.tile([0, 1, 2], 80)
    subjects = np.repeat(np.arange(6), 40)
    noise = rng.normal(size=(n, 4, 12, 9, 9)).astype(np.float32)
    signal = noise + 2.0 * y[:, None, None, None, None]
    for name, X in (("subtract", noise), ("drop", signal), ("same", noise)):
        (tmp_path / name).mkdir()
        np.save(tmp_path / name / "X.npy", X)
    train = np.arange(200)  # subjects 0-4; subject 5 plays the test subject
    choice, scores = choose_baseline({"subtract": tmp_path / "subtract", "drop": tmp_path / "drop"}, train,
                                     subjects[train], y, validation=0.2)
    assert choice == "drop" and scores["drop"] > 0.9 > 0.6 > scores["subtract"]
    tie, scores = choose_baseline({"subtract": tmp_path / "subtract", "drop": tmp_path / "same"}, train,
                                  subjects[train], y, validation=0.2)
    assert tie == "subtract" and scores["subtract"] == scores["drop"]
    inner, held = probe_split(train, subjects[train], 0.2)
    assert set(subjects[inner]).isdisjoint(subjects[held]) and 5 not in set(subjects[inner]) | set(subjects[held])
    with pytest.raises(ValueError, match="at least 2 training groups"):
        probe_split(train[:40], subjects[:40], 0.2)


def test_baseline_auto_chooses_per_fold_on_training_subjects(tmp_path, capsys, monkeypatch):
    """--baseline-seconds auto on both kinds of folder. Class effect from each trial's start: the subtraction erases
    it, every fold chooses to only drop the baseline, and the grid probe reads the signal. The default generator's
    folder: each row still records its fold's choice and the held-out accuracies behind it. The chooser never sees
    the test subject's rows."""
    from emoclip_plugin import benchmark
    from emoclip_plugin.benchmark import baseline as baseline_module
    from emoclip_plugin.benchmark.baseline import CHOICES
    from emoclip_plugin.data.synthetic import SignalModel, write_folder
    seen = []
    chooser = baseline_module.choose_baseline

    def spy(variants, train_rows, groups, y, validation=0.2, seed=0):
        seen.append(set(np.unique(groups)))
        return chooser(variants, train_rows, groups, y, validation, seed)

    monkeypatch.setattr(baseline_module, "choose_baseline", spy)
    start = write_folder(tmp_path / "start" / "Preprocessed_EEG", "seed", subjects=3, seconds=16, seed=5,
                         model=SignalModel(ramp_seconds=1e-3))
    assert run(["--root", str(start), "--models", "frames_logreg", "--preset", "smoke", "--baseline-seconds", "auto",
                "--cache", str(tmp_path / "c"), "--out", str(tmp_path / "o1")]) == 0
    out = capsys.readouterr().out
    assert "trial baseline 5 s (auto: subtracted or only dropped, chosen per fold" in out
    said = [line for line in out.splitlines() if line.startswith("**Trial baseline")]
    assert len(said) == 1 and "subtracted in 0 of 3 folds, only dropped in 3 (s01, s02, s03)" in said[0]
    rows = pd.read_csv(tmp_path / "o1" / "results.csv")
    assert (rows["baseline_choice"] == "drop").all() and rows["accuracy"].mean() > 0.45
    scores = [json.loads(s) for s in rows["baseline_scores"]]
    assert all(s["drop"] > s["subtract"] for s in scores)
    assert json.loads(rows["features"][0])["baseline"] == "auto"
    assert seen == [{2, 3}, {1, 3}, {1, 2}]  # fold s0k: the chooser's subjects leave subject k out
    default = write_folder(tmp_path / "default" / "Preprocessed_EEG", "seed", subjects=3, seconds=16, seed=5)
    r = benchmark.run(root=default, models=["frames_logreg", "de_logreg"], preset="smoke", baseline_seconds="auto",
                      out=tmp_path / "o2", cache=tmp_path / "c", quiet=True)
    grid = r.results[r.results["model"] == "frames_logreg"]
    assert grid["baseline_choice"].isin(CHOICES).all() and len(grid) == 3
    assert all(set(json.loads(s)) == set(CHOICES) for s in grid["baseline_scores"])
    assert r.results[r.results["model"] == "de_logreg"]["baseline_choice"].isna().all()  # DE has no trial baseline
    with pytest.raises(SystemExit) as exc:
        run(["--root", str(default), "--baseline-seconds", "often", "--out", str(tmp_path / "o3")])
    assert exc.value.code == 2 and "expected a number of seconds or auto, got 'often'" in capsys.readouterr().err
