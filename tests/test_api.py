"""The benchmark as a library: ``emoclip_plugin.benchmark.run``, researchers' models (objects, module classes,
import strings, registered names), the libraries' zoos by name, and the same results from the API and the CLI."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import RidgeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from torch import nn

from emoclip_plugin import benchmark
from emoclip_plugin.cli import main, run as cli_run
from emoclip_plugin.estimators import (ModelError, list_estimators, register_estimator, resolve_model,
                                       unregister_estimator)

QUICK = ("library_models: {max_epochs: 1, patience: 1, batch_size: 128, validation: 0.0}\n"
         "models:\n  torcheeg:TSCeption: {max_epochs: 1, validation: 0.0, batch_size: 128,\n"
         "                       module_kwargs: {num_T: 4, num_S: 4, hid_channels: 8}}\n")


def _flatten(X):
    return X.reshape(len(X), -1)


class TinyNet(nn.Module):
    """A researcher's module: band DE [n, 62, 5] -> logits; its signature names TorchEEG-style signal parameters."""

    def __init__(self, num_electrodes: int = 62, in_channels: int = 5, num_classes: int = 3, hidden: int = 8):
        super().__init__()
        self.num_electrodes = num_electrodes
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(num_electrodes * in_channels, hidden), nn.ReLU(),
                                 nn.Linear(hidden, num_classes))

    def forward(self, x):
        return self.net(x)


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory):
    """Raw SEED: 3 subjects x 3 sessions x 15 trials of 6 s."""
    from emoclip_plugin.data.synthetic import write_folder
    return write_folder(tmp_path_factory.mktemp("tiny") / "Preprocessed_EEG", "seed", subjects=3, seconds=6, seed=4)


