"""``run_moabb.py``: EmotionCLIP against DGCNN and a Riemannian baseline, the MOABB way, on SEED / SEED-IV folders.

Without ``--root`` it runs on the embedded default (a small synthetic SEED-format folder, as ``run_all.py``; its
numbers say nothing about real SEED). MOABB runs the evaluation (its folds, its result cache under ``OUT/moabb_cache``
so a rerun resumes); we add trial-safe within-session folds (:mod:`.evaluation`) and the pipelines of
:mod:`.pipelines`. Output: MOABB's results table on the terminal and in ``OUT/moabb_results.csv`` (MOABB's columns
``score, time, samples, subject, session, dataset, pipeline``..., plus ``evaluation``, ``split``, ``calibration``,
``preset``, ``data``), a per-pipeline summary, and ``OUT/moabb_provenance.json``.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import logging
import os
import sys
import warnings
from pathlib import Path

#: ``--calibration`` -> MOABB's cross-subject ``cs_mode``.
CALIBRATIONS = {"none": None, "labeled-20p": "train_and_target_labeled_20p",
                "labeled-50p": "train_and_target_labeled_50p"}


def build_parser() -> argparse.ArgumentParser:
    from ..benchmark.presets import PRESETS
    from .evaluation import EVALUATIONS
    from .pipelines import PIPELINES
    p = argparse.ArgumentParser(prog="run_moabb.py", description=__doc__.split("\n")[0])
    p.add_argument("--root", type=Path, default=None,
                   help="a SEED Preprocessed_EEG/ or SEED-IV eeg_raw_data/ folder (default: the embedded default)")
    p.add_argument("--dataset", default=None, choices=("seed", "seed-iv"),
                   help="which dataset --root holds (default: detected; 'seed' for the embedded default)")
    p.add_argument("--evaluation", default="within-session", choices=EVALUATIONS,
                   help="MOABB evaluation (default within-session)")
    p.add_argument("--split", default="standard", choices=("standard", "trials"),
                   help="within-session folds: standard = first 9 trials train, last 6 test (SEED-IV 16 / 8); "
                        "trials = GroupKFold over trials (default standard)")
    p.add_argument("--folds", type=int, default=5, help="folds for --split trials (default 5)")
    p.add_argument("--calibration", default="none", choices=tuple(CALIBRATIONS),
                   help="cross-subject target calibration: the first 20 %% / 50 %% of each target session's windows "
                        "with labels added to training (MOABB >= 1.6 cs_mode; default none)")
    p.add_argument("--preset", default=None, choices=tuple(PRESETS),
                   help="model settings as in run_all.py (default: smoke for the embedded default, strict with --root)")
    p.add_argument("--pipelines", default=",".join(PIPELINES), help=f"comma-separated from {','.join(PIPELINES)}")
    p.add_argument("--window-seconds", dest="window_seconds", type=float, default=2.0,
                   help="window length in s (default 2, EmotionCLIP's)")
    p.add_argument("--subjects", default=None, help="comma-separated subject numbers (default: all)")
    p.add_argument("--max-epochs", dest="max_epochs", type=int, default=None,
                   help="cap the neural models' epochs (a quick check)")
    p.add_argument("--device", default=None, help="auto | cpu | cuda | cuda:N (default: the preset's, auto)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the neural models and MOABB (default 0)")
    p.add_argument("--out", type=Path, default=Path("runs/moabb"), help="results folder (default runs/moabb)")
    p.add_argument("--overwrite", action="store_true", help="ignore MOABB's cached results in OUT/moabb_cache")
    p.add_argument("--cache", type=Path, default=None, help="cache folder for the embedded default (default "
                                                            "$EMOCLIP_CACHE or ~/.cache/emoclip-plugin)")
    p.add_argument("--verbose", action="store_true", help="MOABB's progress and a full traceback for data errors")
    return p


def _summary(results) -> str:
    table = results.groupby("pipeline")["score"].agg(["mean", "std", "count"])
    lines = ["| pipeline | accuracy % (mean ± std over subject-sessions) | rows |", "|---|---|---|"]
    for name, row in table.iterrows():
        std = 0.0 if row["count"] < 2 else row["std"]
        lines.append(f"| {name} | {100 * row['mean']:.1f} ± {100 * std:.1f} | {int(row['count'])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command (``argv``: its arguments; default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..benchmark.presets import resolve_config
    from ..benchmark.store import atomic_write
    from ..benchmark.fingerprint import package_versions
    from ..data.cache import default_cache_dir
    from ..data.folders import DataFolderError, detect_family
    from ..data.synthetic import embedded_default
    from .datasets import SEED, SEEDIV
    from .evaluation import make_evaluation
    from .paradigm import EmotionParadigm
    from .pipelines import make_pipelines

    def fail(message: str) -> None:
        parser.exit(2, f"{parser.prog}: error: {' '.join(str(message).split())}\n")

    names = [n.strip() for n in args.pipelines.split(",") if n.strip()]
    subjects = None
    try:
        if args.subjects:
            subjects = [int(s) for s in args.subjects.split(",") if s.strip()]
    except ValueError:
        fail(f"--subjects {args.subjects!r}: expected comma-separated subject numbers, e.g. 1,2,3")
    if args.folds < 2:
        fail(f"--folds {args.folds}: expected at least 2")
    if args.max_epochs is not None and args.max_epochs < 1:
        fail(f"--max-epochs {args.max_epochs}: expected at least 1")
    if args.calibration != "none" and args.evaluation != "cross-subject":
        fail(f"--calibration {args.calibration} needs --evaluation cross-subject")
    embedded = args.root is None
    if embedded:
        dataset_name = args.dataset or "seed"
        root = embedded_default(dataset_name, args.cache or default_cache_dir())
        data_label = "synthetic (embedded default)"
    else:
        root = args.root
        try:
            family = detect_family(root)
        except (FileNotFoundError, DataFolderError) as err:
            fail(err)
        if family not in ("seed", "seed-iv"):
            fail(f"--root {root}: holds {family} (extracted features); MOABB needs raw EEG (Preprocessed_EEG/ or "
                 f"eeg_raw_data/)")
        if args.dataset and args.dataset != family:
            fail(f"--dataset {args.dataset} but {root} holds {family}")
        dataset_name = family
        data_label = "user folder"
    preset = args.preset or ("smoke" if embedded else "strict")
    config = resolve_config(preset)
    if args.max_epochs is not None:
        for model in ("emotionclip", "dgcnn"):
            config["models"][model] = {**config["models"][model], "max_epochs": args.max_epochs}
    if not args.verbose:
        logging.getLogger("moabb").setLevel(logging.ERROR)
        logging.getLogger("mne").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module="moabb")
        os.environ.setdefault("TQDM_DISABLE", "1")
    try:
        dataset = (SEED if dataset_name == "seed" else SEEDIV)(root, window_seconds=args.window_seconds,
                                                                subjects=subjects)
        pipelines = make_pipelines(dataset, config=config, names=names, device=args.device,
                                   random_state=args.seed)
        evaluation = make_evaluation(args.evaluation, EmotionParadigm(), [dataset], split=args.split,
                                     n_folds=args.folds, cs_mode=CALIBRATIONS[args.calibration],
                                     hdf5_path=str(args.out / "moabb_cache"), overwrite=args.overwrite,
                                     random_state=args.seed)
    except (FileNotFoundError, DataFolderError, ValueError) as err:
        if args.verbose:
            raise
        fail(err)
    print(f"MOABB {args.evaluation} evaluation on {dataset.code} ({data_label}: {root}); "
          f"{len(dataset.subject_list)} subjects, {args.window_seconds:g}-s windows; preset {preset}; "
          f"pipelines {', '.join(pipelines)}"
          + (f"; split {args.split}" if args.evaluation == "within-session" else "")
          + (f"; calibration {args.calibration}" if args.evaluation == "cross-subject" else ""), flush=True)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    try:
        results = evaluation.process(pipelines)
    except DataFolderError as err:  # a bad file found while reading: one line, no traceback
        if args.verbose:
            raise
        fail(err)
    results["evaluation"] = args.evaluation
    results["split"] = args.split if args.evaluation == "within-session" else ""
    results["calibration"] = args.calibration if args.evaluation == "cross-subject" else ""
    results["preset"] = preset
    results["data"] = data_label
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / "moabb_results.csv", results.to_csv(index=False))
    provenance = {"command": "run_moabb.py " + " ".join(sys.argv[1:] if argv is None else argv),
                  "started": started, "root": str(root), "data": data_label, "dataset_code": dataset.code,
                  "evaluation": args.evaluation, "split": args.split, "calibration": args.calibration,
                  "preset": preset, "models": {k: config["models"][k] for k in ("emotionclip", "dgcnn")},
                  "window_seconds": args.window_seconds, "seed": args.seed, "versions": package_versions()}
    atomic_write(args.out / "moabb_provenance.json", json.dumps(provenance, indent=1, default=str))
    import pandas as pd
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(results.drop(columns=["data"]).to_string(index=False))
    print()
    print(_summary(results))
    print(f"results: {args.out / 'moabb_results.csv'} ({len(results)} rows)")
    return 0
