"""benchmarks/scaling.py and benchmarks/ablation.py run end to end (tiny generated folders, capped epochs)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def _script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, f"benchmarks/{name}", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=1200)


def test_scaling_end_to_end(tmp_path):
    """The same test subjects at every point; each point trains on nested subsets of the other subjects."""
    out = tmp_path / "scaling"
    args = ("--subjects", "4", "--train-subjects", "1,3", "--seconds", "9", "--models", "frames_logreg,dgcnn",
            "--folds", "2", "--max-epochs", "3", "--out", str(out), "--cache", str(tmp_path / "c"))
    res = _script("scaling.py", *args)
    assert res.returncode == 0, res.stderr
    rows = pd.read_csv(out / "results.csv")
    # 1 folder x 2 models x 2 test subjects x 2 training-subject counts
    assert len(rows) == 8 and set(rows["variant"]) == {"frames_logreg", "dgcnn"}
    assert set(rows.groupby("n_train_subjects")["test_subject"].agg(frozenset)) == {frozenset({1, 2})}
    n = rows[rows["variant"] == "dgcnn"].groupby("n_train_subjects")["n_train"].mean()
    assert n[3] == 3 * n[1]  # three training subjects' windows instead of one (equal-sized generated subjects)
    table = (out / "scaling.md").read_text()
    assert "| seed-4subj-9s-gen0 | dgcnn | 3 |" in table and "Change from 1 to 3 training subjects" in table
    assert (out / "scaling.png").stat().st_size > 1000
    again = _script("scaling.py", *args)
    assert "8 finished earlier, 0 to run" in again.stdout  # resumable


def test_scaling_window_seconds(tmp_path):
    """--window-seconds reaches the EmotionCLIP grids: 8 s after the 5-s baseline -> 4 windows of 2 s or 2 of 4 s."""
    import json
    n = {}
    for window in ("2", "4"):
        out = tmp_path / f"w{window}"
        res = _script("scaling.py", "--subjects", "3", "--train-subjects", "2", "--seconds", "13", "--models",
                      "frames_logreg", "--folds", "1", "--window-seconds", window, "--out", str(out), "--cache",
                      str(tmp_path / "c"))
        assert res.returncode == 0, res.stderr
        rows = pd.read_csv(out / "results.csv")
        assert (rows["features"].map(lambda f: json.loads(f)["window_seconds"]) == float(window)).all()
        n[window] = int(rows["n_windows"].iloc[0])
    assert n["2"] == 2 * n["4"] and "over 4-s windows" in (tmp_path / "w4" / "scaling.md").read_text()


def test_ablation_end_to_end(tmp_path):
    out = tmp_path / "ablation"
    res = _script("ablation.py", "--folders", "seed:3:9", "--models", "sst_legovit", "--pieces-for", "sst_legovit", "--probes", "frames_logreg",
                  "--folds", "1", "--seeds", "0,1", "--max-epochs", "2", "--out", str(out),
                  "--cache", str(tmp_path / "c"))
    assert res.returncode == 0, res.stderr
    rows = pd.read_csv(out / "results.csv")
    variants = {"sst_legovit (recipe)", "sst_legovit -flatten_pools", "sst_legovit +augment", "sst_legovit +standardize",
                "sst_legovit +label_smoothing", "frames_logreg"}
    assert set(rows["variant"]) == variants and len(rows) == len(variants) * 2  # x 2 seeds
    assert rows[rows["variant"] != "frames_logreg"]["refit"].all()  # refit after early stopping in every variant
    table = (out / "ablation.md").read_text()
    assert "| sst_legovit +standardize |" in table and "seeds ±" in table and "variant − recipe" in table
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["code"] == rows["code"].iloc[0] and prov["finished"] == len(rows) and "sst_legovit +augment" in \
        prov["variants"]
    assert prov["ended"] is not None


def test_a_stopped_study_has_its_provenance(tmp_path, monkeypatch):
    """provenance.json is written before anything trains: a study stopped part-way still says what made its rows."""
    from emoclip_plugin.benchmark import study

    def stopped(tasks, out, before=None, **kwargs):
        before(tasks, {})
        raise KeyboardInterrupt

    monkeypatch.setattr(study, "run_tasks", stopped)
    with pytest.raises(KeyboardInterrupt):
        study.run_study(tmp_path / "o", [study.Folder("seed", 3, 9.0)], [study.Variant("de_logreg", "de_logreg", {})],
                        seeds=[0], cache=tmp_path / "c", max_folds=1)
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert prov["finished"] is None and prov["ended"] is None and prov["tasks"] == 1 and prov["code"]


def test_ablation_selected_pieces():
    import importlib.util
    spec = importlib.util.spec_from_file_location("ablation", REPO / "benchmarks" / "ablation.py")
    ablation = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ablation)
    names = [v.name for v in ablation.variants_for(["emotionclip"], ["emotionclip"], ["flatten_pools", "augment"])]
    assert names == ["emotionclip (recipe)", "emotionclip -flatten_pools", "emotionclip +augment"]
    flat = ablation.variants_for(["emotionclip"], ["emotionclip"], ["flatten_pools", "augment"])
    from emoclip_plugin import GRID_AUGMENT, RECIPE
    from emoclip_plugin.benchmark.presets import resolve_config
    smoke = resolve_config("smoke")["models"]["emotionclip"]
    # the base is what the smoke preset trains (RECIPE on the compact backbone), not a copied literal
    assert flat[0].params == {} and "augment" not in RECIPE and smoke.get("augment") is None
    assert "standardize" not in smoke
    assert flat[1].params["module_kwargs"].get("band_pool", "mean") == "mean"  # the piece really off
    assert flat[1].params["module_kwargs"]["d_model"] == smoke["module_kwargs"]["d_model"]  # the rest as the preset
    assert flat[2].params == {"augment": GRID_AUGMENT}  # a candidate RECIPE lacks, switched on alone
    # with one recipe piece, "every piece off" is that piece off: no duplicate "(none)" variant
    assert [v.name for v in ablation.variants_for(["emotionclip"], ["emotionclip"])] == [
        "emotionclip (recipe)", "emotionclip -flatten_pools", "emotionclip +augment", "emotionclip +standardize",
        "emotionclip +label_smoothing"]


@pytest.mark.parametrize("script, args, message", [
    ("scaling.py", ["--subjects", "1"], "1 subjects: expected between 2 and 15"),
    ("scaling.py", ["--subjects", "5", "--train-subjects", "2,5"], "expected counts between 1 and 4"),
    ("scaling.py", ["--seeds", "a"], "--seeds 'a': expected comma-separated integers"),
    ("scaling.py", ["--jobs", "0"], "--jobs 0: expected an integer >= 1"),
    ("scaling.py", ["--models", "resnet"], "--models: choose from"),
    ("ablation.py", ["--folders", "deap:5:20"], "--folders 'deap:5:20': dataset 'deap': choose from seed, seed-iv"),
    ("ablation.py", ["--max-epochs", "0"], "--max-epochs 0: expected an integer >= 1"),
    ("ablation.py", ["--window-seconds", "3.3"], "--window-seconds 3.3: preset 'smoke': features: window_seconds=3.3"),
    ("ablation.py", ["--models", "dgcnn"], "--models: emotionclip and/or sst_legovit"),
    ("ablation.py", ["--pieces", "dropout"], "--pieces 'dropout': choose from flatten_pools, augment, standardize, label_smoothing"),
])
def test_study_scripts_reject_bad_options(script, args, message, tmp_path):
    res = _script(script, *args, "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_perf_models_has_a_row_per_preset_model(tmp_path):
    """perf_models.py times each preset's neural default models as the benchmark configures them."""
    res = _script("perf_models.py", "--inputs", "random", "--models", "dgcnn", "--presets", "smoke",
                  "--train-samples", "64", "--repeats", "2")
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0]: line.split() for line in res.stdout.splitlines() if line.split()}
    assert {"dgcnn", "smoke:emotionclip", "smoke:sst_legovit", "smoke:emotionclip_mlp", "smoke:dgcnn"} <= set(rows)
    assert "smoke:frames_logreg" not in rows  # scikit-learn models have no training epochs to time
    assert rows["smoke:emotionclip"][1] != rows["dgcnn"][1]  # the preset's compact backbone, not another model
    bad = _script("perf_models.py", "--presets", "fast")
    assert bad.returncode == 2 and "--presets 'fast': unknown preset 'fast'" in bad.stderr and "Traceback" not in bad.stderr