@pytest.fixture(scope="module")
def quick_config(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "quick.yaml"
    path.write_text(QUICK)
    return path


def test_api_runs_objects_classes_and_zoo_models(tiny_root, tmp_path, quick_config):
    """One tiny run through the API: SEED's SVM baseline, a scikit-learn pipeline object, a module class, and one
    model of each zoo family and input (TorchEEG raw + band-DE grids, braindecode raw); every test window predicted."""
    pipeline = make_pipeline(FunctionTransformer(_flatten), StandardScaler(), RidgeClassifier(alpha=10.0))
    models = ["svm_de", benchmark.model(pipeline, input="de", name="ridge"),
              benchmark.model(TinyNet, input="de", name="tinynet", hidden=4),
              "torcheeg:TSCeption", "torcheeg:FBCCNN", "torcheeg:RGNN", "braindecode:EEGNetv4"]
    r = benchmark.run(root=tiny_root, models=models, preset="smoke", out=tmp_path / "out", cache=tmp_path / "c",
                      config=quick_config, quiet=True)
    assert isinstance(r, benchmark.BenchmarkResult) and not r.errors
    names = ["svm_de", "ridge", "tinynet", "torcheeg:TSCeption", "torcheeg:FBCCNN", "torcheeg:RGNN",
             "braindecode:EEGNetv4"]
    assert list(dict.fromkeys(r.results["model"])) == names
    assert r.results.groupby("model").size().eq(3).all()  # pooled LOSO over 3 subjects
    # every test window predicted: over the 3 folds, n_test sums to all windows of the model's input kind
    kinds = {"svm_de": "de", "ridge": "de", "tinynet": "de", "torcheeg:TSCeption": "raw", "torcheeg:FBCCNN": "de_grid",
             "torcheeg:RGNN": "de", "braindecode:EEGNetv4": "raw"}
    arrays = {d.name.split("-")[1]: d for d in (tmp_path / "c" / "arrays").iterdir() if (d / "y.npy").is_file()}
    assert set(arrays) == {"de", "raw", "de_grid"}
    for model, g in r.results.groupby("model"):
        assert g["accuracy"].between(0, 1).all()
        assert g["n_test"].sum() == len(np.load(arrays[kinds[model]] / "y.npy")), model
    assert (r.results.loc[r.results["model"] == "tinynet", "epochs"] == 1).all()
    assert r.results.loc[r.results["model"] == "braindecode:EEGNetv4", "precision"].eq(32).all()
    on_disk = pd.read_csv(tmp_path / "out" / "results.csv")
    assert on_disk["accuracy"].tolist() == r.results["accuracy"].tolist()
    assert "| tinynet |" in r.summary and set(r.comparisons["model_a"]) <= set(names)
    assert r.provenance["model_specs"]["ridge"]["library"] == "user"
    assert any(p.name.endswith(".png") for p in r.plots)
    fig = r.plot()
    assert len(fig.axes) == 1
    saved = r.save(tmp_path / "copy")
    assert (saved / "results.csv").read_text() == (tmp_path / "out" / "results.csv").read_text()
    again = benchmark.BenchmarkResult.load(tmp_path / "out")
    assert again.results["accuracy"].tolist() == r.results["accuracy"].tolist()
    # resumable through out: nothing is trained again
    r2 = benchmark.run(root=tiny_root, models=models, preset="smoke", out=tmp_path / "out", cache=tmp_path / "c",
                       config=quick_config, quiet=True)
    assert r2.results["train_seconds"].tolist() == r.results["train_seconds"].tolist()
    # a changed researcher's object is another model: its folds are not reused
    other = make_pipeline(FunctionTransformer(_flatten), StandardScaler(), RidgeClassifier(alpha=1.0))
    r3 = benchmark.run(root=tiny_root, models=[benchmark.model(other, input="de", name="ridge")], preset="smoke",
                       out=tmp_path / "out", cache=tmp_path / "c", quiet=True)
    assert r3.provenance["folds_finished"] == 3
    assert r3.results["config_hash"].tolist() != r.results.loc[r.results["model"] == "ridge",
                                                                "config_hash"].tolist()


def test_api_and_cli_write_identical_results(seed_root, tmp_path):
    common = dict(root=seed_root, models=["de_logreg", "svm_de"], preset="smoke", seeds=[0, 1])
    r = benchmark.run(out=tmp_path / "api", cache=tmp_path / "c", quiet=True, **common)
    assert cli_run(["--root", str(seed_root), "--models", "de_logreg,svm_de", "--preset", "smoke", "--seeds", "0,1",
                    "--out", str(tmp_path / "cli"), "--cache", str(tmp_path / "c"), "--quiet"]) == 0
    a, b = pd.read_csv(tmp_path / "api" / "results.csv"), pd.read_csv(tmp_path / "cli" / "results.csv")
    drop = ["train_seconds"]
    pd.testing.assert_frame_equal(a.drop(columns=drop), b.drop(columns=drop))
    assert len(a) == 2 * 3 * 2 and (tmp_path / "api" / "comparisons.csv").read_text() == (
        tmp_path / "cli" / "comparisons.csv").read_text()


def test_register_estimator_round_trip(seed_root, tmp_path, capsys):
    pipeline = make_pipeline(FunctionTransformer(_flatten), StandardScaler(), RidgeClassifier(alpha=3.0))
    spec = register_estimator("ridge_de", pipeline, input_kind="de", source="alpha 3 (test)")
    try:
        assert "ridge_de" in list_estimators() and resolve_model("ridge_de") is spec
        with pytest.raises(ModelError, match="already registered"):
            register_estimator("ridge_de", pipeline, input_kind="de")
        est = spec.build()
        assert est is not pipeline and est.get_params()["ridgeclassifier__alpha"] == 3.0  # a clone per fold
        assert cli_run(["--root", str(seed_root), "--models", "ridge_de", "--out", str(tmp_path / "o"),
                        "--cache", str(tmp_path / "c"), "--quiet"]) == 0
        rows = pd.read_csv(tmp_path / "o" / "results.csv")
        assert rows["model"].eq("ridge_de").all() and len(rows) == 3 * 3  # strict: per-session LOSO
        assert main(["models"]) == 0
        assert "ridge_de" in capsys.readouterr().out
    finally:
        unregister_estimator("ridge_de")
    assert "ridge_de" not in list_estimators()


def test_import_string_model_from_the_config_file(seed_root, tmp_path, monkeypatch):
    """models: {mine: {class: "pkg.module:factory", input: de, params: {...}}} with --config and --models."""
    package = tmp_path / "mypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import FunctionTransformer, StandardScaler\n"
        "from sklearn.linear_model import RidgeClassifier\n"
        "def flat(X):\n    return X.reshape(len(X), -1)\n"
        "def factory(alpha=1.0):\n"
        "    return make_pipeline(FunctionTransformer(flat), StandardScaler(), RidgeClassifier(alpha=alpha))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tmp_path / "c.yaml"
    cfg.write_text("models:\n  mine: {class: 'mypkg.models:factory', input: de, params: {alpha: 10}}\n")
    assert cli_run(["--root", str(seed_root), "--config", str(cfg), "--models", "mine,de_logreg",
                    "--out", str(tmp_path / "o"), "--cache", str(tmp_path / "c"), "--quiet"]) == 0
    rows = pd.read_csv(tmp_path / "o" / "results.csv")
    assert list(dict.fromkeys(rows["model"])) == ["mine", "de_logreg"]
    import json
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert prov["model_specs"]["mine"]["factory"] == "mypkg.models:factory"
    # the same through the API, by import string with the input given
    r = benchmark.run(root=seed_root, models=[benchmark.model("mypkg.models:factory", input="de", name="mine2",
                                                              alpha=10)],
                      out=tmp_path / "o2", cache=tmp_path / "c", quiet=True)
    assert r.results["accuracy"].tolist() == rows.loc[rows["model"] == "mine", "accuracy"].tolist()
    sys.modules.pop("mypkg.models", None)
    sys.modules.pop("mypkg", None)


@pytest.mark.parametrize("models, config, message", [
    ("nosuchmodel", None, "--models: unknown model 'nosuchmodel'; choose from emotionclip"),
    ("braindecode:NoSuchNet", None, "braindecode has no model 'NoSuchNet'"),
    ("torcheeg:SSTEmotionNet", None, "torcheeg:SSTEmotionNet cannot run in the benchmark: takes 32 x 32"),
    ("mine", "models:\n  mine: {class: 'nosuchpkg.x:f', input: de}\n", "cannot import module 'nosuchpkg.x'"),
    ("mine", "models:\n  mine: {class: 'json:nosuch', input: de}\n", "module 'json' has no attribute 'nosuch'"),
    ("mine", "models:\n  mine: {class: 'json:dumps', input: pixels}\n", "input 'pixels'; expected one of"),
    ("mine", "models:\n  mine: {class: 'json:dumps', inputs: de}\n", r"unknown key\(s\) \['inputs'\]"),
    ("torcheeg:Conformer", None, "torcheeg:Conformer: cannot take seed's raw windows of 400 samples"),
])
def test_bad_models_fail_in_one_line(models, config, message, seed_root, tmp_path, capsys):
    argv = ["--root", str(seed_root), "--models", models, "--out", str(tmp_path / "o"), "--cache",
            str(tmp_path / "c")]
    if config:
        (tmp_path / "c.yaml").write_text(config)
        argv += ["--config", str(tmp_path / "c.yaml")]
    if models == "torcheeg:Conformer":
        argv += ["--de-window", "2"]  # TorchEEG's Conformer head is sized for 1-s windows
    with pytest.raises(SystemExit) as exc:
        cli_run(argv)
    assert exc.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines  # no argparse usage block, no traceback
    import re
    assert re.search(message, lines[0]), lines[0]
    assert not (tmp_path / "c").exists()  # nothing computed


def test_api_errors_are_exceptions(seed_root, tmp_path):
    with pytest.raises(benchmark.BenchmarkError, match="unknown option"):
        benchmark.run(root=seed_root, modles=["dgcnn"], out=tmp_path / "o")
    with pytest.raises(benchmark.BenchmarkError, match="say which input it takes"):
        benchmark.run(root=seed_root, models=[RidgeClassifier()], out=tmp_path / "o")
    with pytest.raises(benchmark.BenchmarkError, match="neither an estimator"):
        benchmark.model(42, input="de")


def test_module_classifier_fills_signal_parameters():
    from emoclip_plugin.estimators import ModuleClassifier
    from emoclip_plugin.estimators.module import signal_kwargs

    def braindecode_like(n_chans, n_outputs, n_times, sfreq, chs_info=None):
        return nn.Linear(1, 1)

    assert signal_kwargs(braindecode_like, (62, 400), 4, 200.0) == {"n_chans": 62, "n_outputs": 4, "n_times": 400,
                                                                     "sfreq": 200.0}
    assert signal_kwargs(TinyNet, (62, 5), 3, 200.0) == {"num_electrodes": 62, "in_channels": 5, "num_classes": 3}
    X = np.random.default_rng(0).normal(size=(60, 62, 5)).astype(np.float32)
    y = np.repeat([0, 1, 2], 20)
    clf = ModuleClassifier(module=TinyNet, module_kwargs={"hidden": 3}, max_epochs=2, validation=0.0,
                           random_state=0).fit(X, y)
    assert clf.module_.net[1].out_features == 3 and clf.predict(X).shape == (60,)
    with pytest.raises(ValueError, match="import string 'nosuch:X'"):
        ModuleClassifier(module="nosuch:X").fit(X, y)
    assert torch.is_tensor(clf.module_(torch.zeros(1, 62, 5)))


def test_progress_while_features_are_built_and_quiet_silences_it(seed_root, tmp_path, capsys):
    """Feature building, array caching and fold building show tqdm bars (files, windows/s, ETA); --quiet prints
    nothing."""
    argv = ["--root", str(seed_root), "--models", "de_logreg", "--preset", "smoke", "--cache", str(tmp_path / "c")]
    assert cli_run(argv + ["--out", str(tmp_path / "o1")]) == 0
    err = capsys.readouterr().err
    assert "seed 'de' features" in err and ("file/s" in err or "s/file" in err)
    assert err.count("seed 'de' features:   0%") == 1  # one bar: reopening the finished cache shows none
    assert "caching arrays" in err and "windows/s" in err
    # then the folds: split, then each guarded (a minute at real size), before the fold bar
    assert err.index("seed 'de' features") < err.index("smoke folds: splitting") < err.index("smoke folds: guarding")
    import shutil
    shutil.rmtree(tmp_path / "c")
    assert cli_run(argv + ["--out", str(tmp_path / "o2"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_literature_group_resolves_before_any_work(tmp_path):
    from emoclip_plugin.benchmark.api import RunOptions, resolve
    settings = resolve(RunOptions.from_kwargs(models=["literature"], out=tmp_path / "o", cache=tmp_path / "c"))
    names = [s.name for s in settings["models"]]
    assert names[:4] == ["emotionclip", "sst_legovit", "svm_de", "dgcnn"] and len(names) == 14 and "torcheeg:RGNN" in names
    assert {s.library for s in settings["models"]} >= {"torcheeg", "braindecode", "scikit-learn"}
    assert not (tmp_path / "c").exists()
