"""Subject-level paired statistics against hand-computed values: the sign-flip test, Wilcoxon, Holm, d_z, the
subject bootstrap, and tables whose folds are not independent."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emoclip_plugin.benchmark.stats import (EXACT_MAX_SUBJECTS, PERMUTATION, WILCOXON, bootstrap_ci, cohens_dz, holm,
                                            meta_analysis, paired_comparisons, sign_flip_p, subject_test, wilcoxon_p)


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 of m = 3: x3, x2, x1 -> 0.03, 0.06, 0.04 -> monotone 0.03, 0.06, 0.06
    assert np.allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert np.allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1


def test_sign_flip_by_hand():
    # 5 subjects, all positive: only the all-positive and all-negative of 32 sign patterns are as extreme
    assert sign_flip_p([1, 2, 3, 4, 5]) == pytest.approx(2 / 32)
    # [1, -2, 3, 4]: mean 1.5; patterns with |sum| >= 6 of the 16: sums of +-1 +-2 +-3 +-4 with |s| >= 6:
    # 10, 8 (flip 1), 6 (flip 2), -6, -8, -10 -> 6 of 16
    assert sign_flip_p([1, -2, 3, 4]) == pytest.approx(6 / 16)
    assert sign_flip_p([0, 0, 0]) == 1.0
    assert sign_flip_p([7.0]) == 1.0  # one subject: +7 and -7 are equally extreme


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_sign_flip_floor(n):
    """n subjects can never give a two-sided p below 2 / 2**n, however large the differences."""
    assert sign_flip_p(np.full(n, 40.0)) == pytest.approx(2 / 2 ** n)
    assert sign_flip_p(np.linspace(10, 50, n)) >= 2 / 2 ** n - 1e-12


def test_wilcoxon_by_hand():
    assert wilcoxon_p([1, 2, 3, 4]) == pytest.approx(2 / 16)  # exact: only the all-positive sign pattern is as extreme
    assert wilcoxon_p([1, -2, 3, 4]) == pytest.approx(2 * 3 / 16)  # W- = 2: subsets {}, {1}, {2} have rank sum <= 2
    assert wilcoxon_p([0, 0, 0]) == 1.0


def test_test_choice_by_subject_count():
    assert subject_test(np.arange(1, EXACT_MAX_SUBJECTS + 1))[0] == PERMUTATION
    name, p = subject_test(np.arange(1, EXACT_MAX_SUBJECTS + 2, dtype=float))
    assert name == WILCOXON and p == pytest.approx(wilcoxon_p(np.arange(1, EXACT_MAX_SUBJECTS + 2)))


def test_cohens_dz_by_hand():
    assert cohens_dz([10, 20, 30, 40]) == pytest.approx(25 / np.std([10, 20, 30, 40], ddof=1))
    assert np.isnan(cohens_dz([5, 5, 5])) and np.isnan(cohens_dz([3]))


def test_subject_bootstrap_by_hand():
    assert bootstrap_ci([5, 5]) == (5.0, 5.0)
    # two subjects: resampled means are 0 (1/4), 5 (1/2), 10 (1/4) -> the 95 % interval is [0, 10]
    assert bootstrap_ci([0, 10]) == (0.0, 10.0)


def _rows(acc: dict, folds_per_subject: int = 1, seeds=(0,)) -> pd.DataFrame:
    """Rows of one table: ``acc[model]`` is a list per fold; fold i belongs to subject i // folds_per_subject + 1."""
    return pd.DataFrame([{"dataset": "seed", "data": "synthetic", "protocol": "cross-subject", "preset": "strict",
                          "model": m, "fold": f"f{i}", "test_subject": i // folds_per_subject + 1, "seed": s,
                          "accuracy": a} for m in acc for i, a in enumerate(acc[m]) for s in seeds])


def test_paired_comparisons_small_table():
    rows = _rows({"a": [0.6, 0.7, 0.8, 0.9], "b": [0.5] * 4, "c": [0.6, 0.7, 0.8, 0.9]})
    table = paired_comparisons(rows, n_boot=2000).set_index(["model_a", "model_b"])
    assert list(table.index) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert set(table["unit"]) == {"subject"} and set(table["test"]) == {PERMUTATION}
    assert table.loc[("a", "b"), "mean_diff"] == pytest.approx(25.0)  # differences 10, 20, 30, 40 points
    assert table.loc[("b", "c"), "mean_diff"] == pytest.approx(-25.0)
    assert table.loc[("a", "b"), "p"] == pytest.approx(0.125) and table.loc[("a", "c"), "p"] == 1
    # Holm over the three: 0.125 x 3 = 0.375, 0.125 x 2 -> 0.375 (monotone), 1.0
    assert np.allclose(table["p_holm"], [0.375, 1.0, 0.375]) and not table["significant"].any()
    assert 10 <= table.loc[("a", "b"), "ci_low"] < table.loc[("a", "b"), "ci_high"] <= 40
    assert table.loc[("a", "b"), "folds"] == 4 and table.loc[("a", "b"), "n_subjects"] == 4
    assert table.loc[("a", "b"), "d_z"] == pytest.approx(cohens_dz([10, 20, 30, 40]))


