"""Benchmark presets and configuration files: what each preset trains, and how a YAML file overrides it.

A resolved configuration is a plain dict::

    cross_subject: per-session | pooled      # leave-one-subject-out within each session, or sessions pooled
    shots: 0                                 # labelled windows per class of the test subject/session added to training
    calibration: trials | windows            # strict (whole trials, none shared with test) or the paper's random draw
    strict: true                             # run the leakage guard's strict few-shot check
    test_best_epoch: false                   # also record the best epoch *on the test data* (optimistic, paper only)
    validation: 0.2                          # inner validation fraction (whole training subjects / trials)
    refit: true                              # neural models: retrain on all training rows for the selected epochs
    features: {baseline_seconds: 5.0, ...}   # EmotionCLIP frame-grid settings (FrameFeatureConfig; {} = the paper's)
    de_window: null                          # band-DE window in s (null: 1 s SEED, 4 s SEED-IV)
    device: auto                             # neural models: auto | cpu | cuda | cuda:N (auto: CUDA when available)
    precision: auto                          # 32 | bf16 | 16-mixed | auto (bf16 on a CUDA device that has it, else 32)
    compile: false                           # torch.compile the neural models
    models: {name: {estimator parameters}}   # per-model settings (see emoclip_plugin.estimators)
    default_models: [emotionclip, sst_legovit, frames_logreg, emotionclip_mlp, dgcnn, de_logreg]
"""
from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from ..data.features import FrameFeatureConfig
from ..data.seed import SFREQ
from ..training.devices import PRECISIONS
from ..estimators import FLATTEN_POOLS, INPUT_KINDS, RECIPE, ModelError, list_estimators, resolve_model
from .protocols import CALIBRATION_MODES, CROSS_SUBJECT_MODES

#: The settings of the EmotionCLIP frame grids that a preset, a YAML file or the command line may set.
FEATURE_KEYS = ("baseline_seconds", "window_seconds", "frame_seconds", "bands", "zscore", "baseline_subtract")

#: ``features: {baseline_seconds: auto}`` / ``--baseline-seconds auto``: per fold, subtract the paper's 5-s trial
#: baseline or only drop those seconds, whichever the grid probe reads better on held-out training subjects
#: (:mod:`~emoclip_plugin.benchmark.baseline`)
AUTO = "auto"

#: A compact SST-LegoViT (d_model 32, one layer per stage, 32x32 working grid) for CPU smoke runs.
COMPACT_SST = {"d_model": 32, "n_heads": 2, "depths": [1, 1, 1], "conv_hidden": 32, "img_size": 32}

#: The smoke preset's schedule for the compact backbone (before the recipe pieces).
SMOKE_SCHEDULE = {"module_kwargs": COMPACT_SST, "lr": 3e-4, "max_epochs": 30, "patience": 8, "batch_size": 16}
_SMOKE_DEEP = {**SMOKE_SCHEDULE, "module_kwargs": {**COMPACT_SST, **FLATTEN_POOLS}, **RECIPE}
_STRICT_DEEP = {"module_kwargs": dict(FLATTEN_POOLS), **RECIPE}
#: The paper's recipe exactly: none of our cross-subject pieces (the ``paper`` preset).
_PAPER_DEEP = {"standardize": False, "label_smoothing": 0.0, "augment": None}
_PROBES = {"frames_logreg": {}, "emotionclip_mlp": {}}
_DEFAULT_MODELS = ["emotionclip", "sst_legovit", "frames_logreg", "emotionclip_mlp", "dgcnn", "de_logreg"]
_BASELINES = {
    "dgcnn": {"lr": 1e-3, "max_epochs": 100, "patience": 20},
    "ccnn": {"lr": 1e-3, "max_epochs": 100, "patience": 20},
    "eegnet": {"lr": 1e-3, "max_epochs": 100, "patience": 20},
    "de_logreg": {},
}

#: The schedule of a library (``braindecode:`` / ``torcheeg:``) or researcher's network without its own entry under
#: ``models``: the registry baselines' (their libraries' learning rate for Adam-type optimisers).
_LIBRARY_DEEP = {"lr": 1e-3, "max_epochs": 100, "patience": 20}

