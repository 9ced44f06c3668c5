"""Model speed on a chosen device and precision: training and inference windows/s, achieved TFLOP/s, one run.

Rows: ``emotionclip`` and ``sst_legovit`` at the paper's size (d_model 128, depths (2, 2, 2), 64x64 working grid),
``emotionclip-compact`` (d_model 32, depths (1, 1, 1), 32x32 working grid), ``emotionclip-mlp`` (flat DE [310] ->
MLP encoder) and ``dgcnn`` (TorchEEG). Inputs: ``--inputs generated`` (default) reads a generated SEED folder through
TorchEEG (EmotionCLIP / SST-LegoViT: ``[4, 12, 9, 9]`` frame grids of 2-s windows; DGCNN: band DE ``[62, 5]``);
``--inputs random`` uses standard-normal arrays of the same shapes (speed does not depend on the values; for machines
without the data stack). For each model it prints

* training windows/s: the second of two epochs of the scikit-learn estimator's ``fit`` (AdamW, the recipe's batch
  size 64, no validation split; the first epoch warms up caches and ``torch.compile``), on ``--device`` in
  ``--precision``;
* inference windows/s: one prediction pass (``--eval-batch-size``);
* forward GFLOP per window (``torch.utils.flop_counter``: matrix products, convolutions, attention), the achieved
  TFLOP/s (training: 3x the forward FLOPs) and, on a known GPU, the share of its dense peak at that precision;
* on the CPU also: latency per window at batch 1 and batch 256 on 1 thread.

Rows ``<preset>:<model>`` (``--presets``, default ``smoke,strict``) train each of the preset's neural default models
exactly as the benchmark configures it (the preset's parameters: batch size, pools, schedule, recipe; its inner
validation split, here a block of whole trials as no groups are given), except ``max_epochs=2`` and no refit (the
refit repeats the same training step); their ``train win/s`` is the training windows per second of the second
epoch's wall time, the validation pass included, as a fold spends it.

The last lines project a full SEED strict run of paper-size EmotionCLIP from the measured rates (45 per-session LOSO
folds of 14 x 1,6xx training windows, paper recipe: at most 200 epochs, patience 50, inner validation 0.2, then the
refit), as a range over where early stopping lands (see ``emoclip_plugin.benchmark.estimate``).

    python benchmarks/perf_models.py                                   # CPU table (today's)
    python benchmarks/perf_models.py --device cuda --precision bf16 [--compile] [--train-samples 16384]
"""
from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COMPACT = dict(d_model=32, n_heads=2, depths=(1, 1, 1), conv_hidden=32, img_size=32)


def _latency_ms(module: torch.nn.Module, x: torch.Tensor, repeats: int) -> float:
    module.eval()
    times = []
    with torch.inference_mode():
        for _ in range(3):
            module(x)
        for _ in range(repeats):
            start = time.perf_counter()
            module(x)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3 / len(x)


def _gflop(module: torch.nn.Module, x: torch.Tensor) -> float:
    from torch.utils.flop_counter import FlopCounterMode
    module = module.eval()
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops() / 1e9


def _inputs(kind: str, n: int, work: Path):
    """``(grids [n, 4, 12, 9, 9], y_grids, de [n, 62, 5], y_de, description)``."""
    if kind == "random":
        rng = np.random.default_rng(0)
        grids = rng.standard_normal((n, 4, 12, 9, 9), dtype=np.float32)
        de = rng.standard_normal((n, 62, 5), dtype=np.float32)
        y = rng.integers(0, 3, n)
        return grids, y, de, y, f"{n} standard-normal windows per input kind"
    from emoclip_plugin.data.seed import load_seed, to_numpy
    from emoclip_plugin.data.synthetic import write_folder
    seconds = max(20, int(np.ceil(n / (2 * 15 * 3) * 2 + 5)))  # enough 2-s windows for n samples from 2 subjects
    root = write_folder(work / "Preprocessed_EEG", "seed", subjects=2, seconds=seconds, seed=2)
    grids, yg, _ = to_numpy(load_seed(root, "emotionclip", cache_dir=work / "cache"))
    de, yd, _ = to_numpy(load_seed(root, "de", cache_dir=work / "cache"))
    rng = np.random.default_rng(0)
    gi = rng.choice(len(grids), min(n, len(grids)), replace=False)
    di = rng.choice(len(de), min(n, len(de)), replace=False)
    return (grids[gi], yg[gi], de[di], yd[di],
            f"generated SEED folder, {len(grids)} 2-s windows / {len(de)} 1-s windows")