def test_dependent_folds_count_once_per_subject():
    """15 folds from 5 subjects (3 sessions each), every fold a better: the unit is the subject, so p = 2 / 32, not
    the 15-fold Wilcoxon's 6e-5; seeds are averaged first and do not add units either."""
    better = [0.8 + 0.01 * i for i in range(15)]
    rows = _rows({"a": better, "b": [0.5] * 15}, folds_per_subject=3, seeds=(0, 1, 2))
    r = paired_comparisons(rows, n_boot=500).iloc[0]
    assert r["n_subjects"] == 5 and r["folds"] == 15 and r["test"] == PERMUTATION
    assert r["p"] == pytest.approx(0.0625) and r["p"] >= 0.0625
    per_subject = [100 * (np.mean(better[3 * s:3 * s + 3]) - 0.5) for s in range(5)]
    assert r["mean_diff"] == pytest.approx(np.mean(per_subject))
    assert r["d_z"] == pytest.approx(cohens_dz(per_subject))


def test_many_subjects_use_wilcoxon():
    rng = np.random.default_rng(0)
    a = 0.6 + 0.05 * rng.standard_normal(30)
    rows = _rows({"a": a, "b": np.full(30, 0.55)})
    r = paired_comparisons(rows, n_boot=200).iloc[0]
    assert r["test"] == WILCOXON and r["n_subjects"] == 30
    assert r["p"] == pytest.approx(wilcoxon_p(100 * (a - 0.55)))


def test_meta_analysis_stouffer_by_hand():
    rows = pd.concat([_rows({"a": [0.6, 0.7, 0.8, 0.9, 0.9], "b": [0.5] * 5}).assign(dataset=d)
                      for d in ("seed", "seed-iv")])
    table = paired_comparisons(rows, n_boot=200)
    meta = meta_analysis(table).iloc[0]
    from scipy import stats
    z = stats.norm.isf(0.0625 / 2)  # one-sided p of each dataset, equal weights sqrt(5)
    assert meta["n_subjects"] == 10
    assert meta["p_stouffer"] == pytest.approx(2 * stats.norm.sf(2 * z / np.sqrt(2)))
    assert meta_analysis(table[table["dataset"] == "seed"]).empty


def test_agrees_with_moabb_meta_analysis():
    """On one MOABB-format table: our two-sided exact p = 2 x MOABB's one-sided exact p in the direction of the
    difference (its compute_pvals_perm, exact up to 13 subjects), and our d_z = MOABB's smd."""
    from moabb.analysis.meta_analysis import compute_dataset_statistics

    from emoclip_plugin.benchmark.stats import from_moabb
    rng = np.random.default_rng(3)
    records = []
    for dataset, n_subjects in (("SEED", 7), ("SEED-IV", 6)):
        for subject in range(1, n_subjects + 1):
            base = rng.uniform(0.4, 0.8)
            for session in ("0", "1", "2"):
                for pipeline, shift in (("EmotionCLIP", 0.04), ("DGCNN", 0.0), ("TS+LR", -0.03)):
                    records.append({"dataset": dataset, "subject": subject, "session": session, "pipeline": pipeline,
                                    "score": base + shift + rng.normal(0, 0.05)})
    moabb_table = pd.DataFrame(records)
    theirs = compute_dataset_statistics(moabb_table).set_index(["dataset", "pipe1", "pipe2"])
    ours = paired_comparisons(from_moabb(moabb_table), n_boot=200)
    assert len(ours) == 6 and set(ours["unit"]) == {"subject"}
    for _, r in ours.iterrows():
        a_b = theirs.loc[(r["dataset"], r["model_a"], r["model_b"])]
        b_a = theirs.loc[(r["dataset"], r["model_b"], r["model_a"])]
        assert r["n_subjects"] == a_b["nsub"] and r["test"] == PERMUTATION
        assert r["p"] == pytest.approx(min(1.0, 2 * min(a_b["p"], b_a["p"])))
        assert r["d_z"] == pytest.approx(a_b["smd"])
        assert r["mean_diff"] == pytest.approx(100 * (moabb_table[moabb_table["dataset"] == r["dataset"]]
                                                      .groupby(["pipeline", "subject"])["score"].mean()
                                                      .unstack(0).eval(f"`{r['model_a']}` - `{r['model_b']}`")
                                                      .mean()))
