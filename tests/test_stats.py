"""Paired statistics against hand-computed values: Holm, Wilcoxon, the subject bootstrap, and a small table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emoclip_plugin.benchmark.stats import bootstrap_ci, holm, paired_comparisons, wilcoxon_p


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04 of m = 3: x3, x2, x1 -> 0.03, 0.06, 0.04 -> monotone 0.03, 0.06, 0.06
    assert np.allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert np.allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1


def test_wilcoxon_by_hand():
    assert wilcoxon_p([1, 2, 3, 4]) == pytest.approx(2 / 16)  # exact: only the all-positive sign pattern is as extreme
    assert wilcoxon_p([1, -2, 3, 4]) == pytest.approx(2 * 3 / 16)  # W- = 2: subsets {}, {1}, {2} have rank sum <= 2
    assert wilcoxon_p([0, 0, 0]) == 1.0


def test_subject_bootstrap_by_hand():
    assert bootstrap_ci([5, 5, 5, 5], [1, 1, 2, 2]) == (5.0, 5.0)
    # two subjects, two folds each: resampled means are 0 (1/4), 5 (1/2), 10 (1/4) -> the 95 % interval is [0, 10]
    assert bootstrap_ci([0, 0, 10, 10], [1, 1, 2, 2]) == (0.0, 10.0)


def test_paired_comparisons_small_table():
    folds = ["s01", "s02", "s03", "s04"]
    acc = {"a": [0.6, 0.7, 0.8, 0.9], "b": [0.5] * 4, "c": [0.6, 0.7, 0.8, 0.9]}
    rows = pd.DataFrame([{"dataset": "seed", "data": "synthetic", "protocol": "cross-subject", "preset": "strict",
                          "model": m, "fold": f, "test_subject": i + 1, "seed": 0, "accuracy": acc[m][i]}
                         for m in acc for i, f in enumerate(folds)])
    table = paired_comparisons(rows, n_boot=2000).set_index(["model_a", "model_b"])
    assert list(table.index) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert table.loc[("a", "b"), "mean_diff"] == pytest.approx(25.0)  # differences 10, 20, 30, 40 points
    assert table.loc[("b", "c"), "mean_diff"] == pytest.approx(-25.0)
    assert table.loc[("a", "b"), "wilcoxon_p"] == pytest.approx(0.125) and table.loc[("a", "c"), "wilcoxon_p"] == 1
    # Holm over the three: 0.125 x 3 = 0.375, 0.125 x 2 -> 0.375 (monotone), 1.0
    assert np.allclose(table["p_holm"], [0.375, 1.0, 0.375]) and not table["significant"].any()
    assert 10 <= table.loc[("a", "b"), "ci_low"] < table.loc[("a", "b"), "ci_high"] <= 40
    assert table.loc[("a", "b"), "folds"] == 4 and table.loc[("a", "b"), "subjects"] == 4
