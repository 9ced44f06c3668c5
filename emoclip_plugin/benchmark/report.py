"""Benchmark report: the summary table (``summary.md``, printed) and plots (PNG, matplotlib)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .store import with_row_defaults

PROTOCOL_TEXT = {
    "cross-subject": "leave-one-subject-out ({mode}); the test subject is unseen in training{shots}",
    "cross-time": "per subject, train on session a and test on a later session b (1->2, 1->3, 2->3){shots}",
    "within-subject": "per subject and session, the first trials train and the last test (SEED 9 / 6, SEED-IV 16 / "
                      "8; whole trials, never shared){shots}",
    "cross-dataset": "trained on every window of one dataset, tested on every subject and session of the other "
                     "(SEED -> SEED-IV and SEED-IV -> SEED); 0-shot: nothing of the test dataset is seen",
}
#: How the cross-dataset tables name their label spaces.
LABEL_SPACE_TEXT = {
    "own": "zero-shot on the test dataset's own classes, named through their text prompts (models with a text side "
           "only; chance = 1 / classes)",
    "shared": "the classes both datasets share, through the fixed mapping neutral -> neutral, happy -> positive, sad "
              "and fear -> negative (SEED-IV labels or predictions become SEED classes); every model, supervised "
              "baselines included, predicts its training dataset's classes, which are then mapped; chance = the "
              "majority class's share of the mapped test windows, as the classes are unbalanced after mapping",
}

#: The summary's comparison sections: ``comparison`` value, heading, what the table shows.
COMPARISON_SECTIONS = (
    ("models", "Paired comparisons (same folds, test subject as the unit)",
     "Accuracy difference model a − model b in points: each fold averaged over seeds, each test subject over its "
     "folds, then over subjects: mean, Cohen's d_z, 95 % bootstrap interval resampling subjects (10,000 draws), the "
     "two-sided test over subjects (exact sign-flip permutation up to 20 subjects, Wilcoxon signed-rank above; with "
     "n subjects no p below 2 / 2^n), Holm-corrected across the pairs of each table (* = Holm p < 0.05). Also in "
     "`comparisons.csv`."),
    ("presets", "Protocol inflation (presets on the same folds)",
     "Each model's accuracy under the later preset minus the earlier one, in points, on the folds both ran (for "
     "`strict,paper`: paper − strict, how much the paper's protocol inflates the leakage-free figure); the same "
     "statistics, Holm-corrected across the models of each table. Also in `comparisons.csv`."),
)


def majority_rates(results: list[dict]) -> dict[tuple[str, str], float]:
    """``(test dataset, "shared")`` -> the share of the most frequent class among the cross-dataset shared-class test
    windows (the chance level there: the mapping leaves the classes unbalanced), from the confusion matrices' row
    sums (every model and seed tests the same windows, so summing over them keeps the shares)."""
    counts: dict[tuple[str, str], np.ndarray] = {}
    for r in results:
        row = r["row"]
        if row.get("protocol") == "cross-dataset" and row.get("label_space") == "shared":
            key = (row["dataset"], "shared")
            counts[key] = counts.get(key, 0) + np.asarray(r["confusion"], float).sum(1)
    return {k: float(c.max() / c.sum()) for k, c in counts.items() if c.sum()}


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
    rows = with_row_defaults(rows)
    for (dataset, data, protocol, preset, model, train, space), g in rows.groupby(
            ["dataset", "data", "protocol", "preset", "model", "train_dataset", "label_space"], sort=False):
        entry = {"dataset": dataset, "data": data, "protocol": protocol, "preset": preset, "model": model,
                 "train_dataset": train, "label_space": space, "folds": int(g["fold"].nunique())}
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


def _shot_text(config: dict) -> str:
    shots = config["shots"]
    if not shots:
        return "; 0-shot"
    how = ("from whole trials, none shared with test windows" if config["calibration"] == "trials" else
           "random windows that may share trials with test windows, as in the paper")
    return f"; {shots} labelled windows per class of the test subject/session added to training ({how})"


#: The rule of :func:`baseline_notes`, fixed before any run: the frame-grid models at most this far above chance ...
GRID_NEAR_CHANCE = 0.05
#: ... while a DE model is at least this far above it (accuracy, as a fraction).
DE_WELL_ABOVE_CHANCE = 0.15


def baseline_notes(rows: pd.DataFrame, chance: dict, kinds: dict[str, str], baseline_seconds: dict[str, float]
                   ) -> list[str]:
    """One line per dataset x protocol x preset where the trial baseline may have erased the class signal.

    The paper's frame grids subtract each trial's first ``baseline_seconds`` (per preset); where the class effect is
    present from the trial's start, that removes it. The sign: every model on the grids (input kind
    ``"emotionclip"``) within :data:`GRID_NEAR_CHANCE` of chance while a model on band DE (``"de"``, ``"de_grid"``)
    is :data:`DE_WELL_ABOVE_CHANCE` above it. It only advises (``--baseline-seconds 0``, or ``auto``, which chooses
    on the training subjects' validation split); it changes nothing."""
    if rows.empty:
        return []
    notes = []
    own = rows[rows["label_space"].fillna("own") == "own"] if "label_space" in rows else rows
    for (dataset, protocol, preset), group in own.groupby(["dataset", "protocol", "preset"], sort=False):
        if not baseline_seconds.get(preset):
            continue
        means = group.groupby("model", sort=False)["accuracy"].mean()
        grids = {m: a for m, a in means.items() if kinds.get(m) == "emotionclip"}
        des = {m: a for m, a in means.items() if kinds.get(m) in ("de", "de_grid")}
        level = chance.get(dataset)
        if not grids or not des or level is None:
            continue
        best_de = max(des, key=des.get)
        if max(grids.values()) <= level + GRID_NEAR_CHANCE and des[best_de] >= level + DE_WELL_ABOVE_CHANCE:
            grid_text = ", ".join(f"{m} {100 * a:.1f} %" for m, a in grids.items())
            notes.append(f"{dataset} {protocol} ({preset}): the frame-grid models are near chance ({grid_text}; "
                         f"chance {100 * level:.1f} %) while {best_de} on band DE reads {100 * des[best_de]:.1f} %: "
                         f"the {baseline_seconds[preset]:g}-s trial baseline the grids subtract may remove a class "
                         "effect present from the trial's start; try --baseline-seconds 0")
    return notes


def baseline_choices(rows: pd.DataFrame) -> list[str]:
    """One line per dataset x protocol x preset run with ``--baseline-seconds auto``: in how many folds the grid
    probe chose to subtract the trial baseline or only drop it, and which folds dropped it."""
    if rows.empty or "baseline_choice" not in rows:
        return []
    chosen = rows[rows["baseline_choice"].fillna("").astype(str) != ""]
    notes = []
    for (dataset, protocol, preset), group in chosen.groupby(["dataset", "protocol", "preset"], sort=False):
        folds = group.drop_duplicates("fold").set_index("fold")["baseline_choice"]
        dropped = [f for f, c in folds.items() if c == "drop"]
        notes.append(f"{dataset} {protocol} ({preset}): each fold's grids chosen by frames_logreg on held-out "
                     f"training subjects: subtracted in {int((folds == 'subtract').sum())} of {len(folds)} folds, "
                     f"only dropped in {len(dropped)}" + (f" ({', '.join(map(str, dropped))})" if dropped else "")
                     + "; per row: baseline_choice, baseline_scores in results.csv")
    return notes


def write_summary(rows: pd.DataFrame, out: Path, configs: dict[str, dict], chance: dict,
                  comparisons: pd.DataFrame | None = None, meta: pd.DataFrame | None = None,
                  kinds: dict[str, str] | None = None) -> str:
    """Write ``out/summary.md`` and return its text.

    ``configs``: preset name -> resolved configuration (one, or several presets run on the same folds); ``chance``:
    dataset -> chance accuracy, and ``(dataset, "shared")`` -> the majority rate of the cross-dataset shared-class
    test windows; ``comparisons`` (:func:`.stats.paired_comparisons`) adds the paired-comparison tables and ``meta``
    (:func:`.stats.meta_analysis`) the SEED + SEED-IV combination; ``kinds`` (model -> input kind) enables
    :func:`baseline_notes`."""
    table = summary_table(rows)
    names = list(configs)
    title = f"preset `{names[0]}`" if len(names) == 1 else "presets " + ", ".join(f"`{n}`" for n in names)
    lines = [f"# Benchmark summary ({title})", ""]
    protocols = list(rows["protocol"].unique()) if not rows.empty else []
    for name, config in configs.items():
        lines.append(f"Preset `{name}`: {config.get('description', name)}.")
        lines.append("")
        for protocol in protocols:
            lines.append(f"* **{protocol}**: " + PROTOCOL_TEXT[protocol].format(
                mode=config["cross_subject"], shots=_shot_text(config)))
        lines.append("")
    lines += ["* Model selection (early stopping) uses an inner validation split of the training data only (whole "
              "training subjects in cross-subject and cross-dataset, whole training trials in cross-time and "
              "within-subject); normalisation statistics come from the training data; the test fold is used once, "
              "at the end.", ""]
    if any(c.get("test_best_epoch") for c in configs.values()):
        lines += ["* The column *best epoch on test (optimistic)* picks each fold's best epoch by its test accuracy, as "
                  "the paper's code does; it is reported for comparison only and is not a valid estimate.", ""]
    if not rows.empty and (rows["data"] == "synthetic").any():
        lines += ["**Data: synthetic SEED-format folders written by `emoclip_plugin.data.synthetic` — not SEED. "
                  "These figures only show that the pipeline runs; they say nothing about EEG emotion recognition.**",
                  ""]
    if kinds:
        from .presets import feature_settings
        from .presets import baseline_is_auto
        # auto already chooses per fold: no advice to give there
        baselines = {n: 0.0 if baseline_is_auto(c["features"]) else
                     float(feature_settings(c, "emotionclip")["baseline_seconds"]) for n, c in configs.items()}
        lines += [f"**Trial baseline:** {note}." for note in baseline_notes(rows, chance, kinds, baselines)]
        lines += [f"**Trial baseline (auto):** {note}." for note in baseline_choices(rows)]
        if lines[-1].startswith("**Trial baseline"):
            lines.append("")
    if not rows.empty and "device_name" in rows:
        groups: dict[tuple, list] = {}
        for m, d, p in zip(rows["model"], rows["device_name"], rows["precision"]):
            models = groups.setdefault((d, _precision_text(p)), [])
            if m not in models:
                models.append(m)
        lines += ["* Computed on: " + "; ".join(f"{d}, {p} ({', '.join(ms)})" for (d, p), ms in groups.items())
                  + ".", ""]
    if not rows.empty and "code" in rows:
        codes = rows["code"].fillna("").astype(str).replace("", "unknown (stored before fingerprints)")
        if codes.nunique() > 1:
            counts = codes.value_counts()
            lines += ["**Mixed code: these results were computed by " + str(len(counts)) + " different versions of the "
                      "code (`--resume-any-code`): " + ", ".join(f"`{c}` ({n} rows)" for c, n in counts.items())
                      + "; the `code` column of `results.csv` says which row came from which.**", ""]
        elif len(codes):
            lines += [f"* Code fingerprint: `{codes.iloc[0]}`"
                      + (f" (git {rows['git_commit'].dropna().astype(str).iloc[0]})"
                         if "git_commit" in rows and rows["git_commit"].notna().any()
                         and str(rows["git_commit"].dropna().iloc[0]) else "") + ".", ""]
    spread = ("mean ± std over folds (each fold averaged over the seeds), then in brackets the std over seeds of the "
              "mean over folds" if "seeds" in table else "mean ± std over folds")
    if not table.empty:
        table = table.copy()
        table.insert(table.columns.get_loc("folds") + 1, "chance", [
            f"{100 * chance.get((d, s) if s == 'shared' else d, float('nan')):.1f}"
            for d, s in zip(table["dataset"], table["label_space"])])
        if len(names) == 1:
            table = table.drop(columns="preset")
        within = table[table["protocol"] != "cross-dataset"].drop(columns=["train_dataset", "label_space"])
        if not within.empty:
            lines += [f"Accuracy and macro-F1 in %, {spread}.", "", _markdown(within), ""]
        for space in ("own", "shared"):
            part = table[(table["protocol"] == "cross-dataset") & (table["label_space"] == space)]
            if part.empty:
                continue
            part = part.drop(columns=["protocol", "label_space"]).rename(
                columns={"dataset": "test dataset", "train_dataset": "trained on", "folds": "subject-sessions"})
            heading = "zero-shot, own classes" if space == "own" else "shared classes"
            text, over = LABEL_SPACE_TEXT[space], spread.replace("folds", "test subject-sessions")
            lines += [f"## Cross-dataset: {heading}", "",
                      f"{text[0].upper()}{text[1:]}. Accuracy and macro-F1 in %, {over}.", "", _markdown(part), ""]
    if comparisons is not None and not comparisons.empty:
        from .stats import comparisons_markdown
        kinds = comparisons["comparison"] if "comparison" in comparisons else pd.Series("models", comparisons.index)
        for kind, heading, explanation in COMPARISON_SECTIONS:
            part = comparisons[kinds == kind]
            if not part.empty:
                lines += [f"## {heading}", "", explanation, "", comparisons_markdown(part), ""]
    if meta is not None and not meta.empty:
        lines += ["## Meta-analysis over datasets", "",
                  "Each pair that ran on several datasets: one-sided p-values in the direction of each dataset's mean "
                  "difference combined with Stouffer's method, weights sqrt(subjects) (as MOABB's `combine_pvalues`), "
                  "reported two-sided; d_z combined with the same weights. Also in `meta_analysis.csv`.", "",
                  "| protocol | preset | model a − model b | datasets | subjects | d_z | Stouffer p |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['protocol']} | {r['preset']} | {r['model_a']} − {r['model_b']} | {r['datasets']} | "
                  f"{r['n_subjects']} | {r['d_z']:+.2f} | {r['p_stouffer']:.3g} |" for _, r in meta.iterrows()]
        lines.append("")
    text = "\n".join(lines)
    (out / "summary.md").write_text(text)
    return text


def plot_comparisons(table: pd.DataFrame, out: Path) -> list[Path]:
    """``comparisons_<dataset>_<protocol>.png``: each pair's mean difference with its bootstrap interval."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    table = table.copy()
    if "comparison" not in table:
        table["comparison"] = "models"
    if "label_space" not in table:
        table["label_space"] = "own"
    for (kind, dataset, protocol, space), g in table.groupby(["comparison", "dataset", "protocol", "label_space"],
                                                             sort=False):
        labels = [f"{a} − {b}" + (f" ({p})" if kind == "models" and g["preset"].nunique() > 1 else "")
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
        what = "paired comparisons" if kind == "models" else "preset inflation"
        where = f"{protocol}, {space} classes" if protocol == "cross-dataset" else protocol
        ax.set_title(f"{dataset} {where}: {what} (red: Holm p < 0.05)", fontsize=9)
        fig.tight_layout()
        stem = "comparisons" if kind == "models" else "inflation"
        suffix = f"_{space}" if protocol == "cross-dataset" else ""
        paths.append(out / f"{stem}_{dataset}_{protocol}{suffix}.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
    return paths


def plot_all(results: list[dict], out: Path, class_names: dict[str, list[str]],
             chance: dict | None = None) -> list[Path]:
    """Per-subject accuracy, confusion matrices and training curves per dataset x protocol (x label space for
    cross-dataset, x preset when a run holds several); returns the PNG paths. ``results``: one per row."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .protocols import SHARED_CLASS_NAMES

    if not results:
        return []
    rows = with_row_defaults(pd.DataFrame([r["row"] for r in results]))
    several = rows["preset"].nunique() > 1
    paths = []
    for (preset, dataset, protocol, space), g in rows.groupby(["preset", "dataset", "protocol", "label_space"],
                                                              sort=False):
        tag = (f"{dataset}_{protocol}" + (f"_{space}" if protocol == "cross-dataset" else "")
               + (f"_{preset}" if several else ""))
        title = (f"{dataset} {protocol}" + (f" ({space} classes)" if protocol == "cross-dataset" else "")
                 + (f", {preset}" if several else ""))
        names = list(SHARED_CLASS_NAMES) if space == "shared" else class_names[dataset]
        level = (chance or {}).get((dataset, space) if space == "shared" else dataset, 1 / len(names))
        members = [r for r, keep in zip(results, (rows["preset"].eq(preset) & rows["dataset"].eq(dataset)
                                                  & rows["protocol"].eq(protocol) & rows["label_space"].eq(space)))
                   if keep]
        models = list(dict.fromkeys(g["model"]))
        # per-subject accuracy
        per = g.groupby(["test_subject", "model"])["accuracy"].mean().unstack("model")[models] * 100
        fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(per) * len(models) + 2), 4))
        width = 0.8 / len(models)
        x = np.arange(len(per))
        for i, m in enumerate(models):
            ax.bar(x + i * width - 0.4 + width / 2, per[m].to_numpy(), width, label=m)
        ax.set_xticks(x, [f"s{int(s)}" for s in per.index])
        ax.axhline(100 * level, color="k", ls="--", lw=1, label="chance")
        ax.set_ylabel("accuracy (%)")
        ax.set_title(f"{title}: accuracy per test subject")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        paths.append(out / f"per_subject_{tag}.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
        # confusion matrices (summed over folds, rows normalised)
        fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3.2), squeeze=False)
        for ax, m in zip(axes[0], models):
            cm = sum(np.asarray(r["confusion"], float) for r in members if r["row"]["model"] == m)
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
        fig.suptitle(f"{title}: confusion (rows normalised, all folds)", fontsize=9)
        fig.tight_layout()
        paths.append(out / f"confusion_{tag}.png")
        fig.savefig(paths[-1], dpi=100)
        plt.close(fig)
        # training curves: mean over folds of train / validation loss per epoch
        seen = set()  # a cross-dataset task's rows share one training history
        curves = {}
        for r in members:
            row = r["row"]
            key = (row["model"], row.get("train_dataset"), row.get("seed"), row["fold"].split("/")[0])
            if r["history"] and key not in seen:
                seen.add(key)
                curves.setdefault(r["row"]["model"], []).append(r["history"])
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
            ax.set_title(f"{title}: training curves")
            ax.legend(fontsize=7)
            fig.tight_layout()
            paths.append(out / f"training_curves_{tag}.png")
            fig.savefig(paths[-1], dpi=100)
            plt.close(fig)
    return paths
