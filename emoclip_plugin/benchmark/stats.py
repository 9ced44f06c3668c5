"""Paired statistics between models evaluated on the same folds: mean difference, a bootstrap interval over test
subjects, the Wilcoxon signed-rank test, and Holm's correction across the pairs of a table.

Unit of analysis: the fold (each fold's accuracy averaged over seeds first). Folds of one test subject (per-session
cross-subject, cross-time, within-subject: several per subject) are not independent, so the bootstrap resamples *test
subjects* with replacement and recomputes the mean difference over the chosen subjects' folds. The Wilcoxon test
(``scipy.stats.wilcoxon``, two-sided) runs on the per-fold differences.

Two kinds of comparison land in one table (``comparison`` column): ``models`` — every pair of models of a dataset x
protocol x preset table; ``presets`` — when one run holds several presets on the same folds (``--preset
strict,paper``), each model's difference between them (later minus earlier preset: ``paper − strict`` is how much
the paper's protocol inflates the strict figure).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from .store import with_row_defaults

GROUP = ["dataset", "data", "protocol", "label_space", "preset"]
COLUMNS = ["comparison"] + GROUP + ["model_a", "model_b", "folds", "subjects", "mean_diff", "ci_low", "ci_high",
                                     "wilcoxon_p", "p_holm", "significant"]


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (same order as given): the k-th smallest of m is multiplied by m - k + 1,
    then made monotone and capped at 1."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        adjusted[i] = min(1.0, running)
    return adjusted


def bootstrap_ci(diff: np.ndarray, subjects: np.ndarray, n_boot: int = 10000, level: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile interval of the mean of ``diff`` (one value per fold) when test subjects are resampled with
    replacement (each drawn subject brings all its folds)."""
    diff, subjects = np.asarray(diff, float), np.asarray(subjects)
    ids, inverse = np.unique(subjects, return_inverse=True)
    sums = np.bincount(inverse, weights=diff, minlength=len(ids))
    counts = np.bincount(inverse, minlength=len(ids)).astype(float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(ids), size=(n_boot, len(ids)))
    means = sums[draws].sum(1) / counts[draws].sum(1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def wilcoxon_p(diff: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of the per-fold differences (1.0 when every difference is zero)."""
    diff = np.asarray(diff, float)
    if len(diff) == 0 or np.allclose(diff, 0):
        return 1.0
    return float(stats.wilcoxon(diff, alternative="two-sided").pvalue)


def _per_fold(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """Accuracy (%) per fold and ``key`` value (averaged over seeds), with the fold's test subject."""
    table = (rows.groupby(["fold", key], sort=False)
             .agg(accuracy=("accuracy", "mean"), test_subject=("test_subject", "first")).reset_index())
    table["accuracy"] *= 100
    return table


def compare(rows: pd.DataFrame, key: str, pairs: list[tuple[str, str]], n_boot: int = 10000,
            seed: int = 0) -> list[dict]:
    """Statistics of ``a - b`` for each pair of ``key`` values on the folds both have (one group of ``GROUP``)."""
    per_fold = _per_fold(rows, key)
    out = []
    for a, b in pairs:
        left = per_fold[per_fold[key] == a].set_index("fold")
        right = per_fold[per_fold[key] == b].set_index("fold")
        common = left.index.intersection(right.index)
        if len(common) == 0:
            continue
        diff = (left.loc[common, "accuracy"] - right.loc[common, "accuracy"]).to_numpy()
        subjects = left.loc[common, "test_subject"].to_numpy()
        low, high = bootstrap_ci(diff, subjects, n_boot=n_boot, seed=seed)
        out.append({"model_a": a, "model_b": b, "folds": len(common), "subjects": len(np.unique(subjects)),
                    "mean_diff": float(diff.mean()), "ci_low": low, "ci_high": high, "wilcoxon_p": wilcoxon_p(diff)})
    return out


def paired_comparisons(rows: pd.DataFrame, n_boot: int = 10000, seed: int = 0) -> pd.DataFrame:
    """Every pair of models of each dataset x protocol x preset table (in the order the models appear): accuracy
    difference ``model_a - model_b`` in points, its 95 % bootstrap interval over test subjects, the Wilcoxon p-value
    and the Holm-corrected p-value across the table's pairs."""
    out = []
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = with_row_defaults(rows)
    for keys, group in rows.groupby(GROUP, sort=False):
        models = list(dict.fromkeys(group["model"]))
        found = compare(group, "model", list(combinations(models, 2)), n_boot, seed)
        if not found:
            continue
        adjusted = holm([r["wilcoxon_p"] for r in found])
        for r, p in zip(found, adjusted):
            out.append({"comparison": "models", **dict(zip(GROUP, keys)), **r, "p_holm": float(p),
                        "significant": bool(p < 0.05)})
    return pd.DataFrame(out + preset_comparisons(rows, n_boot, seed), columns=COLUMNS)


def preset_comparisons(rows: pd.DataFrame, n_boot: int = 10000, seed: int = 0) -> list[dict]:
    """Each model's accuracy difference between the presets of one run on the same folds (each later preset minus
    each earlier one, in the order they appear: ``strict,paper`` gives ``paper − strict``, the inflation), with the
    statistics of :func:`compare`; Holm-corrected across the models of each dataset x protocol x preset pair."""
    rows = with_row_defaults(rows)
    presets = list(dict.fromkeys(rows["preset"]))
    if len(presets) < 2:
        return []
    out = []
    keys = [k for k in GROUP if k != "preset"]
    for group_keys, group in rows.groupby(keys, sort=False):
        for i, earlier in enumerate(presets):
            for later in presets[i + 1:]:
                found = []
                for model, g in group.groupby("model", sort=False):
                    for r in compare(g, "preset", [(later, earlier)], n_boot, seed):
                        found.append({**r, "model_a": f"{model} ({later})", "model_b": f"{model} ({earlier})"})
                if not found:
                    continue
                adjusted = holm([r["wilcoxon_p"] for r in found])
                for r, p in zip(found, adjusted):
                    out.append({"comparison": "presets", **dict(zip(keys, group_keys)),
                                "preset": f"{later} − {earlier}", **r, "p_holm": float(p),
                                "significant": bool(p < 0.05)})
    return out


def comparisons_markdown(table: pd.DataFrame) -> str:
    """The comparisons as a markdown table (differences in accuracy points)."""
    lines = ["| dataset | protocol | preset | model a − model b | folds (subjects) | mean difference | 95 % CI "
             "(bootstrap over subjects) | Wilcoxon p | Holm p |", "|---|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        protocol = r["protocol"] + (f" ({r['label_space']} classes)" if r["protocol"] == "cross-dataset" else "")
        lines.append(f"| {r['dataset']} | {protocol} | {r['preset']} | {r['model_a']} − {r['model_b']} | "
                     f"{r['folds']} ({r['subjects']}) | {r['mean_diff']:+.2f} | [{r['ci_low']:+.2f}, "
                     f"{r['ci_high']:+.2f}] | {r['wilcoxon_p']:.3g} | {r['p_holm']:.3g}"
                     + (" *" if r["significant"] else "") + " |")
    return "\n".join(lines)
