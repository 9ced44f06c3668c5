"""Paired statistics between models evaluated on the same folds, with the **test subject** as the unit.

Folds of one test subject (per-session cross-subject, cross-time, within-subject, cross-dataset subject-sessions:
several per subject) and seeds are not independent. Every comparison therefore first averages each fold's accuracy
over seeds, then each subject's folds, and tests the paired differences over subjects:

* up to :data:`EXACT_MAX_SUBJECTS` subjects, the exact two-sided sign-flip permutation test of the mean difference
  (``scipy.stats.permutation_test``, ``permutation_type="samples"``, all ``2**n`` sign patterns: with 5 subjects the
  smallest possible p is ``2 / 32 = 0.0625``);
* above that, the two-sided Wilcoxon signed-rank test (``scipy.stats.wilcoxon``);
* Holm's correction across the pairs of a table; the effect size as the mean difference (points) and Cohen's
  ``d_z`` (mean / standard deviation of the per-subject differences); a 95 % percentile bootstrap interval of the mean
  resampling subjects.

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
#: Up to this many subjects the exact sign-flip permutation test is used, Wilcoxon above.
EXACT_MAX_SUBJECTS = 20
#: ``test`` column values.
PERMUTATION, WILCOXON = "sign-flip (exact)", "wilcoxon"
COLUMNS = ["comparison"] + GROUP + ["model_a", "model_b", "unit", "n_subjects", "folds", "mean_diff", "d_z",
                                     "ci_low", "ci_high", "test", "p", "p_holm", "significant"]


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (same order as given): the k-th smallest of m is multiplied by m - k + 1,
    then made monotone and capped at 1."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        adjusted[i] = min(1.0, running)
    return adjusted


def bootstrap_ci(diff: np.ndarray, n_boot: int = 10000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile interval of the mean of ``diff`` (one value per subject) when subjects are resampled with
    replacement."""
    diff = np.asarray(diff, float)
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(n_boot, len(diff)))].mean(1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def sign_flip_p(diff: np.ndarray) -> float:
    """Exact two-sided p-value of the mean of ``diff`` under random sign flips (paired permutation test; every one
    of the ``2**n`` patterns; 1.0 when every difference is zero)."""
    diff = np.asarray(diff, float)
    if len(diff) < 2 or np.allclose(diff, 0):  # one subject: both sign patterns are as extreme
        return 1.0
    res = stats.permutation_test((diff,), np.mean, permutation_type="samples", n_resamples=np.inf,
                                 alternative="two-sided")
    return float(min(1.0, res.pvalue))


def wilcoxon_p(diff: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of ``diff`` (1.0 when every difference is zero)."""
    diff = np.asarray(diff, float)
    if len(diff) == 0 or np.allclose(diff, 0):
        return 1.0
    return float(stats.wilcoxon(diff, alternative="two-sided").pvalue)


def subject_test(diff: np.ndarray) -> tuple[str, float]:
    """``(test name, two-sided p)`` for per-subject differences: exact sign-flip up to
    :data:`EXACT_MAX_SUBJECTS` subjects, Wilcoxon above."""
    if len(diff) <= EXACT_MAX_SUBJECTS:
        return PERMUTATION, sign_flip_p(diff)
    return WILCOXON, wilcoxon_p(diff)


def cohens_dz(diff: np.ndarray) -> float:
    """Standardised paired effect: mean / sample standard deviation of the per-subject differences (NaN when they
    do not vary or there are fewer than two)."""
    diff = np.asarray(diff, float)
    if len(diff) < 2:
        return float("nan")
    sd = diff.std(ddof=1)
    return float(diff.mean() / sd) if sd > 0 else float("nan")


def per_subject(rows: pd.DataFrame, key: str, a, b) -> tuple[np.ndarray, int]:
    """Per-subject differences ``a - b`` (accuracy points) on the folds both have, ``[n_subjects]`` (sorted by
    subject), and the number of those folds. Each fold is first averaged over seeds, then each subject over folds."""
    table = (rows.groupby(["fold", key], sort=False)
             .agg(accuracy=("accuracy", "mean"), test_subject=("test_subject", "first")).reset_index())
    left = table[table[key] == a].set_index("fold")
    right = table[table[key] == b].set_index("fold")
    common = left.index.intersection(right.index)
    diff = pd.Series(100 * (left.loc[common, "accuracy"] - right.loc[common, "accuracy"]).to_numpy(float),
                     index=left.loc[common, "test_subject"].to_numpy())
    by_subject = diff.groupby(level=0).mean().sort_index()
    return by_subject.to_numpy(float), len(common)


def compare(rows: pd.DataFrame, key: str, pairs: list[tuple[str, str]], n_boot: int = 10000,
            seed: int = 0) -> list[dict]:
    """Statistics of ``a - b`` over test subjects for each pair of ``key`` values, on the folds both have (one group
    of ``GROUP``)."""
    out = []
    for a, b in pairs:
        diff, folds = per_subject(rows, key, a, b)
        if len(diff) == 0:
            continue
        low, high = bootstrap_ci(diff, n_boot=n_boot, seed=seed)
        test, p = subject_test(diff)
        out.append({"model_a": a, "model_b": b, "unit": "subject", "n_subjects": len(diff), "folds": folds,
                    "mean_diff": float(diff.mean()), "d_z": cohens_dz(diff), "ci_low": low, "ci_high": high,
                    "test": test, "p": p})
    return out


def _holm_rows(found: list[dict], fixed: dict) -> list[dict]:
    adjusted = holm([r["p"] for r in found])
    return [{"comparison": "models", **fixed, **r, "p_holm": float(p), "significant": bool(p < 0.05)}
            for r, p in zip(found, adjusted)]


def paired_comparisons(rows: pd.DataFrame, n_boot: int = 10000, seed: int = 0) -> pd.DataFrame:
    """Every pair of models of each dataset x protocol x preset table (in the order the models appear): accuracy
    difference ``model_a - model_b`` in points over test subjects, ``d_z``, its 95 % bootstrap interval over
    subjects, the test's p-value and the Holm-corrected p-value across the table's pairs."""
    out = []
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = with_row_defaults(rows)
    for keys, group in rows.groupby(GROUP, sort=False):
        models = list(dict.fromkeys(group["model"]))
        found = compare(group, "model", list(combinations(models, 2)), n_boot, seed)
        if found:
            out += _holm_rows(found, dict(zip(GROUP, keys)))
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
                if found:
                    out += [{**r, "comparison": "presets"} for r in
                            _holm_rows(found, {**dict(zip(keys, group_keys)), "preset": f"{later} − {earlier}"})]
    return out


def meta_analysis(table: pd.DataFrame) -> pd.DataFrame:
    """Stouffer's combination across datasets (as MOABB's ``combine_pvalues`` / ``combine_effects``) of each model
    pair that ran on several datasets of one protocol and preset: one-sided p-values of ``a > b`` per dataset
    (halved two-sided p in the direction of the mean) combined with weights ``sqrt(n_subjects)``, returned two-sided,
    and the ``d_z`` effects combined with the same weights. Empty when no pair ran on two datasets."""
    out = []
    if table.empty:
        return pd.DataFrame(columns=["protocol", "preset", "model_a", "model_b", "datasets", "n_subjects", "d_z",
                                     "p_stouffer"])
    models = table[table["comparison"] == "models"]
    for (protocol, space, preset, a, b), g in models.groupby(["protocol", "label_space", "preset", "model_a",
                                                              "model_b"], sort=False):
        if g["dataset"].nunique() < 2:
            continue
        one_sided = np.where(g["mean_diff"] > 0, g["p"] / 2, 1 - g["p"] / 2).clip(1e-300, 1 - 1e-16)
        weights = np.sqrt(g["n_subjects"].to_numpy(float))
        z = float((weights * stats.norm.isf(one_sided)).sum() / np.sqrt((weights ** 2).sum()))
        dz = g["d_z"].to_numpy(float)
        effect = float(np.nansum(weights * dz) / weights[~np.isnan(dz)].sum()) if (~np.isnan(dz)).any() else np.nan
        out.append({"protocol": protocol + (f" ({space})" if protocol == "cross-dataset" else ""), "preset": preset,
                    "model_a": a, "model_b": b, "datasets": ", ".join(g["dataset"]),
                    "n_subjects": int(g["n_subjects"].sum()), "d_z": effect,
                    "p_stouffer": float(min(1.0, 2 * stats.norm.sf(abs(z))))})
    return pd.DataFrame(out)


def from_moabb(results: pd.DataFrame) -> pd.DataFrame:
    """MOABB's results table (``score, subject, session, pipeline, dataset``, e.g. ``run_moabb.py``'s
    ``moabb_results.csv``) as benchmark rows, so :func:`paired_comparisons` runs on it: one fold per subject and
    session, the pipeline as the model, the score as the accuracy."""
    rows = pd.DataFrame({"dataset": results["dataset"].astype(str), "data": "moabb",
                         "protocol": results.get("evaluation", pd.Series("moabb", results.index)).astype(str),
                         "preset": results.get("preset", pd.Series("", results.index)).astype(str),
                         "model": results["pipeline"].astype(str),
                         "fold": results["subject"].astype(str) + "/" + results["session"].astype(str),
                         "test_subject": results["subject"], "seed": 0, "accuracy": results["score"].astype(float)})
    return rows


def comparisons_markdown(table: pd.DataFrame) -> str:
    """The comparisons as a markdown table (differences in accuracy points)."""
    lines = ["| dataset | protocol | preset | model a − model b | subjects (folds) | mean difference | d_z | 95 % CI "
             "(bootstrap over subjects) | test | p | Holm p |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        protocol = r["protocol"] + (f" ({r['label_space']} classes)" if r["protocol"] == "cross-dataset" else "")
        dz = "—" if pd.isna(r["d_z"]) else f"{r['d_z']:+.2f}"
        lines.append(f"| {r['dataset']} | {protocol} | {r['preset']} | {r['model_a']} − {r['model_b']} | "
                     f"{r['n_subjects']} ({r['folds']}) | {r['mean_diff']:+.2f} | {dz} | [{r['ci_low']:+.2f}, "
                     f"{r['ci_high']:+.2f}] | {r['test']} | {r['p']:.3g} | {r['p_holm']:.3g}"
                     + (" *" if r["significant"] else "") + " |")
    return "\n".join(lines)
