"""The benchmark command line: ``python benchmarks/run_all.py`` (console script ``emoclip-bench``).

Runs EmotionCLIP and the baselines on SEED / SEED-IV under strict, leakage-free protocols and writes
``OUT/results.csv`` (one row per dataset x protocol x model x fold x seed), ``OUT/provenance.json``, ``OUT/summary.md``
and plots. Without ``--root`` it writes the embedded default (a small synthetic SEED-format folder) into the cache and
runs the ``smoke`` preset on it. Re-running the same command skips finished folds.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .benchmark.api import ALL_PROTOCOLS, DATASETS, PROTOCOL_CHOICES, BenchmarkError  # noqa: F401

#: A command-line value that cannot work; reported before any work starts (the API's error).
UsageError = BenchmarkError


def _seconds_or_auto(text: str) -> float | str:
    """``--baseline-seconds``: a number of seconds, or ``auto``."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds or auto, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    from .estimators import list_estimators
    from .benchmark.presets import PRESETS
    p = argparse.ArgumentParser(prog="run_all.py", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", default=None, help=f"{' | '.join(DATASETS)} | all (default: detected from --root; "
                                                   "'seed' for the embedded default)")
    p.add_argument("--root", type=Path, action="append", default=None,
                   help="a real Preprocessed_EEG/ or eeg_raw_data/ folder (feature folders: DE models only); "
                        "repeat for SEED and SEED-IV")
    p.add_argument("--protocol", default="cross-subject",
                   help=" | ".join(PROTOCOL_CHOICES) + ", or several comma-separated (default cross-subject; all = the "
                        "three within-dataset protocols; cross-dataset needs SEED and SEED-IV)")
    p.add_argument("--models", default=None, help=f"comma-separated, from {','.join(list_estimators())}, "
                                                  "braindecode:<Model>, torcheeg:<Model>, names defined in "
                                                  "--config, or 'literature' (EmotionCLIP, SST-LegoViT and the SEED "
                                                  "literature's baselines) (default: the preset's; list: run_all.py "
                                                  "models)")
    p.add_argument("--preset", default=None, help=f"{' | '.join(PRESETS)} (default: smoke for the embedded default, "
                                                  "strict with --root); several comma-separated (strict,paper) run "
                                                  "on the same folds and are compared per model (inflation)")
    p.add_argument("--config", type=Path, default=None, help="YAML file overriding the preset's settings")
    p.add_argument("--out", type=Path, default=Path("runs/latest"), help="results folder (default runs/latest)")
    p.add_argument("--jobs", type=int, default=1, help="folds in parallel processes on this machine (default 1)")
    p.add_argument("--scheduler", default=None, help="address of a Dask scheduler, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 42, the paper's)")
    p.add_argument("--seeds", default=None, help="several seeds, every fold run once per seed: a list (0,1,2) or a count "
                                                 "N (seeds 0..N-1); the summary gives the spread over folds and over "
                                                 "seeds separately")
    p.add_argument("--shots", type=int, default=None, help="labelled windows per class of the test subject/session "
                                                           "added to training (default: the preset's; strict 0)")
    p.add_argument("--cross-subject", dest="cross_subject", default=None,
                   help="per-session | pooled (default: the preset's)")
    feats = p.add_argument_group("features (default: the preset's; they key the caches and are recorded per row)")
    feats.add_argument("--baseline-seconds", dest="baseline_seconds", type=_seconds_or_auto, default=None,
                       help="EmotionCLIP grids: seconds at each trial's start whose mean feature is subtracted, then "
                            "dropped (paper 5; 0 = no baseline; auto = per fold, the paper's 5 s subtracted or only "
                            "dropped, whichever the grid probe reads better on held-out training subjects)")
    feats.add_argument("--window-seconds", dest="window_seconds", type=float, default=None,
                       help="EmotionCLIP grids: window length in s (paper 2)")
    feats.add_argument("--frame-seconds", dest="frame_seconds", type=float, default=None,
                       help="EmotionCLIP grids: frame length in s (paper 0.5 -> 4 frames per 2-s window)")
    feats.add_argument("--bands", default=None, help="EmotionCLIP grids: bands as name:low-high,... in Hz "
                                                     "(paper: six bands, see FrameFeatureConfig)")
    feats.add_argument("--zscore", default=None, help="EmotionCLIP grids: on | off, z-score each map across electrodes "
                                                      "(paper on)")
    feats.add_argument("--de-window", dest="de_window", type=float, default=None,
                       help="band-DE / raw window in s (default 1 SEED, 4 SEED-IV)")
    comp = p.add_argument_group("compute (default: the preset's; recorded per row)")
    comp.add_argument("--device", default=None, help="auto | cpu | cuda | cuda:N for the neural models (default auto: "
                                                     "CUDA when available); with --jobs, 'cuda' gives each worker its "
                                                     "own GPU, round robin")
    comp.add_argument("--precision", default=None, help="32 | bf16 | 16-mixed | auto (default auto: bf16 on a GPU "
                                                        "that has it, else 32)")
    comp.add_argument("--compile", action="store_true", default=None, help="torch.compile the neural models")
    comp.add_argument("--estimate", action="store_true",
                      help="build the task grid, time a few training steps and an evaluation pass of each model on "
                           "the chosen device, print the projected wall time, and exit without training")
    comp.add_argument("--estimate-steps", dest="estimate_steps", type=int, default=20,
                      help="at most this many training steps timed per model by --estimate (default 20)")
    comp.add_argument("--estimate-seconds", dest="estimate_seconds", type=float, default=5.0,
                      help="at most this many seconds of training timed per model by --estimate, after one warm-up "
                           "step (default 5; the evaluation pass gets half as long)")
    p.add_argument("--threads", type=int, default=None, help="torch threads per task (default: cores / jobs)")
    p.add_argument("--cache", type=Path, default=None, help="cache folder (default $EMOCLIP_CACHE or "
                                                            "~/.cache/emoclip-plugin)")
    p.add_argument("--resume-any-code", dest="resume_any_code", action="store_true",
                   help="reuse finished folds computed by other code (another code fingerprint); off by default, "
                        "recorded in provenance.json, and the summary says when a table mixes fingerprints")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress bars)")
    p.add_argument("--verbose", action="store_true",
                   help="the estimator's own epoch bars (instead of the running folds' bars), and a full traceback "
                        "for data errors")
    return p


