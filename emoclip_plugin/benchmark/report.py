"""Benchmark report: the summary table (``summary.md``, printed) and plots (PNG, matplotlib)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PROTOCOL_TEXT = {
    "cross-subject": "leave-one-subject-out ({mode}); the test subject is unseen in training{shots}",
    "cross-time": "per subject, train on session a and test on a later session b (1->2, 1->3, 2->3){shots}",
    "within-subject": "per subject and session, the first trials train and the last test (SEED 9 / 6, SEED-IV 16 / "
                      "8; whole trials, never shared){shots}",
}


def _spread(g: pd.DataFrame, column: str) -> str:
    """``mean ± std over folds`` (each fold averaged over seeds first); with several seeds also ``(seeds ± std)``:
    the std over seeds of the mean over folds. In %, population standard deviations."""
    per_fold = 100 * g.groupby("fold", sort=False)[column].mean().to_numpy(float)
    text = f"{per_fold.mean():.2f} ± {per_fold.std():.2f}"
    if "seed" in g and g["seed"].nunique() > 1:
        per_seed = 100 * g.groupby("seed", sort=False)[column].mean().to_numpy(float)
        text += f" (seeds ± {per_seed.std():.2f})"
    return text


def summary_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy and F1 (in %) per dataset x protocol x model: mean ± std over folds, and with several seeds the std
    over seeds separately (see :func:`_spread`); the numbers of folds and seeds."""
    if rows.empty:
        return pd.DataFrame(columns=["dataset", "protocol", "model", "folds", "accuracy", "f1_macro"])
    out = []
    several = "seed" in rows and rows["seed"].nunique() > 1
    for (dataset, data, protocol, preset, model), g in rows.groupby(
            ["dataset", "data", "protocol", "preset", "model"], sort=False):
        entry = {"dataset": dataset, "data": data, "protocol": protocol, "preset": preset, "model": model,
                 "folds": int(g["fold"].nunique())}
        if several:
            entry["seeds"] = int(g["seed"].nunique())
        entry.update(accuracy=_spread(g, "accuracy"), f1_macro=_spread(g, "f1_macro"))
        best = 100 * g["accuracy_test_best_epoch"].to_numpy(float)
        if np.isfinite(best).any():
            entry["best epoch on test (optimistic)"] = f"{np.nanmean(best):.2f} ± {np.nanstd(best):.2f}"
        out.append(entry)
    return pd.DataFrame(out)


def _markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in frame.iterrows():
        lines.append("| " + " | ".join("" if pd.isna(r[c]) else str(r[c]) for c in cols) + " |")
    return "\n".join(lines)


def _precision_text(precision) -> str:
    return {"64": "float64", "32": "float32", "bf16": "bf16 autocast", "16-mixed": "fp16 autocast"}.get(
        str(precision), str(precision))


def write_summary(rows: pd.DataFrame, out: Path, config: dict, preset: str, chance: dict[str, float],
                  comparisons: pd.DataFrame | None = None) -> str:
    """Write ``out/summary.md`` and return its text; ``comparisons`` (:func:`.stats.paired_comparisons`) adds the
    paired-comparison table."""
    table = summary_table(rows)
    shots = config["shots"]
    shot_text = (f"; {shots} labelled windows per class of the test subject/session added to training "
                 f"({'from whole trials, none shared with test windows' if config['calibration'] == 'trials' else 'random windows that may share trials with test windows, as in the paper'})"
                 if shots else "; 0-shot")
    lines = [f"# Benchmark summary (preset `{preset}`)", "",
             f"Preset: {config.get('description', preset)}.", ""]
    for protocol in rows["protocol"].unique() if not rows.empty else []:
        lines.append(f"* **{protocol}**: " + PROTOCOL_TEXT[protocol].format(mode=config["cross_subject"],
                                                                            shots=shot_text))
    lines += ["* Model selection (early stopping) uses an inner validation split of the training data only (whole "
              "training subjects in cross-subject, whole training trials in cross-time); normalisation statistics "
              "come from the training data; the test fold is used once, at the end.", ""]
    if config.get("test_best_epoch"):
        lines += ["* The column *best epoch on test (optimistic)* picks each fold's best epoch by its test accuracy, as "
                  "the paper's code does; it is reported for comparison only and is not a valid estimate.", ""]
    if not rows.empty and (rows["data"] == "synthetic").any():
        lines += ["**Data: synthetic SEED-format folders written by `emoclip_plugin.data.synthetic` — not SEED. "
                  "These figures only show that the pipeline runs; they say nothing about EEG emotion recognition.**",
                  ""]
    if not table.empty:
        table = table.copy()
        table.insert(table.columns.get_loc("folds") + 1, "chance",
                     [f"{100 * chance.get(d, float('nan')):.1f}" for d in table["dataset"]])
    if not rows.empty and "device_name" in rows:
        groups: dict[tuple, list] = {}
        for m, d, p in zip(rows["model"], rows["device_name"], rows["precision"]):
            models = groups.setdefault((d, _precision_text(p)), [])
            if m not in models:
                models.append(m)
        lines += ["* Computed on: " + "; ".join(f"{d}, {p} ({', '.join(ms)})" for (d, p), ms in groups.items())
                  + ".", ""]
    spread = ("mean ± std over folds (each fold averaged over the seeds), then in brackets the std over seeds of the "
              "mean over folds" if "seeds" in table else "mean ± std over folds")
    lines += [f"Accuracy and macro-F1 in %, {spread}.", "", _markdown(table), ""]
    if comparisons is not None and not comparisons.empty:
        from .stats import comparisons_markdown
        lines += ["## Paired comparisons (same folds)", "",
                  "Accuracy difference model a − model b in points, per fold (averaged over seeds), then: mean, 95 % "
                  "bootstrap interval resampling test subjects (10,000 draws), two-sided Wilcoxon signed-rank p over "
                  "folds, Holm-corrected across the pairs of each table (* = Holm p < 0.05). Also in "
                  "`comparisons.csv`.", "", comparisons_markdown(comparisons), ""]
    text = "\n".join(lines)
    (out / "summary.md").write_text(text)
    return text