PRESETS: dict[str, dict[str, Any]] = {
    "smoke": {
        "description": "quick CPU check: compact SST-LegoViT with the cross-subject recipe, few epochs, sessions "
                       "pooled, 0-shot, strict",
        "cross_subject": "pooled", "shots": 0, "calibration": "trials", "strict": True, "test_best_epoch": False,
        "validation": 0.2,
        "models": {"emotionclip": _SMOKE_DEEP, "sst_legovit": _SMOKE_DEEP,
                   "dgcnn": {"lr": 1e-2, "max_epochs": 40, "patience": 8},
                   "ccnn": {"lr": 1e-3, "max_epochs": 20, "patience": 5},
                   "eegnet": {"lr": 1e-3, "max_epochs": 20, "patience": 5}, "de_logreg": {}, **_PROBES},
        "default_models": _DEFAULT_MODELS, "library_models": {"lr": 1e-3, "max_epochs": 20, "patience": 5},
    },
    "strict": {
        "description": "leakage-free: per-session LOSO, 0-shot, early stopping on held-out training subjects then "
                       "refit, paper-size models with the paper's optimiser and our cross-subject recipe",
        "cross_subject": "per-session", "shots": 0, "calibration": "trials", "strict": True, "test_best_epoch": False,
        "validation": 0.2,
        "models": {"emotionclip": dict(_STRICT_DEEP), "sst_legovit": dict(_STRICT_DEEP), **_BASELINES, **_PROBES},
        "default_models": _DEFAULT_MODELS, "library_models": dict(_LIBRARY_DEEP),
    },
    "paper": {
        "description": "the paper's protocol and recipe: per-session LOSO, 32-shot random calibration windows (may "
                       "share trials with test windows), plus the best epoch on the test data reported separately "
                       "(optimistic)",
        "cross_subject": "per-session", "shots": 32, "calibration": "windows", "strict": False,
        "test_best_epoch": True, "validation": 0.2,
        "models": {"emotionclip": _PAPER_DEEP, "sst_legovit": _PAPER_DEEP, **_BASELINES, **_PROBES},
        "default_models": _DEFAULT_MODELS, "library_models": dict(_LIBRARY_DEEP),
    },
}

_KEYS = {"description", "cross_subject", "shots", "calibration", "strict", "test_best_epoch", "validation", "models",
         "default_models", "refit", "features", "de_window", "device", "precision", "compile", "user_models",
         "library_models"}
_DEFAULTS = {"refit": True, "features": {}, "de_window": None, "device": "auto", "precision": "auto", "compile": False,
             "user_models": {}, "library_models": {}}
#: The keys of a model *definition* in a configuration file (``models: {mine: {class: ..., input: ..., params:
#: {...}}}``): a researcher's model by import string.
USER_MODEL_KEYS = ("class", "input", "params", "library", "source")


def baseline_is_auto(features: dict) -> bool:
    """Whether a configuration's ``features`` leave the trial baseline to be chosen per fold (``auto``)."""
    return features.get("baseline_seconds") == AUTO


def fixed_baseline(features: dict) -> dict:
    """A configuration's ``features`` with ``baseline_seconds: auto`` replaced by the paper's subtracted baseline
    (the key left out); other settings as given."""
    return {k: v for k, v in features.items() if not (k == "baseline_seconds" and v == AUTO)}


def frame_feature_config(features: dict) -> FrameFeatureConfig:
    """The :class:`FrameFeatureConfig` of a configuration's ``features`` mapping (unset keys: the paper's values).
    ``baseline_seconds: auto`` gives the subtracting variant of the paper's 5-s baseline (the other variant is the
    same with ``baseline_subtract`` off)."""
    settings = fixed_baseline(features)
    if "bands" in settings:
        settings["bands"] = tuple((str(k), tuple(v)) for k, v in dict(settings["bands"]).items())
    return FrameFeatureConfig(**settings)


def feature_settings(config: dict, kind: str) -> dict:
    """What a results row records about the features of input ``kind`` (every value, defaults included)."""
    if kind == "emotionclip":
        cfg = frame_feature_config(config["features"])
        out = {"baseline_seconds": cfg.baseline_seconds, "window_seconds": cfg.window_seconds,
               "frame_seconds": cfg.frame_seconds, "bands": {k: list(v) for k, v in cfg.bands},
               "zscore": cfg.zscore}
        if baseline_is_auto(config["features"]):  # keys only where they differ: other settings keep their keys
            out["baseline"] = AUTO
        elif not cfg.baseline_subtract:
            out["baseline_subtract"] = False
        return out
    if kind in ("de", "de_grid", "raw"):
        return {"window_seconds": config["de_window"]}
    return {}


