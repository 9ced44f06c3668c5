"""The benchmark command line (``benchmarks/run_all.py``, console script ``emoclip-bench``).

Current scope: the classical baseline (band DE + standardisation + logistic regression) under strict
leave-one-subject-out on SEED / SEED-IV folders loaded through TorchEEG; with no ``--root`` it writes and uses the
embedded default (a small generated SEED-format folder). Normalisation statistics come from the training subjects
only (a scikit-learn ``Pipeline`` fitted per fold); the test subject is used once.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATASETS = ("seed", "seed-iv")


def _embedded_default(dataset: str, cache: Path) -> Path:
    from .data.synthetic import write_folder
    root = cache / "embedded" / f"{dataset}-5subjects-30s-seed0"
    if not root.exists():
        print(f"writing the embedded default {dataset} folder (synthetic, 5 subjects) to {root}")
        write_folder(root, dataset)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_all.py", description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=DATASETS + ("all",), default=None,
                        help="dataset kind (default: detected from --root, or 'seed' for the embedded default)")
    parser.add_argument("--root", type=Path, default=None, help="a real Preprocessed_EEG/ or eeg_raw_data/ folder")
    parser.add_argument("--out", type=Path, default=Path("runs/latest"), help="results folder (default runs/latest)")
    parser.add_argument("--cache", type=Path, default=None, help="cache folder (default ~/.cache/emoclip-plugin)")
    args = parser.parse_args(argv)

    from .data.cache import default_cache_dir
    from .data.folders import detect_family
    from .data.seed import load_dataset, to_numpy
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cache = args.cache or default_cache_dir()
    if args.root is not None:
        if not args.root.is_dir():
            parser.error(f"--root {args.root}: folder not found")
        family = detect_family(args.root)
        if family.endswith("-features"):
            parser.error(f"--root {args.root} is a feature folder ({family}); this command needs raw EEG")
        if args.dataset not in (None, family):
            parser.error(f"--dataset {args.dataset} does not match the folder, which looks like {family}")
        runs = [(family, args.root, "real data")]
    else:
        names = DATASETS if args.dataset == "all" else (args.dataset or "seed",)
        runs = [(d, _embedded_default(d, cache), "synthetic embedded default") for d in names]

    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for dataset, root, origin in runs:
        ds = load_dataset(root, dataset, "de", cache_dir=cache / "datasets")
        X, y, info = to_numpy(ds)
        X = X.reshape(len(X), -1)
        subjects = sorted(info["subject_id"].unique())
        print(f"{dataset} ({origin}): {len(X)} windows, {len(subjects)} subjects; protocol cross-subject "
              f"leave-one-subject-out, sessions pooled ({len(subjects)} folds); model logreg (DE + LR)")
        for s in subjects:
            test = (info["subject_id"] == s).to_numpy()
            t0 = time.perf_counter()
            clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X[~test], y[~test])
            pred = clf.predict(X[test])
            rows.append(dict(dataset=dataset, protocol="cross-subject", preset="strict", model="logreg", fold=int(s),
                             test_subject=int(s), test_session="all", n_train=int((~test).sum()),
                             n_test=int(test.sum()), accuracy=accuracy_score(y[test], pred),
                             f1_macro=f1_score(y[test], pred, average="macro"),
                             train_seconds=time.perf_counter() - t0, seed=0, data=origin))
    tmp = args.out / ".results.csv.tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, args.out / "results.csv")
    lines = ["| dataset | protocol | model | folds | accuracy (mean ± std) | F1 macro |", "|---|---|---|---|---|---|"]
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        sub = [r for r in rows if r["dataset"] == dataset]
        acc = np.array([r["accuracy"] for r in sub])
        f1 = np.array([r["f1_macro"] for r in sub])
        lines.append(f"| {dataset} ({sub[0]['data']}) | cross-subject LOSO, strict | logreg | {len(sub)} | "
                     f"{100 * acc.mean():.2f} ± {100 * acc.std():.2f} | {100 * f1.mean():.2f} |")
    summary = "\n".join(lines)
    (args.out / "summary.md").write_text(summary + "\n")
    print(summary)
    print(f"results: {args.out / 'results.csv'}, summary: {args.out / 'summary.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