def plot_comparisons(table: pd.DataFrame, out: Path) -> list[Path]:
    """``comparisons_<dataset>_<protocol>.png``: each pair's mean difference with its bootstrap interval."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for (dataset, protocol), g in table.groupby(["dataset", "protocol"], sort=False):
        labels = [f"{a} − {b}" + (f" ({p})" if g["preset"].nunique() > 1 else "")
                  for a, b, p in zip(g["model_a"], g["model_b"], g["preset"])]
        y = np.arange(len(g))[::-1]
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(g) + 1.2))
        diff = g["mean_diff"].to_numpy()
        err = np.vstack([diff - g["ci_low"].to_numpy(), g["ci_high"].to_numpy() - diff])
        for i, significant in enumerate(g["significant"]):
            ax.errorbar(diff[i], y[i], xerr=err[:, i:i + 1], fmt="o", color="C3" if significant else "C0", capsize=3)
        ax.axvline(0, color="k", lw=1)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xlabel("accuracy difference (points), 95 % bootstrap interval over test subjects")
        ax.set_title(f"{dataset} {protocol}: paired comparisons (red: Holm p < 0.05)", fontsize=9)
        fig.tight_layout()
        paths.append(out / f"comparisons_{dataset}_{protocol}.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
    return paths


def plot_all(results: list[dict], out: Path, class_names: dict[str, list[str]]) -> list[Path]:
    """Per-subject accuracy, confusion matrices and training curves per dataset x protocol; returns the PNG paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not results:
        return []
    rows = pd.DataFrame([r["row"] for r in results])
    paths = []
    for (dataset, protocol), g in rows.groupby(["dataset", "protocol"], sort=False):
        tag = f"{dataset}_{protocol}"
        models = list(dict.fromkeys(g["model"]))
        # per-subject accuracy
        per = g.groupby(["test_subject", "model"])["accuracy"].mean().unstack("model")[models] * 100
        fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(per) * len(models) + 2), 4))
        width = 0.8 / len(models)
        x = np.arange(len(per))
        for i, m in enumerate(models):
            ax.bar(x + i * width - 0.4 + width / 2, per[m].to_numpy(), width, label=m)
        ax.set_xticks(x, [f"s{int(s)}" for s in per.index])
        ax.axhline(100 / len(class_names[dataset]), color="k", ls="--", lw=1, label="chance")
        ax.set_ylabel("accuracy (%)")
        ax.set_title(f"{dataset} {protocol}: accuracy per test subject")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        paths.append(out / f"per_subject_{tag}.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
        # confusion matrices (summed over folds, rows normalised)
        names = class_names[dataset]
        fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3.2), squeeze=False)
        for ax, m in zip(axes[0], models):
            cm = sum(np.asarray(r["confusion"], float) for r in results
                     if r["row"]["dataset"] == dataset and r["row"]["protocol"] == protocol
                     and r["row"]["model"] == m)
            cm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
            ax.imshow(cm, vmin=0, vmax=1, cmap="Blues")
            for i in range(len(names)):
                for j in range(len(names)):
                    ax.text(j, i, f"{cm[i, j]:.2f}", ha="center", va="center", fontsize=7)
            ax.set_xticks(range(len(names)), names, rotation=45, fontsize=7)
            ax.set_yticks(range(len(names)), names, fontsize=7)
            ax.set_title(m, fontsize=9)
            ax.set_xlabel("predicted", fontsize=8)
        axes[0][0].set_ylabel("true", fontsize=8)
        fig.suptitle(f"{dataset} {protocol}: confusion (rows normalised, all folds)", fontsize=9)
        fig.tight_layout()
        paths.append(out / f"confusion_{tag}.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
        # training curves: mean over folds of train / validation loss per epoch
        curves = {m: [r["history"] for r in results if r["row"]["dataset"] == dataset
                      and r["row"]["protocol"] == protocol and r["row"]["model"] == m and r["history"]]
                  for m in models}
        curves = {m: h for m, h in curves.items() if h}
        if curves:
            fig, ax = plt.subplots(figsize=(6, 4))
            for i, (m, hists) in enumerate(curves.items()):
                for key, style in (("train_loss", "-"), ("valid_loss", "--")):
                    n = max(len(h) for h in hists)
                    mean = []
                    for e in range(n):
                        vals = [h[e][key] for h in hists if e < len(h) and key in h[e]]
                        mean.append(float(np.mean(vals)) if vals else np.nan)
                    if np.isfinite(mean).any():
                        ax.plot(np.arange(1, n + 1), mean, style, color=f"C{i}", label=f"{m} {key}")
            ax.set_xlabel("epoch")
            ax.set_ylabel("loss (mean over folds)")
            ax.set_title(f"{dataset} {protocol}: training curves")
            ax.legend(fontsize=7)
            fig.tight_layout()
            paths.append(out / f"training_curves_{tag}.png")
            fig.savefig(paths[-1], dpi=100)
            plt.close(fig)
    return paths
