"""Recipe ablation: EmotionCLIP and the no-text SST-LegoViT head with each recipe piece on / off.

The base is the smoke preset's own recipe (``RECIPE`` and ``FLATTEN_POOLS`` on the compact backbone): each of its
pieces is switched off alone (today ``-flatten_pools``), each candidate it does not have is switched on alone
(``+augment``, ``+standardize``, ``+label_smoothing``), and ``(none)``, every piece off, is the paper's recipe on the
same backbone (listed when the recipe has more than one piece).

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

def _pieces(model: str) -> tuple[dict, dict]:
    """``(off, extra)`` for ``model``, built from the smoke preset and ``RECIPE``, never from a copied literal.

    ``off``: piece -> the parameters that switch one piece of the preset's recipe off (each key of ``RECIPE`` back to
    the estimator's own default; ``flatten_pools``: the preset's ``module_kwargs`` without ``FLATTEN_POOLS``).
    ``extra``: candidate pieces that ``RECIPE`` does not have (frame-grid augmentation ``GRID_AUGMENT``, input
    standardisation, label smoothing 0.1), each switched on alone."""
    from emoclip_plugin.benchmark.presets import resolve_config
    from emoclip_plugin.estimators import FLATTEN_POOLS, GRID_AUGMENT, RECIPE, get_estimator
    preset = resolve_config("smoke")["models"][model]
    defaults = get_estimator(model).get_params()
    off = {key: {key: defaults[key]} for key in RECIPE}
    kwargs = dict(preset.get("module_kwargs") or {})
    if all(kwargs.get(k) == v for k, v in FLATTEN_POOLS.items()):
        off["flatten_pools"] = {"module_kwargs": {k: v for k, v in kwargs.items() if k not in FLATTEN_POOLS}}
    candidates = (("augment", dict(GRID_AUGMENT)), ("standardize", True), ("label_smoothing", 0.1))
    extra = {name: {name: value} for name, value in candidates
             if name not in RECIPE and preset.get(name, defaults[name]) != value}
    return off, extra


def piece_names() -> list[str]:
    off, extra = _pieces("emotionclip")
    return list(off) + list(extra)


def variants_for(models: list[str], pieces_for: list[str], only: list[str] | None = None):
    """Per model: the smoke preset's recipe (``RECIPE`` + ``FLATTEN_POOLS``) and, for the models in ``pieces_for``,
    each of its pieces off alone (``-x``), each candidate it does not have on alone (``+x``) and, when the recipe has
    more than one piece, every piece off (``(none)``). ``only``: just these pieces, and no ``(none)``."""
    from emoclip_plugin.benchmark.study import Variant
    out = []
    for model in models:
        off, extra = _pieces(model)
        out.append(Variant(f"{model} (recipe)", model, {}))
        if model not in pieces_for:
            continue
        for piece, params in off.items():
            if only is None or piece in only:
                out.append(Variant(f"{model} -{piece}", model, params))
        for piece, params in extra.items():
            if only is None or piece in only:
                out.append(Variant(f"{model} +{piece}", model, params))
        if only is None and len(off) > 1:
            out.append(Variant(f"{model} (none)", model, {k: v for params in off.values() for k, v in params.items()}))
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
                   help="only these pieces, comma-separated: the recipe's (switched off alone) and the candidates "
                        "it lacks (switched on alone); default: all, and every recipe piece off together")
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
    if only is not None and (not only or [x for x in only if x not in piece_names()]):
        p.error(f"--pieces {args.pieces!r}: choose from {', '.join(piece_names())}")
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
    lines += ["", "Paired against the recipe, test subject as the unit (each fold averaged over seeds first): "
                  "mean difference in points [95 % bootstrap over subjects], exact sign-flip p, subjects", "",
              "| variant − recipe | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    from emoclip_plugin.benchmark.stats import compare
    for model in models:
        base = f"{model} (recipe)"
        for name in [v.name for v in variants if v.model == model and v.name != base]:
            cells = []
            for label in labels:
                part = frame[frame["folder"] == label]
                found = compare(part, "variant", [(name, base)], n_boot=10000)
                cells.append("—" if not found else
                             f"{found[0]['mean_diff']:+.1f} [{found[0]['ci_low']:+.1f}, {found[0]['ci_high']:+.1f}], "
                             f"p {found[0]['p']:.3g}, n {found[0]['n_subjects']}")
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