def _preset_rows(presets: list[str], grids, yg, de, yd, text: dict) -> dict:
    """``{"<preset>:<model>": (build, extra, X, y)}`` for each neural default model of each preset, built as the
    benchmark builds it: the preset's model parameters, its inner validation fraction."""
    if not presets:  # the presets need TorchEEG, which a bare device machine lacks
        return {}
    import functools

    from emoclip_plugin.benchmark.presets import ConfigError, resolve_config
    from emoclip_plugin.benchmark.runner import is_neural
    from emoclip_plugin.estimators import estimator_input_kind, get_estimator
    rows = {}
    for preset in presets:
        try:
            config = resolve_config(preset)
        except ConfigError as err:
            raise ValueError(str(err)) from None
        for model in config["default_models"]:
            params = dict(config["models"].get(model) or {})
            est = get_estimator(model, **params)
            if not is_neural(est):
                continue
            if "text_encoder" in est.get_params():
                params.update(text)
            kind = estimator_input_kind(model)
            X, y = (grids, yg) if kind == "emotionclip" else (de, yd)
            params.setdefault("validation", config["validation"])
            rows[f"{preset}:{model}"] = (functools.partial(get_estimator, model), params, X, y)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="perf_models.py", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N | auto (default cpu)")
    parser.add_argument("--precision", default="auto", help="32 | bf16 | 16-mixed | auto (default: bf16 on a GPU that "
                                                            "has it, else 32)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the modules")
    parser.add_argument("--inputs", default="generated", choices=("generated", "random"))
    parser.add_argument("--train-samples", type=int, default=None,
                        help="training windows per model and epoch (default 256 on the CPU, 16384 on a GPU)")
    parser.add_argument("--batch-size", type=int, default=64, help="training batch size (default 64, the paper's)")
    parser.add_argument("--eval-batch-size", type=int, default=None,
                        help="inference batch size (default 256 on the CPU, 2048 on a GPU)")
    parser.add_argument("--repeats", type=int, default=20, help="timed batch-1 calls (CPU latency columns)")
    parser.add_argument("--models", default="emotionclip,sst_legovit,emotionclip-compact,emotionclip-mlp,dgcnn")
    parser.add_argument("--presets", default="smoke,strict",
                        help="add a row per neural default model of these presets, configured as the benchmark "
                             "trains it (comma-separated; '' for none)")
    parser.add_argument("--text-encoder", default=None,
                        help="text encoder folder for EmotionCLIP (default: the bundled all-MiniLM-L6-v2); the text "
                             "side is embedded once per fit and does not enter the timed epoch")
    args = parser.parse_args(argv)
    logging.getLogger("torcheeg").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning)

    from emoclip_plugin.benchmark.estimate import Rates, epoch_bounds, fold_seconds, format_hours, \
        seed_windows_per_session
    from emoclip_plugin.training.devices import DeviceError, describe, peak_tflops, resolve_device_precision
    from emoclip_plugin.estimators import EmotionCLIPClassifier, PAPER_RECIPE, SSTLegoViTClassifier
    from emoclip_plugin.training.allocator import keep_freed_memory
    keep_freed_memory()  # as the benchmark's folds train (runner.run_task; a no-op off glibc)

    try:
        device, precision = resolve_device_precision(args.device, args.precision)
    except DeviceError as err:
        parser.error(str(err))
    for preset in [p for p in args.presets.split(",") if p]:  # before any data is built
        from emoclip_plugin.benchmark.presets import ConfigError, resolve_config  # needs TorchEEG: only then
        try:
            resolve_config(preset)
        except ConfigError as err:
            parser.error(f"--presets {args.presets!r}: {err}")
    gpu = device.startswith("cuda")
    n = args.train_samples or (16384 if gpu else 256)
    n = max(args.batch_size, n - n % args.batch_size)  # whole batches
    eval_batch = args.eval_batch_size or (2048 if gpu else 256)
    info = describe(device)
    work = Path(tempfile.mkdtemp(prefix="emoclip-perf-models-"))
    try:
        grids, yg, de, yd, what = _inputs(args.inputs, n, work)
        text = {"text_encoder": args.text_encoder} if args.text_encoder else {}
        common = dict(device=device, precision=precision, compile=args.compile, batch_size=args.batch_size,
                      eval_batch_size=eval_batch)

        def dgcnn(**kw):
            from emoclip_plugin.estimators import DGCNNClassifier
            return DGCNNClassifier(**kw)

        rows = {
            "emotionclip": (EmotionCLIPClassifier, text, grids, yg),
            "sst_legovit": (SSTLegoViTClassifier, {}, grids, yg),
            "emotionclip-compact": (EmotionCLIPClassifier, {"module_kwargs": COMPACT, **text}, grids, yg),
            "emotionclip-mlp": (EmotionCLIPClassifier, text, de.reshape(len(de), -1), yd),
            "dgcnn": (dgcnn, {}, de, yd),
        }
        wanted = [m for m in args.models.split(",") if m]
        unknown = [m for m in wanted if m not in rows]
        if unknown:
            parser.error(f"--models: unknown {unknown}; choose from {', '.join(rows)}")
        try:
            preset_rows = _preset_rows([p for p in args.presets.split(",") if p], grids, yg, de, yd, text)
        except ValueError as err:
            parser.error(f"--presets {args.presets!r}: {err}")
        rows.update(preset_rows)
        wanted += list(preset_rows)
        print(f"device: {info['device_name']} ({device}); precision {precision}; compile {args.compile}; torch "
              f"{info['torch']}, CUDA {info['cuda']}; inputs: {what}; {len(grids)} training windows per epoch, batch "
              f"{args.batch_size}, inference batch {eval_batch}")
        peak = peak_tflops(info["device_name"], precision) if gpu else None
        header = (f"{'model':<24}{'params':>11}{'GFLOP/win':>10}{'train win/s':>13}{'train TFLOP/s':>15}"
                  f"{'infer win/s':>13}{'infer TFLOP/s':>15}")
        header += f"{'% peak (train/infer)':>22}" if peak else ""
        header += f"{'b1 ms/win':>11}{'b256 ms/win':>13}" if not gpu else ""
        print(header)
        results, latency = {}, {}
        threads = torch.get_num_threads()
        for name in wanted:
            build, extra, X, y = rows[name]
            torch.set_num_threads(threads)
            try:
                if name in preset_rows:  # the preset's own batch size, validation split and schedule
                    clf = build(**{**extra, "max_epochs": 2, "random_state": 0, "refit": False, "device": device,
                                   "precision": precision, "compile": args.compile, "eval_batch_size": eval_batch})
                else:
                    clf = build(max_epochs=2, validation=0, lr_schedule="none", random_state=0, **common, **extra)
                clf.fit(X, y)
            except ImportError as err:
                print(f"{name:<24}not available on this machine ({err})")
                continue
            n_train = len(X) - int(round(len(X) * clf.get_params().get("validation", 0) or 0))
            train_rate = (len(X) if name not in preset_rows else n_train) / clf.history_[-1]["dur"]  # 2nd epoch
            clf.predict(X[:eval_batch])  # warm-up (and compilation of the evaluation shape)
            if gpu:
                torch.cuda.synchronize()
            start = time.perf_counter()
            clf.predict(X)
            infer_rate = len(X) / (time.perf_counter() - start)
            module = clf.module_
            flop = _gflop(module, torch.from_numpy(X[:1]).to(device))
            params = sum(p.numel() for p in module.parameters())
            train_tf, infer_tf = 3 * flop * train_rate / 1e3, flop * infer_rate / 1e3
            results[name] = (train_rate, infer_rate)
            line = (f"{name:<24}{params:>11,}{flop:>10.4f}{train_rate:>13,.0f}{train_tf:>15.2f}{infer_rate:>13,.0f}"
                    f"{infer_tf:>15.2f}")
            if peak:
                line += f"{100 * train_tf / peak:>12.1f} / {100 * infer_tf / peak:<7.1f}"
            if not gpu:
                cpu_module = module.cpu()
                torch.set_num_threads(1)
                b1 = _latency_ms(cpu_module, torch.from_numpy(X[:1]), args.repeats)
                latency[name] = b1
                batch = torch.from_numpy(np.concatenate([X] * (256 // len(X) + 1))[:256])
                line += f"{b1:>11.2f}{_latency_ms(cpu_module, batch, 2):>13.3f}"
            print(line, flush=True)
        torch.set_num_threads(threads)
        if peak:
            print(f"peak: {peak:g} dense TFLOP/s at {precision} ({info['device_name']}, data-sheet value; training "
                  "FLOPs counted as 3x forward)")
        if "emotionclip" in latency and "dgcnn" in results:  # the CPU targets of the model work item
            ratio = results["dgcnn"][0] / results["emotionclip"][0]
            print(f"EmotionCLIP (paper size) batch-1 latency: {latency['emotionclip']:.2f} ms/window (target <= 2 ms: "
                  f"{'met' if latency['emotionclip'] <= 2 else 'NOT met'})"
                  + "".join(f"; {n}: {latency[n]:.2f} ms" for n in ("emotionclip-compact", "emotionclip-mlp")
                            if n in latency))
            print(f"training time per window, EmotionCLIP / DGCNN: {ratio:.0f}x (target <= 2x: "
                  f"{'met' if ratio <= 2 else 'NOT met'})")
        if "emotionclip" in results:
            train_rate, infer_rate = results["emotionclip"]
            rates = Rates(1 / train_rate, 1 / infer_rate)
            per_session = seed_windows_per_session()
            n_fit, folds = 14 * per_session, 45
            bounds = epoch_bounds(PAPER_RECIPE, 0.2, refit=True)
            low, high = (folds * s for s in fold_seconds(rates, n_fit, per_session, bounds, 0.2))
            print(f"paper-size EmotionCLIP trains at {train_rate:,.0f} windows/s on {info['device_name']} in "
                  f"{precision}" + (" (compiled)" if args.compile else ""))
            print(f"projected full SEED strict run, EmotionCLIP only: {folds} folds x {n_fit:,} training + "
                  f"{per_session:,} test windows, <= {bounds['max_epochs']} epochs, patience {bounds['patience']}, "
                  f"validation 0.2 then refit: {format_hours(low)} (best epoch 1) to {format_hours(high)} "
                  f"(every epoch bound used)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
