"""Data scaling: accuracy against the number of training subjects, with the same test subjects at every point.

One generated SEED-format folder per trial length (``--subjects`` subjects, generator seed 0); each of the first
``--folds`` subjects is a test subject at every point of the curve, and each point trains on ``n`` of the other
subjects (``--train-subjects``; nested sets, the same for every model: ``study.training_subjects``), so the points
differ only in the training data, never in who is tested. The benchmark's ``smoke`` preset recipes, pooled
leave-one-subject-out. Writes ``OUT/results.csv``, ``OUT/scaling.md`` (table, and for each model the paired change
from the fewest to the most training subjects over the test subjects, with its exact sign-flip p) and
``OUT/scaling.png`` (mean ± std over test subjects, each test subject's own line). Synthetic data: the numbers say
nothing about real SEED.

    python benchmarks/scaling.py                       # 15 subjects, 4 / 9 / 14 training subjects, 20 / 60 s trials
    python benchmarks/scaling.py --subjects 10 --train-subjects 3,6,9 --seconds 20 --models frames_logreg,emotionclip
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    from emoclip_plugin.benchmark.stats import subject_test
    from emoclip_plugin.benchmark.study import (Folder, Variant, add_run_options, run_options, run_study, window_note)
    from emoclip_plugin.estimators import list_estimators
    p = argparse.ArgumentParser(prog="scaling.py", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default="seed", help="seed | seed-iv (default seed)")
    p.add_argument("--subjects", type=int, default=15, help="subjects of each generated folder (default 15)")
    p.add_argument("--train-subjects", dest="train_subjects", default="4,9,14",
                   help="training-subject counts, the points of the curve (default 4,9,14)")
    p.add_argument("--seconds", default="20,60", help="trial lengths in s, one folder each (default 20,60)")
    p.add_argument("--models", default="frames_logreg,emotionclip_mlp,emotionclip,sst_legovit,dgcnn,de_logreg",
                   help="comma-separated benchmark model names")
    p.add_argument("--backbone", default="compact", help="compact (smoke preset) | paper (paper-size SST-LegoViT; "
                                                         "slow on CPU)")
    add_run_options(p, out="runs/scaling", folds=3, seeds="0")
    args = p.parse_args(argv)
    options = run_options(p, args)
    models = [m for m in args.models.split(",") if m]
    if [m for m in models if m not in list_estimators()] or not models:
        p.error(f"--models: choose from {', '.join(list_estimators())}")
    if args.backbone not in ("compact", "paper"):
        p.error(f"--backbone {args.backbone!r}: choose from compact, paper")
    try:
        counts = sorted({int(v) for v in args.train_subjects.split(",") if v.strip()})
        folders = [Folder(args.dataset, args.subjects, float(s)) for s in args.seconds.split(",")]
    except ValueError as err:
        p.error(f"--dataset / --subjects / --train-subjects / --seconds: {err}")
    if not counts or counts[0] < 1 or counts[-1] > args.subjects - 1:
        p.error(f"--train-subjects {args.train_subjects!r}: expected counts between 1 and {args.subjects - 1} "
                f"(--subjects {args.subjects} minus the test subject)")
    if args.folds > args.subjects:
        p.error(f"--folds {args.folds}: the folders have {args.subjects} subjects")
    variants = []
    for m in models:
        paper = args.backbone == "paper" and m in ("emotionclip", "sst_legovit")
        variants.append(Variant(f"{m}-paper" if paper else m, m, {"module_kwargs": {}} if paper else {}))
    frame = run_study(args.out, folders, variants, train_subjects=counts, **options)
    if frame.empty:
        print("no finished tasks", file=sys.stderr)
        return 1
    frame["accuracy_pct"] = 100 * frame["accuracy"]
    per_subject = (frame.groupby(["folder", "variant", "n_train_subjects", "test_subject"], sort=False)
                   .agg(accuracy=("accuracy_pct", "mean"), n_train=("n_train", "mean")).reset_index())
    lines = ["| folder | model | training subjects | training windows / fold | accuracy % (mean ± std over test "
             "subjects) | per test subject |", "|---|---|---|---|---|---|"]
    for (folder, variant, n), g in per_subject.groupby(["folder", "variant", "n_train_subjects"], sort=False):
        g = g.sort_values("test_subject")
        lines.append(f"| {folder} | {variant} | {n} | {g['n_train'].mean():.0f} | {g['accuracy'].mean():.1f} ± "
                     f"{g['accuracy'].std(ddof=0):.1f} | "
                     + ", ".join(f"s{int(t)}: {a:.1f}" for t, a in zip(g["test_subject"], g["accuracy"])) + " |")
    lines += ["", f"Change from {counts[0]} to {counts[-1]} training subjects, paired over the same test subjects "
              "(exact sign-flip test; with k test subjects no p is below 2 / 2^k):", "",
              "| folder | model | change (points) | test subjects | p |", "|---|---|---|---|---|"]
    verdicts = {}
    for (folder, variant), g in per_subject.groupby(["folder", "variant"], sort=False):
        wide = g.pivot(index="test_subject", columns="n_train_subjects", values="accuracy").dropna()
        if counts[0] not in wide or counts[-1] not in wide or wide.empty:
            continue
        diff = (wide[counts[-1]] - wide[counts[0]]).to_numpy()
        _, pvalue = subject_test(diff)
        verdicts[(folder, variant)] = (diff.mean(), pvalue, len(diff))
        lines.append(f"| {folder} | {variant} | {diff.mean():+.1f} | {len(diff)} | {pvalue:.3g} |")
    text = "\n".join(lines)
    (args.out / "scaling.md").write_text(text + f"\n\n(synthetic data, pooled LOSO, test subjects 1-{args.folds} at "
                                         f"every point{window_note(args)}; benchmarks/scaling.py)\n")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    folder_names = list(dict.fromkeys(per_subject["folder"]))
    fig, axes = plt.subplots(1, len(folder_names), figsize=(6.5 * len(folder_names), 4.8), squeeze=False)
    colours = {name: f"C{i}" for i, name in enumerate(dict.fromkeys(per_subject["variant"]))}
    for ax, folder in zip(axes[0], folder_names):
        part = per_subject[per_subject["folder"] == folder]
        for variant, g in part.groupby("variant", sort=False):
            for _, one in g.groupby("test_subject"):
                one = one.sort_values("n_train_subjects")
                ax.plot(one["n_train_subjects"], one["accuracy"], color=colours[variant], alpha=0.25, lw=1)
            mean = g.groupby("n_train_subjects")["accuracy"].agg(["mean", "std"]).sort_index()
            change, pvalue, k = verdicts.get((folder, variant), (float("nan"), float("nan"), 0))
            ax.errorbar(mean.index, mean["mean"], yerr=mean["std"].fillna(0), marker="o", capsize=3,
                        color=colours[variant], label=f"{variant}: {change:+.1f} pts, p = {pvalue:.2g} (n = {k})")
        ax.set_xticks(counts, [str(c) for c in counts])
        ax.set_xlabel("training subjects (nested sets; the same test subjects at every point)")
        ax.set_ylabel("accuracy (%)")
        ax.set_title(f"{folder} (synthetic): mean ± std over {args.folds} test subjects", fontsize=9)
        ax.legend(fontsize=7, title=f"change {counts[0]} -> {counts[-1]}, sign-flip p", title_fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out / "scaling.png", dpi=120)
    print(text)
    print(f"table: {args.out / 'scaling.md'}; plot: {args.out / 'scaling.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