class ConfigError(ValueError):
    """A bad preset, configuration file or option value."""


def _check(config: dict, where: str) -> dict:
    unknown = set(config) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; valid keys: {sorted(_KEYS)}")
    for key, value in _DEFAULTS.items():
        config.setdefault(key, copy.deepcopy(value))
    for flag in ("refit", "compile"):
        if not isinstance(config[flag], bool):
            raise ConfigError(f"{where}: {flag}={config[flag]!r}; expected true or false")
    if isinstance(config["precision"], int) and not isinstance(config["precision"], bool):
        config["precision"] = str(config["precision"])  # YAML reads `precision: 32` as a number
    device = config["device"]
    if not (isinstance(device, str) and (device in ("auto", "cpu", "cuda") or (
            device.startswith("cuda:") and device[5:].isdigit()))):
        raise ConfigError(f"{where}: device={device!r}; expected auto, cpu, cuda or cuda:N")
    if not (isinstance(config["precision"], str) and config["precision"] in ("auto",) + PRECISIONS):
        raise ConfigError(f"{where}: precision={config['precision']!r}; expected auto or one of "
                          f"{', '.join(PRECISIONS)}")
    features = config["features"]
    if not isinstance(features, dict):
        raise ConfigError(f"{where}: features must map {list(FEATURE_KEYS)} to values, got {features!r}")
    bad = sorted(set(features) - set(FEATURE_KEYS))
    if bad:
        raise ConfigError(f"{where}: unknown feature setting(s) {bad}; valid: {list(FEATURE_KEYS)}")
    if "bands" in features and not (isinstance(features["bands"], dict) and features["bands"] and all(
            isinstance(v, (list, tuple)) and len(v) == 2 for v in features["bands"].values())):
        raise ConfigError(f"{where}: features.bands={features['bands']!r}; expected a mapping name -> [low, high] Hz")
    for flag in ("zscore", "baseline_subtract"):
        if flag in features and not isinstance(features[flag], bool):
            raise ConfigError(f"{where}: features.{flag}={features[flag]!r}; expected true or false")
    if isinstance(features.get("baseline_seconds"), str) and not baseline_is_auto(features):
        raise ConfigError(f"{where}: features.baseline_seconds={features['baseline_seconds']!r}; expected a number "
                          f"of seconds or {AUTO}")
    if baseline_is_auto(features) and features.get("baseline_subtract") is False:
        raise ConfigError(f"{where}: features.baseline_seconds=auto chooses baseline_subtract per fold; leave "
                          "baseline_subtract unset")
    try:
        frame_feature_config(features)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{where}: features: {err}") from None
    dw = config["de_window"]
    if dw is not None and not (isinstance(dw, (int, float)) and not isinstance(dw, bool) and dw > 0
                               and abs(dw * SFREQ - round(dw * SFREQ)) < 1e-9):
        raise ConfigError(f"{where}: de_window={dw!r}; expected null or a positive number of seconds "
                          f"(a whole number of samples at {SFREQ} Hz)")
    if config["cross_subject"] not in CROSS_SUBJECT_MODES:
        raise ConfigError(f"{where}: cross_subject={config['cross_subject']!r}; choose from {CROSS_SUBJECT_MODES}")
    if config["calibration"] not in CALIBRATION_MODES:
        raise ConfigError(f"{where}: calibration={config['calibration']!r}; choose from {CALIBRATION_MODES}")
    shots = config["shots"]
    if not isinstance(shots, int) or isinstance(shots, bool) or shots < 0:
        raise ConfigError(f"{where}: shots={shots!r}; expected an integer >= 0")
    v = config["validation"]
    if not isinstance(v, (int, float)) or not 0 <= v < 1:
        raise ConfigError(f"{where}: validation={v!r}; expected a fraction in [0, 1)")
    for flag in ("strict", "test_best_epoch"):
        if not isinstance(config[flag], bool):
            raise ConfigError(f"{where}: {flag}={config[flag]!r}; expected true or false")
    if not isinstance(config["models"], dict):
        raise ConfigError(f"{where}: models must map model names to parameter dicts")
    if not isinstance(config["library_models"], dict):
        raise ConfigError(f"{where}: library_models must be a dict of training parameters")
    users = config["user_models"]
    if not isinstance(users, dict):
        raise ConfigError(f"{where}: user_models must map names to model definitions")
    for name, definition in users.items():
        if not (isinstance(definition, dict) and isinstance(definition.get("class"), str)):
            raise ConfigError(f"{where}: models.{name}: expected class: 'package.module:factory' (an import string)")
        if definition.get("input") not in INPUT_KINDS:
            raise ConfigError(f"{where}: models.{name}: input {definition.get('input')!r}; expected one of "
                              f"{', '.join(INPUT_KINDS)}")
    for name, params in config["models"].items():
        if name not in users and not known_model(name):
            raise ConfigError(f"{where}: unknown model {name!r} under models; valid: {list_estimators()}, "
                              "braindecode:<Model>, torcheeg:<Model>, or a definition with class / input / params")
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: models.{name} must be a dict of estimator parameters, got {params!r}")
    for name in config["default_models"]:
        if name not in users and not known_model(name):
            raise ConfigError(f"{where}: unknown model {name!r} in default_models; valid: {list_estimators()}")
    return config


