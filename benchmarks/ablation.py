"""Recipe ablation: EmotionCLIP and the no-text SST-LegoViT head with each recipe piece on / off.

Runs on generated SEED and SEED-IV folders (the embedded default's size and a larger one), pooled leave-one-subject-out
(the first ``--folds`` test subjects), every variant for every seed, through the benchmark's own machinery (same
caches, folds, leakage guard, resumable results). Writes ``OUT/results.csv``, ``OUT/ablation.md`` (mean ± std over
folds, std over seeds). Synthetic data: the numbers say nothing about real SEED.

    python benchmarks/ablation.py --jobs 2
    python benchmarks/ablation.py --folders seed:5:20,seed-iv:5:20 --folds 5 --seeds 0,1
    python benchmarks/ablation.py --folders seed:10:30,seed-iv:10:30 --folds 1 --models emotionclip \
        --pieces flatten_pools,augment        # larger folders, fewer variants
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: The candidate pieces (:func:`_candidates`), each switched off alone from all of them together (``-x``), plus none of
#: them. Refit after early stopping is on in every variant (the benchmark's default, not a recipe piece). ``RECIPE``
#: and ``FLATTEN_POOLS`` keep the pieces that helped on more than one dataset (see the README's ablation).
def _candidates() -> tuple[dict, dict]:
    from emoclip_plugin.benchmark.presets import COMPACT_SST
    from emoclip_plugin.estimators import FLATTEN_POOLS
    candidates = {"standardize": True, "label_smoothing": 0.1,
                  "augment": {"noise": 0.3, "band_drop": 0.2, "electrode_drop": 0.2, "mixup": 0.4},
                  "module_kwargs": {**COMPACT_SST, **FLATTEN_POOLS}}
    pieces = {
        "augment": {"augment": None},
        "label_smoothing": {"label_smoothing": 0.0},
        "standardize": {"standardize": False},
        "flatten_pools": {"module_kwargs": dict(COMPACT_SST)},  # the [E] means over spatial and band tokens
    }
    return candidates, pieces


def variants_for(models: list[str], pieces_for: list[str], only: list[str] | None = None):
    """Per model: all candidate pieces on and, for the models in ``pieces_for``, each piece off alone and every piece
    off. ``only``: switch off just these pieces, and skip "(none)" (a smaller study on larger folders)."""
    from emoclip_plugin.benchmark.study import Variant
    candidates, pieces = _candidates()
    chosen = pieces if only is None else {k: pieces[k] for k in only}
    out = []
    for model in models:
        out.append(Variant(f"{model} (all)", model, dict(candidates)))
        for piece, off in chosen.items() if model in pieces_for else ():
            out.append(Variant(f"{model} -{piece}", model, {**candidates, **off}))
        if model in pieces_for and only is None:
            out.append(Variant(f"{model} (none)", model, {k: v for off in pieces.values() for k, v in off.items()}))
    return out


def main(argv: list[str] | None = None) -> int:
    from emoclip_plugin.benchmark.study import (Folder, Variant, add_run_options, run_options, run_study, summarise,
                                                window_note)
    from emoclip_plugin.estimators import list_estimators
    p = argparse.ArgumentParser(prog="ablation.py", description=__doc__.split("\n")[0])
    p.add_argument("--folders", default="seed:5:20,seed-iv:5:20",
                   help="generated folders as dataset:subjects:seconds,... (default: the embedded default's size)")
    p.add_argument("--generator-seed", dest="generator_seed", type=int, default=1,
                   help="seed of the generated folders (default 1: not the embedded default's 0, whose numbers the "
                        "README reports, so the recipe is chosen on other data)")
    p.add_argument("--models", default="emotionclip,sst_legovit")
    p.add_argument("--pieces-for", dest="pieces_for", default="emotionclip",
                   help="models with each piece switched off alone and all off (the others: the full recipe only); "
                        "default emotionclip")
    p.add_argument("--pieces", default=None,
                   help="switch off only these pieces, comma-separated (default: each candidate piece, and all of "
                        "them together)")
    p.add_argument("--probes", default="frames_logreg,dgcnn",
                   help="reference models run once per folder")
    add_run_options(p, out="runs/ablation", folds=2, seeds="0,1")
    args = p.parse_args(argv)
    options = run_options(p, args)
    try:
        folders = []
        for item in args.folders.split(","):
            dataset, n, s = item.split(":")
            folders.append(Folder(dataset, int(n), float(s), args.generator_seed))
    except ValueError as err:
        p.error(f"--folders {args.folders!r}: {err}; expected dataset:subjects:seconds,..., e.g. seed:5:20")
    models = [m for m in args.models.split(",") if m]
    probes = [m for m in args.probes.split(",") if m]
    if [m for m in models if m not in ("emotionclip", "sst_legovit")] or not models:
        p.error("--models: emotionclip and/or sst_legovit")
    if [m for m in probes if m not in list_estimators()]:
        p.error(f"--probes: choose from {', '.join(list_estimators())}")
    only = None if args.pieces is None else [x for x in args.pieces.split(",") if x]
    if only is not None and (not only or [x for x in only if x not in _candidates()[1]]):
        p.error(f"--pieces {args.pieces!r}: choose from {', '.join(_candidates()[1])}")
    variants = (variants_for(models, [m for m in args.pieces_for.split(",") if m], only)
                + [Variant(m, m, {}) for m in probes])
    frame = run_study(args.out, folders, variants, **options)
    if frame.empty:
        print("no finished tasks", file=sys.stderr)
        return 1
    table = summarise(frame, ["folder", "variant"])
    labels = [f.label for f in folders]
    lines = ["| variant | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for name in dict.fromkeys(v.name for v in variants):
        cells = []
        for label in labels:
            r = table[(table["folder"] == label) & (table["variant"] == name)]
            cells.append("—" if r.empty else f"{r['accuracy'].iloc[0]:.1f} ± {r['std_folds'].iloc[0]:.1f} "
                                             f"(seeds ± {r['std_seeds'].iloc[0]:.1f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    (args.out / "ablation.md").write_text(
        text + "\n\nAccuracy % on synthetic folders: mean ± std over folds (each fold averaged over seeds "
               f"{options['seeds']}), then the std over seeds; pooled LOSO, first {args.folds} test subjects"
               f"{window_note(args)}. benchmarks/ablation.py\n")
    print(text)
    print(f"table: {args.out / 'ablation.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