def test_perf_scale_times_every_stage(tmp_path):
    """perf_scale.py writes its folder once, then times scan, features, array cache, folds and each model."""
    args = ("--subjects", "2", "--seconds", "12", "--presets", "smoke,strict", "--models", "de_logreg,dgcnn",
            "--model-seconds", "0.5", "--cache", str(tmp_path / "c"), "--out", str(tmp_path / "o"))
    res = _script("perf_scale.py", *args)
    assert res.returncode == 0, res.stderr
    stages = pd.read_csv(tmp_path / "o" / "stages.csv")
    assert list(stages["stage"]) == ["generate the folder (not a benchmark stage)", "scan the folder + preflight",
                                     "features: de", "array cache: de", "folds: smoke", "folds: strict",
                                     "model: smoke de_logreg", "model: smoke dgcnn", "model: strict de_logreg",
                                     "model: strict dgcnn"]  # smoke and strict share features: built once
    assert (stages["peak_rss_gb"] > 0).all() and stages["cache_gb"].iloc[-1] > 0
    assert ((stages["peak_private_gb"] > 0) & (stages["peak_private_gb"] <= stages["peak_rss_gb"])).all()
    assert "| model: smoke dgcnn |" in (tmp_path / "o" / "stages.md").read_text()
    assert stages.loc[stages["stage"] == "model: smoke dgcnn", "train_windows_per_s"].iloc[0] > 0
    again = _script("perf_scale.py", *args)  # the folder and the caches are reused
    assert again.returncode == 0 and "generate the folder" not in again.stdout
    bad = _script("perf_scale.py", "--presets", "fast", "--cache", str(tmp_path / "c2"))
    assert bad.returncode == 2 and "unknown preset 'fast'" in bad.stderr and not (tmp_path / "c2").exists()


