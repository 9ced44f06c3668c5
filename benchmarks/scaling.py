"""Data scaling: accuracy against training windows per fold, on generated SEED folders of growing size.

Each model trains on generated SEED-format folders with more subjects and longer trials (pooled leave-one-subject-out,
the first ``--folds`` test subjects, the benchmark's ``smoke`` preset recipes), so one sees how much data each model
needs, e.g. when SST-LegoViT overtakes the input probes. Writes ``OUT/results.csv``, ``OUT/scaling.md`` (table) and
``OUT/scaling.png`` (accuracy vs training windows per fold). Synthetic data: the numbers say nothing about real SEED.

    python benchmarks/scaling.py                       # 5 / 10 / 15 subjects x 20 / 60 s trials, compact backbone
    python benchmarks/scaling.py --subjects 5,10 --seconds 20 --models frames_logreg,emotionclip --jobs 2
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    from emoclip_plugin.benchmark.study import (Folder, Variant, add_run_options, run_options, run_study, summarise,
                                                window_note)
    from emoclip_plugin.estimators import list_estimators
    p = argparse.ArgumentParser(prog="scaling.py", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default="seed", help="seed | seed-iv (default seed)")
    p.add_argument("--subjects", default="5,10,15", help="subjects per generated folder (default 5,10,15)")
    p.add_argument("--seconds", default="20,60", help="trial lengths in s (default 20,60)")
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
        folders = [Folder(args.dataset, int(n), float(s)) for n in args.subjects.split(",")
                   for s in args.seconds.split(",")]
    except ValueError as err:
        p.error(f"--dataset / --subjects / --seconds: {err}")
    variants = []
    for m in models:
        paper = args.backbone == "paper" and m in ("emotionclip", "sst_legovit")
        variants.append(Variant(f"{m}-paper" if paper else m, m, {"module_kwargs": {}} if paper else {}))
    frame = run_study(args.out, folders, variants, **options)
    if frame.empty:
        print("no finished tasks", file=sys.stderr)
        return 1
    table = summarise(frame, ["folder", "variant"])
    windows = frame.groupby(["folder", "variant"], sort=False)["n_train"].mean().rename("train_windows")
    table = table.merge(windows.reset_index(), on=["folder", "variant"])
    lines = ["| folder | model | training windows / fold | accuracy % (mean ± std over folds) | folds x seeds |",
             "|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.folder} | {r.variant} | {r.train_windows:.0f} | {r.accuracy:.1f} ± {r.std_folds:.1f} | "
                     f"{r.folds} x {r.seeds} |")
    text = "\n".join(lines)
    (args.out / "scaling.md").write_text(text + "\n\n(synthetic data, pooled LOSO, first "
                                         f"{args.folds} test subjects{window_note(args)}; benchmarks/scaling.py)\n")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    probe = "frames_logreg" if "frames_logreg" in set(frame["variant"]) else None
    fig, axes = plt.subplots(1, 2 if probe else 1, figsize=(13 if probe else 7, 4.5), squeeze=False)
    ax = axes[0, 0]
    colours = {name: f"C{i}" for i, name in enumerate(dict.fromkeys(table["variant"]))}  # the same in both panels
    for name, group in table.groupby("variant", sort=False):
        group = group.sort_values("train_windows")
        ax.errorbar(group["train_windows"], group["accuracy"], yerr=group["std_folds"], marker="o", capsize=3,
                    label=name, color=colours[name])
    ax.set_xscale("log")
    ax.set_xlabel("training windows per fold (each model's own input)")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(f"Data scaling on generated {args.dataset} folders (synthetic)")
    ax.legend(fontsize=8)
    if probe:
        # Folders of different sizes draw different test subjects; the difference to the probe on the same fold and
        # seed takes the subject's difficulty out.
        keys = ["folder", "fold", "seed"]
        ref = frame[frame["variant"] == probe].set_index(keys)[["accuracy", "n_train"]]
        paired = frame[frame["variant"] != probe].join(ref, on=keys, rsuffix="_probe")
        paired = paired.dropna(subset=["accuracy_probe"])
        paired["diff"] = 100 * (paired["accuracy"] - paired["accuracy_probe"])
        ax = axes[0, 1]
        for name, group in paired.groupby("variant", sort=False):
            points = group.groupby("folder", sort=False).agg(x=("n_train_probe", "mean"), y=("diff", "mean"))
            points = points.sort_values("x")
            ax.plot(points["x"], points["y"], marker="o", label=name, color=colours[name])
        ax.axhline(0, color="grey", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel(f"training windows per fold ({probe}'s input: EmotionCLIP's frame grids)")
        ax.set_ylabel(f"accuracy − {probe} on the same fold (points)")
        ax.set_title("Against the probe of EmotionCLIP's input")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / "scaling.png", dpi=120)
    print(text)
    print(f"table: {args.out / 'scaling.md'}; plot: {args.out / 'scaling.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