def _one_line(err: BaseException) -> str:
    """An error message on one line (the messages name the file first: ``<file>: <problem>``)."""
    return " ".join(str(err).split())


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings on the command line: one line, ``<Category>: <message>`` (no source line under it), written
    above any progress bar."""
    from tqdm.auto import tqdm
    tqdm.write(f"{category.__name__}: {_one_line(message)}", file=file or sys.stderr)


def run(argv: list[str] | None = None) -> int:
    """``run_all.py [options]``: parse the options into :func:`emoclip_plugin.benchmark.run`'s and report its
    errors on one line (exit 2 for an option, a data file or the leakage guard; 1 when a fold failed); warnings on
    one line each."""
    import warnings
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    from .benchmark.api import RunOptions, execute_run, resolve
    from .data.folders import DataFolderError
    from .benchmark.protocols import LeakageError

    parser = build_parser()
    args = parser.parse_args(argv)
    options = {k: v for k, v in vars(args).items()}
    options["command"] = [sys.executable] + sys.argv if argv is None else ["run_all.py", *argv]
    try:
        opts = RunOptions.from_kwargs(**options)
        settings = resolve(opts)
    except BenchmarkError as err:  # a bad option value: one line (argparse's own errors add its usage block)
        parser.exit(2, f"{parser.prog}: error: {_one_line(err)}\n")
    try:
        result = execute_run(opts, settings)
    except BenchmarkError as err:
        parser.exit(2, f"{parser.prog}: error: {_one_line(err)}\n")
    except DataFolderError as err:  # a bad file found while reading: one line, no traceback
        if args.verbose:
            raise
        parser.exit(2, f"{parser.prog}: error: {_one_line(err)}\n")
    except LeakageError as err:
        print(f"leakage guard: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{parser.prog}: interrupted; the folds finished so far are saved in {opts.out}/folds: the same "
              "command (same --out) goes on from there", file=sys.stderr)
        return 130
    if opts.estimate:
        return 0
    if result.errors:
        print(f"{len(result.errors)} task(s) failed: " + "; ".join(f"{t}: {e}" for t, e in result.errors),
              file=sys.stderr)
        return 1
    return 0


def models_command(argv: list[str]) -> int:
    """``run_all.py models [--preset P] [--config FILE]``: every model name with its library, input kind, parameter
    count (at the preset's settings and SEED's default shapes) and where its hyper-parameters come from."""
    from .benchmark.presets import PRESETS, ConfigError, resolve_config
    from .estimators.catalog import TORCHEEG_UNSUPPORTED, model_table, zoo_names
    p = argparse.ArgumentParser(prog="run_all.py models", description=models_command.__doc__.split("\n")[0])
    p.add_argument("--preset", default="smoke", help=f"{' | '.join(PRESETS)} (default smoke): its model settings")
    p.add_argument("--config", type=Path, default=None, help="YAML file overriding the preset's settings")
    p.add_argument("--markdown", action="store_true", help="a Markdown table (the README's)")
    args = p.parse_args(argv)
    try:
        config = resolve_config(args.preset, args.config)
    except ConfigError as err:
        p.exit(2, f"{p.prog}: error: {_one_line(err)}\n")
    from .estimators import list_estimators
    table = model_table(list_estimators() + zoo_names(), config["models"])
    table["parameters"] = [f"{int(v):,}" if v == v and v is not None else "-" for v in table["parameters"]]
    note = ("Any other braindecode model with the signal parameters n_chans / n_outputs / n_times runs as "
            "braindecode:<Model>. Not wired: " + "; ".join(f"torcheeg:{k} ({v})" for k, v in
                                                           TORCHEEG_UNSUPPORTED.items()) + ".")
    columns = ["name", "library", "input", "parameters", "hyper-parameters"]
    if args.markdown:
        print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
        for row in table[columns].itertuples(index=False):
            print("| " + " | ".join(f"`{v}`" if i == 0 else str(v) for i, v in enumerate(row)) + " |")
        print(f"\nParameters: trainable, at the `{args.preset}` preset's settings and SEED's default input shapes "
              f"(62 channels, 1-s raw windows at 200 Hz); `-`: a scikit-learn model, or EmotionCLIP / its probe, whose "
              f"size depends on the text encoder. {note}")
        return 0
    widths = {c: max(len(c), *(len(str(v)) for v in table[c])) for c in columns[:4]}
    print("  ".join(c.ljust(widths[c]) for c in widths) + "  hyper-parameters")
    for row in table[columns].itertuples(index=False):
        print("  ".join(str(v).ljust(widths[c]) for c, v in zip(widths, row)) + f"  {row[4]}")
    print(note)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``run_all.py [options]`` runs the benchmark; ``run_all.py models`` lists the models; ``run_all.py cache
    list|clear ...`` manages the caches."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["cache"]:
        from .benchmark.caches import main as cache_main
        return cache_main(args[1:])
    if args[:1] == ["models"]:
        return models_command(args[1:])
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