def test_profile_fold_breaks_one_fold_down(tmp_path):
    """profile_fold.py trains the benchmark's first fold, then with one change each, and profiles it."""
    import tempfile
    before = set(Path(tempfile.gettempdir()).glob("emoclip-profile-fold-*"))
    res = _script("profile_fold.py", "--subjects", "3", "--seconds", "12", "--epochs", "1", "--model", "sst_legovit",
                  "--top", "5", "--cache", str(tmp_path / "c"))
    assert res.returncode == 0, res.stderr
    assert set(Path(tempfile.gettempdir()).glob("emoclip-profile-fold-*")) == before  # --cache: no temporary folder
    out = res.stdout
    for line in ("as the benchmark trains it", "no validation", "batch 64", "1 thread", "mean pools",
                 "profile of the benchmark's configuration", "backward", "optimiser update"):
        assert line in out, line
    assert "smoke sst_legovit, fold s01" in out and "1.00x the benchmark's" in out
    bad = _script("profile_fold.py", "--model", "de_logreg", "--subjects", "3", "--seconds", "12",
                  "--cache", str(tmp_path / "c"))
    assert bad.returncode == 2 and "not a neural model" in bad.stderr


def test_peak_memory_records_the_process_tree(tmp_path):
    """peak_memory.py samples a command and its children: a child holding ~300 MB of its own shows in the private
    peak; --stop-after interrupts a command that would run on; bad use is one line and status 2."""
    hold = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import numpy as np, time; a = np.ones(300_000_000 // 8); time.sleep(2.5)'], check=True)")
    res = _script("peak_memory.py", "--interval", "0.2", "--out", str(tmp_path / "m"), "--", sys.executable, "-c", hold)
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "m" / "memory.json").read_text())
    assert summary["exit_status"] == 0 and summary["max_processes"] >= 2 and summary["stopped_after_seconds"] is None
    assert 0.3 <= summary["peak_tree_private_gb"] <= summary["peak_tree_rss_gb"] < 3
    timeline = pd.read_csv(tmp_path / "m" / "memory.csv")
    assert len(timeline) >= 5 and timeline["tree_private_gb"].max() == pytest.approx(summary["peak_tree_private_gb"])
    assert "[memory]" in res.stdout and "private" in res.stdout
    assert "| exit status 0 |" in (tmp_path / "m" / "memory.md").read_text()
    import signal  # started as a shell without job control starts a background job: SIGINT ignored
    stopped = subprocess.run([sys.executable, "benchmarks/peak_memory.py", "--interval", "0.2", "--stop-after", "1",
                              "--out", str(tmp_path / "s"), "--", sys.executable, "-c", "import time; time.sleep(60)"],
                             cwd=REPO, capture_output=True, text=True, timeout=120,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    assert stopped.returncode == 0 and "stopped by SIGINT after 1 s" in stopped.stdout
    assert json.loads((tmp_path / "s" / "memory.json").read_text())["wall_seconds"] < 30
    failing = _script("peak_memory.py", "--", sys.executable, "-c", "raise SystemExit(3)")
    assert failing.returncode == 3 and "exit status 3" in failing.stdout
    for args, message in ((["python"], "give the command after --"), (["--interval", "0", "--", "true"],
                                                                       "--interval 0.0: expected a positive")):
        bad = _script("peak_memory.py", *args)
        assert bad.returncode == 2 and message in bad.stderr and "Traceback" not in bad.stderr
