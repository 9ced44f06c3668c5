"""Cross-dataset zero-shot and presets compared on the same folds: fold definition, class mapping, leakage guard,
generator sharing, end-to-end runs and the inflation statistics against hand-computed values."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from emoclip_plugin.benchmark.stats import paired_comparisons, preset_comparisons
from emoclip_plugin.benchmark.store import COLUMNS
from emoclip_plugin.cli import run
from emoclip_plugin.data.synthetic import SignalModel, _Generator
from emoclip_plugin.benchmark.protocols import (SHARED_CLASS_NAMES, LeakageError, check_cross_dataset, cross_dataset_fold,
                                      shared_labels)

TINY_MLP = """
models:
  emotionclip_mlp: {max_epochs: 3, lr: 0.001}
  dgcnn: {max_epochs: 3, lr: 0.01}
"""


def test_shared_labels_by_hand():
    seed_iv = ["neutral", "sad", "fear", "happy"]
    # SEED-IV 0..3 -> neutral, negative, negative, positive = positions 1, 0, 0, 2 of (negative, neutral, positive)
    assert shared_labels([0, 1, 2, 3, 3], seed_iv).tolist() == [1, 0, 0, 2, 2]
    assert shared_labels([2, 0, 1], list(SHARED_CLASS_NAMES)).tolist() == [2, 0, 1]  # SEED maps to itself
    with pytest.raises(ValueError, match="'anger' has no shared class"):
        shared_labels([0], ["anger"])


def test_fold_and_leakage_guard(tmp_path):
    src = pd.DataFrame({"subject_id": [1, 1, 2]})
    tgt = pd.DataFrame({"subject_id": [1, 2]})
    fold = cross_dataset_fold("seed", src, "seed-iv", tgt)
    assert fold.train.tolist() == [0, 1, 2] and fold.test.tolist() == [0, 1] and fold.groups == "subject_id"
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    check_cross_dataset(fold, tmp_path / "a", tmp_path / "b", src, tgt)
    with pytest.raises(LeakageError, match="overlap"):
        check_cross_dataset(fold, tmp_path / "a", tmp_path / "a", src, tgt)
    with pytest.raises(LeakageError, match="overlap"):
        check_cross_dataset(fold, tmp_path, tmp_path / "b", src, tgt)  # one folder inside the other
    with pytest.raises(LeakageError, match="whole source"):
        check_cross_dataset(fold, tmp_path / "a", tmp_path / "b", src.iloc[:2], tgt)
    with pytest.raises(ValueError, match="two different datasets"):
        cross_dataset_fold("seed", src, "seed", src)


def test_generator_shares_the_shared_classes():
    model = SignalModel()
    seed, seed_iv = _Generator(3, 2, 7, model), _Generator(4, 2, 7, model)
    c_seed, c_iv = seed.class_patterns, seed_iv.class_patterns  # [classes, bands, 62]
    assert np.allclose(c_iv[0], c_seed[1]) and np.allclose(c_iv[3], c_seed[2])  # neutral, happy <- neutral, positive
    for sad_or_fear in (1, 2):  # correlation with SEED's negative pattern = shared_negative, per band
        r = [np.corrcoef(c_iv[sad_or_fear, b], c_seed[0, b])[0, 1] for b in range(c_seed.shape[1])]
        assert np.allclose(r, model.shared_negative)
        assert np.allclose(c_iv[sad_or_fear].std(-1), 1) and np.allclose(c_iv[sad_or_fear].mean(-1), 0, atol=1e-9)
    assert not np.allclose(c_iv[1], c_iv[2])  # sad and fear stay different
    assert np.allclose(_Generator(3, 2, 7, model).class_patterns, c_seed)  # SEED unchanged by the sharing


def test_cross_dataset_end_to_end(seed_root, seed_iv_root, tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text(TINY_MLP)
    out = tmp_path / "out"
    argv = ["--root", str(seed_root), "--root", str(seed_iv_root), "--protocol", "cross-dataset", "--preset", "smoke",
            "--config", str(cfg), "--models", "emotionclip_mlp,de_logreg", "--out", str(out),
            "--cache", str(tmp_path / "cache"), "--threads", "2"]
    assert run(argv) == 0
    rows = pd.read_csv(out / "results.csv")
    assert list(rows.columns) == COLUMNS and (rows["protocol"] == "cross-dataset").all()
    # per target subject and session: SEED-IV 2 x 3, SEED 3 x 3; shared classes for both models, own classes (the
    # target's prompts) for the text model only
    counts = rows.groupby(["dataset", "model", "label_space"]).size().to_dict()
    assert counts == {("seed", "de_logreg", "shared"): 9, ("seed", "emotionclip_mlp", "own"): 9,
                      ("seed", "emotionclip_mlp", "shared"): 9, ("seed-iv", "de_logreg", "shared"): 6,
                      ("seed-iv", "emotionclip_mlp", "own"): 6, ("seed-iv", "emotionclip_mlp", "shared"): 6}
    assert set(zip(rows["train_dataset"], rows["dataset"])) == {("seed", "seed-iv"), ("seed-iv", "seed")}
    assert rows["accuracy"].between(0, 1).all()
    # the model never trained on the target: n_train counts source windows only
    de = rows[rows["model"] == "de_logreg"]
    n_test = de.groupby("dataset")["n_test"].sum().to_dict()
    assert set(de.loc[de["dataset"] == "seed-iv", "n_train"]) == {n_test["seed"]}
    assert set(de.loc[de["dataset"] == "seed", "n_train"]) == {n_test["seed-iv"]}
    folds = {f.split("/")[0] for f in rows["fold"]}
    assert folds == {"seed-to-seed-iv", "seed-iv-to-seed"}
    stored = json.loads((out / "folds" / "seed-iv__cross-dataset__emotionclip_mlp__seed-to-seed-iv__seed42.json")
                        .read_text())["results"]
    shapes = {r["row"]["label_space"]: np.asarray(r["confusion"]).shape for r in stored}
    assert shapes == {"shared": (3, 3), "own": (4, 4)}
    summary = (out / "summary.md").read_text()
    assert "## Cross-dataset: zero-shot, own classes" in summary and "## Cross-dataset: shared classes" in summary
    own = next(l for l in summary.splitlines() if l.startswith("| seed-iv | user | emotionclip_mlp | seed | 6 |"))
    assert "| 25.0 |" in own  # chance over SEED-IV's four classes
    for name in ("per_subject", "confusion"):
        assert (out / f"{name}_seed-iv_cross-dataset_own.png").stat().st_size > 1000
    # resume: the same command skips both tasks of each direction
    assert run(argv) == 0 and len(pd.read_csv(out / "results.csv")) == len(rows)


@pytest.mark.parametrize("argv, message", [
    (["--protocol", "cross-dataset", "--dataset", "seed"], "needs both SEED and SEED-IV"),
    (["--protocol", "cross-dataset", "--preset", "paper"], "zero-shot, but preset paper adds 32"),
    (["--protocol", "cross-time,within"], "choose one or more \\(distinct\\) of"),
    (["--preset", "strict,strict"], "choose one or more \\(distinct\\)"),
    (["--preset", "smoke,paper"], "smoke and paper differ in cross_subject"),
])
def test_bad_protocol_and_preset_lists(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        run(argv + ["--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c")])
    assert exc.value.code == 2
    import re
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_preset_inflation_by_hand():
    folds = ["s01", "s02", "s03", "s04"]
    acc = {("m", "strict"): [0.5, 0.5, 0.5, 0.5], ("m", "paper"): [0.6, 0.7, 0.8, 0.9],
           ("k", "strict"): [0.4, 0.5, 0.6, 0.7], ("k", "paper"): [0.4, 0.5, 0.6, 0.7]}
    rows = pd.DataFrame([{"dataset": "seed", "data": "synthetic", "protocol": "cross-subject", "preset": p,
                          "model": m, "fold": f, "test_subject": i + 1, "seed": 0, "accuracy": acc[(m, p)][i]}
                         for (m, p) in acc for i, f in enumerate(folds)])
    found = {r["model_a"]: r for r in preset_comparisons(rows, n_boot=2000)}
    assert set(found) == {"m (paper)", "k (paper)"} and found["m (paper)"]["model_b"] == "m (strict)"
    assert found["m (paper)"]["preset"] == "paper − strict"
    assert found["m (paper)"]["mean_diff"] == pytest.approx(25.0) and found["k (paper)"]["mean_diff"] == 0
    assert found["m (paper)"]["p"] == pytest.approx(0.125)  # exact sign flip: 2 of 16 patterns
    assert found["m (paper)"]["p_holm"] == pytest.approx(0.25)  # Holm over the two models: 0.125 x 2; 1.0
    table = paired_comparisons(rows, n_boot=2000)
    assert set(table["comparison"]) == {"models", "presets"}
    assert len(table[table["comparison"] == "models"]) == 2  # m - k within each preset


def test_strict_and_paper_in_one_run(seed_root_long, tmp_path):
    cfg = tmp_path / "tiny.yaml"
    cfg.write_text("models:\n  dgcnn: {max_epochs: 3, lr: 0.01}\n")
    out = tmp_path / "out"
    assert run(["--root", str(seed_root_long), "--preset", "strict,paper", "--config", str(cfg), "--models",
                "dgcnn,de_logreg", "--out", str(out), "--cache", str(tmp_path / "c"), "--threads", "2"]) == 0
    rows = pd.read_csv(out / "results.csv")
    # per-session LOSO: 3 subjects x 3 sessions, per preset and model; the paper preset adds 32 random 2-s reference
    # windows per class: 64 one-second DE windows per class
    assert rows.groupby(["preset", "model"]).size().to_dict() == {(p, m): 9 for p in ("strict", "paper")
                                                                   for m in ("dgcnn", "de_logreg")}
    assert set(rows.loc[rows["preset"] == "paper", "n_calibration"]) == {192}
    assert set(rows.loc[rows["preset"] == "paper", "calibration_seconds"]) == {192}
    assert set(rows.loc[rows["preset"] == "strict", "n_calibration"]) == {0}
    assert len(list((out / "folds").glob("strict__*.json"))) == 18
    comparisons = pd.read_csv(out / "comparisons.csv")
    inflation = comparisons[comparisons["comparison"] == "presets"]
    assert sorted(inflation["model_a"]) == ["de_logreg (paper)", "dgcnn (paper)"]
    assert (inflation["preset"] == "paper − strict").all() and (inflation["folds"] == 9).all()
    paper = rows[rows["preset"] == "paper"].set_index(["model", "fold"])["accuracy"]
    strict = rows[rows["preset"] == "strict"].set_index(["model", "fold"])["accuracy"]
    expected = 100 * (paper - strict).groupby("model").mean()
    assert inflation.set_index("model_a").loc["dgcnn (paper)", "mean_diff"] == pytest.approx(expected["dgcnn"])
    summary = (out / "summary.md").read_text()
    assert "presets `strict`, `paper`" in summary and "## Protocol inflation" in summary
    assert "dgcnn (paper) − dgcnn (strict)" in summary
    assert (out / "inflation_seed_cross-subject.png").stat().st_size > 1000
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["preset"] == "strict,paper" and set(prov["configs"]) == {"strict", "paper"}