def resolve_config(preset: str, config_file: str | Path | None = None, overrides: dict | None = None) -> dict:
    """The preset's settings, updated by a YAML file (same keys; ``models`` merged per model) and ``overrides``."""
    if preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    config = copy.deepcopy(PRESETS[preset])
    if config_file is not None:
        import yaml
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"--config {path}: file not found")
        try:
            loaded = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as err:
            raise ConfigError(f"--config {path}: not valid YAML ({err})") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"--config {path}: expected a mapping of settings, got {type(loaded).__name__}")
        models = loaded.pop("models", None) or {}
        if not isinstance(models, dict):
            raise ConfigError(f"--config {path}: models must map model names to parameter dicts")
        unknown = set(loaded) - _KEYS
        if unknown:
            raise ConfigError(f"--config {path}: unknown key(s) {sorted(unknown)}; valid keys: {sorted(_KEYS)}")
        config.update(loaded)
        for name, params in models.items():
            if not isinstance(params, dict) and params is not None:
                raise ConfigError(f"--config {path}: models.{name} must be a dict of estimator parameters")
            if params and "class" in params:  # a model definition: class (import string), input, params
                bad = sorted(set(params) - set(USER_MODEL_KEYS))
                if bad:
                    raise ConfigError(f"--config {path}: models.{name}: unknown key(s) {bad}; a model definition "
                                      f"has {list(USER_MODEL_KEYS)}")
                definition = {k: params[k] for k in ("class", "input", "library", "source") if k in params}
                config.setdefault("user_models", {})[name] = definition
                params = params.get("params") or {}
                if not isinstance(params, dict):
                    raise ConfigError(f"--config {path}: models.{name}.params must be a dict of parameters")
            config["models"][name] = {**config["models"].get(name, {}), **(params or {})}
        where = f"--config {path}"
    else:
        where = f"preset {preset!r}"
    for key, value in (overrides or {}).items():
        if key == "features" and value:
            config["features"] = {**config.get("features", {}), **value}
        elif value is not None and key != "features":
            config[key] = value
    return _check(config, where)


def model_params(config: dict, spec) -> dict:
    """The parameters a configuration gives model ``spec``: its own entry under ``models``, else, for a network
    trained by :class:`~emoclip_plugin.estimators.ModuleClassifier` (a library's or a researcher's module), the
    preset's ``library_models`` schedule; a researcher's estimator object keeps its own settings."""
    if spec.name in config["models"]:
        return dict(config["models"][spec.name])
    from ..estimators.catalog import _ModuleFactory
    return dict(config.get("library_models") or {}) if isinstance(spec.factory, _ModuleFactory) else {}


def known_model(name: str) -> bool:
    """Whether ``name`` is a catalogue or zoo model (``braindecode:<Model>``, ``torcheeg:<Model>``)."""
    try:
        resolve_model(name)
    except ModelError:
        return False
    return True


def config_hash(payload: Any) -> str:
    """A 12-hex-digit hash of a JSON-able payload (the settings that determine one result row)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:12]
