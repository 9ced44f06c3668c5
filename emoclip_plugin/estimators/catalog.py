"""The benchmark's model catalogue: every name ``--models`` / ``benchmark.run(models=...)`` accepts.

A :class:`ModelSpec` says how to build a fresh estimator for one fold and which input it eats. The catalogue holds
our own models and baselines, ``svm_de`` (the SEED literature's first baseline), the names added with
:func:`register_estimator`, and, resolved on demand, the libraries' zoos: ``braindecode:<Model>`` (any braindecode
model with the ``n_chans, n_outputs, n_times, sfreq`` signal parameters, on raw windows) and ``torcheeg:<Model>`` (the
TorchEEG models in :data:`TORCHEEG_MODELS`, each on the input TorchEEG documents for it). :func:`resolve_model` also
turns objects into specs: a scikit-learn estimator or pipeline (cloned per fold), a ``torch.nn.Module`` class (wrapped
in :class:`~emoclip_plugin.estimators.module.ModuleClassifier` with the preset's recipe), or an import string.

Input kinds are the data layer's feature kinds: ``"emotionclip"`` (frame grids ``[4, 12, 9, 9]``), ``"de"`` (band DE
``[62, 5]``), ``"de_grid"`` (``[5, 9, 9]``), ``"raw"`` (``[62, T]``, 200 Hz), or a callable that maps a batch of raw
windows ``[n, 62, T]`` to the model's input (applied to each fold's arrays before ``fit`` and ``predict``).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

#: The data layer's feature kinds a model can declare as its input.
INPUT_KINDS = ("emotionclip", "de", "de_grid", "raw")


class ModelError(ValueError):
    """A model name, import string, object or input kind that the benchmark cannot use (one line)."""


@dataclass(frozen=True)
class ModelSpec:
    """How to build one benchmark model.

    ``factory``: a callable ``factory(**params) -> estimator``, or an unfitted estimator object (cloned for every
    fold, ``params`` set on the clone). ``input``: a kind of :data:`INPUT_KINDS` or a callable on raw windows.
    ``library`` / ``source``: where the model and its hyper-parameters come from (shown by ``run_all.py models``)."""

    name: str
    factory: Any
    input: Any
    library: str = "emoclip-plugin"
    source: str = ""
    description: str = ""
    defaults: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The cached feature kind this model's arrays come from (``"raw"`` for a callable input)."""
        return "raw" if callable(self.input) else self.input

    def build(self, **params) -> Any:
        """A fresh, unfitted estimator with ``defaults`` then ``params``."""
        params = {**self.defaults, **params}
        if _is_estimator(self.factory):
            from sklearn.base import clone
            est = clone(self.factory)
            return est.set_params(**params) if params else est
        return self.factory(**params)

    def transform(self, X):
        """``X`` as this model's input (the callable input applied; arrays of a feature kind pass through)."""
        return self.input(X) if callable(self.input) else X

    def identity(self) -> dict:
        """What keys this model in the results (with its parameters): library, name, factory and input."""
        return {"name": self.name, "library": self.library, "factory": _describe(self.factory),
                "input": _describe(self.input), "defaults": self.defaults}


def _is_estimator(obj) -> bool:
    return not inspect.isclass(obj) and hasattr(obj, "fit") and hasattr(obj, "get_params")


def _describe(obj) -> str:
    if isinstance(obj, str):
        return obj
    if inspect.isclass(obj) or inspect.isfunction(obj):
        return f"{obj.__module__}:{obj.__qualname__}"
    if _is_estimator(obj):
        return repr(obj)
    return f"{type(obj).__module__}:{type(obj).__qualname__}"


def _check_input(name: str, input_kind) -> None:
    if not (callable(input_kind) or input_kind in INPUT_KINDS):
        raise ModelError(f"model {name!r}: input {input_kind!r}; expected one of {', '.join(INPUT_KINDS)} or a "
                         "callable on raw windows [n, 62, T]")


# ------------------------------------------------------------------------------------------------ the built-ins
def _builtin_specs() -> dict[str, ModelSpec]:
    from .linear import make_de_logreg, make_frames_logreg, make_svm_de
    from .baselines import CCNNClassifier, DGCNNClassifier, EEGNetClassifier
    from .emotionclip import EmotionCLIPClassifier, EmotionCLIPMLPClassifier, SSTLegoViTClassifier
    ours = "emoclip-plugin"
    return {s.name: s for s in [
        ModelSpec("emotionclip", EmotionCLIPClassifier, "emotionclip", ours, "RECIPE (tuned on generator-seed-1 "
                  "folders)", "EmotionCLIP: SST-LegoViT EEG encoder matched to class-prompt text embeddings"),
        ModelSpec("sst_legovit", SSTLegoViTClassifier, "emotionclip", ours, "RECIPE",
                  "SST-LegoViT with a linear head (the paper's classifier-only ablation)"),
        ModelSpec("dgcnn", DGCNNClassifier, "de", "torcheeg", "TorchEEG defaults; shared recipe",
                  "TorchEEG DGCNN on band DE"),
        ModelSpec("ccnn", CCNNClassifier, "de_grid", "torcheeg", "TorchEEG defaults; shared recipe",
                  "TorchEEG CCNN on band-DE grids"),
        ModelSpec("eegnet", EEGNetClassifier, "raw", "braindecode", "braindecode defaults; shared recipe",
                  "braindecode EEGNet on raw EEG"),
        ModelSpec("de_logreg", make_de_logreg, "de", "scikit-learn", "C = 1 (scikit-learn's default)",
                  "logistic regression on standardised band DE"),
        ModelSpec("svm_de", make_svm_de, "de", "scikit-learn", "SEED's original baseline (Zheng & Lu 2015): "
                  "linear SVM, scikit-learn's default C = 1", "linear SVM on standardised band DE"),
        ModelSpec("frames_logreg", make_frames_logreg, "emotionclip", "scikit-learn",
                  "C = 0.05 (generator-seed-1 folder)",
                  "logistic regression on EmotionCLIP's frame grids (the input probe)"),
        ModelSpec("emotionclip_mlp", EmotionCLIPMLPClassifier, "emotionclip", ours, "probe recipe",
                  "EmotionCLIP's text side with an MLP encoder (the input probe)"),
    ]}


_BUILTIN: dict[str, ModelSpec] | None = None
_REGISTERED: dict[str, ModelSpec] = {}


def _builtins() -> dict[str, ModelSpec]:
    global _BUILTIN
    if _BUILTIN is None:
        _BUILTIN = _builtin_specs()
    return _BUILTIN


def register_estimator(name: str, factory: Any, input_kind: Any = "raw", *, library: str = "user",
                       source: str = "", description: str = "", defaults: dict | None = None,
                       overwrite: bool = False) -> ModelSpec:
    """Add ``name`` to the catalogue: ``factory(**params)`` builds a fresh estimator (or an estimator object,
    cloned per fold, or an ``nn.Module`` class, wrapped in ``ModuleClassifier``) that takes ``input_kind``.

    The registration lives in this process: with ``jobs > 1`` or a Dask cluster the task carries the spec itself,
    so the factory must be picklable (defined in an importable module, not a notebook cell)."""
    if not isinstance(name, str) or not name or any(c in name for c in ":,=/\\ "):
        raise ModelError(f"model name {name!r}: expected a non-empty name without ':', ',', '=', '/' or spaces")
    if not overwrite and (name in _builtins() or name in _REGISTERED):
        raise ModelError(f"model {name!r} is already registered; pass overwrite=True to replace it")
    spec = spec_from_object(factory, name, input_kind, library=library, source=source, description=description,
                            defaults=defaults)
    _REGISTERED[name] = spec
    return spec


def unregister_estimator(name: str) -> None:
    """Remove a name added with :func:`register_estimator`."""
    _REGISTERED.pop(name, None)


def spec_from_object(obj: Any, name: str | None = None, input_kind: Any = None, *, library: str = "user",
                     source: str = "", description: str = "", defaults: dict | None = None) -> ModelSpec:
    """A :class:`ModelSpec` for a researcher's model: an estimator object, a skorch net, an ``nn.Module`` class,
    a factory, or an import string ``"package.module:attribute"`` naming one of them."""
    from torch import nn

    from .module import import_object
    if isinstance(obj, str):
        try:
            target = import_object(obj)
        except ValueError as err:
            raise ModelError(str(err)) from None
        spec = spec_from_object(target, name or obj.rpartition(":")[2] or obj, input_kind, library=library,
                                source=source or obj, description=description, defaults=defaults)
        return spec
    if isinstance(obj, ModelSpec):
        return obj
    if name is None:
        name = getattr(obj, "__name__", None) or type(obj).__name__
    if input_kind is None:
        raise ModelError(f"model {name!r}: say which input it takes (input_kind= one of {', '.join(INPUT_KINDS)} "
                         "or a callable on raw windows)")
    _check_input(name, input_kind)
    if inspect.isclass(obj) and issubclass(obj, nn.Module):
        factory: Any = _ModuleFactory(obj)
        description = description or f"{obj.__module__}.{obj.__qualname__} trained with the shared recipe"
    elif _is_estimator(obj) or callable(obj):
        factory = obj
    else:
        raise ModelError(f"model {name!r}: {type(obj).__name__} is neither an estimator (fit / get_params), an "
                         "nn.Module class, a factory nor an import string")
    return ModelSpec(name, factory, input_kind, library, source or "user-given", description, dict(defaults or {}))


@dataclass(frozen=True)
class _ModuleFactory:
    """``ModuleClassifier(module=cls, **params)`` (picklable when ``cls`` is importable)."""

    module: Any
    add_channel_dim: bool = False
    fixed: tuple = ()  # (name, value) module keyword arguments always given (a region list ...)

    def __call__(self, **params):
        """Training parameters go to the classifier; any other keyword is the module's (``hidden=4`` ->
        ``module_kwargs={"hidden": 4}``)."""
        from .module import ModuleClassifier
        own = set(ModuleClassifier._get_param_names())
        extra = {k: params.pop(k) for k in list(params) if k not in own}
        module_kwargs = {**dict(self.fixed), **extra, **(params.get("module_kwargs") or {})}
        if module_kwargs:
            params["module_kwargs"] = module_kwargs
        params.setdefault("add_channel_dim", self.add_channel_dim)
        return ModuleClassifier(module=self.module, **params)

    def __repr__(self) -> str:  # keys the results: the module's import path, not an object address
        return f"ModuleClassifier({_describe(self.module)}, add_channel_dim={self.add_channel_dim})"


# ------------------------------------------------------------------------------------------------ the zoos
#: TorchEEG models by name: (input kind, add a singleton channel dim, fixed module kwargs factory, note).
TORCHEEG_MODELS: dict[str, tuple[str, bool, str | None, str]] = {
    "TSCeption": ("raw", True, None, "raw [1, 62, T]"),
    "Conformer": ("raw", True, None, "raw [1, 62, T]; TorchEEG's head is sized for 200-sample (1-s) windows"),
    "LGGNet": ("raw", True, "regions", "raw [1, 62, T], SEED's general region list"),
    "EEGNet": ("raw", True, None, "raw [1, 62, T]"),
    "DGCNN": ("de", False, None, "band DE [62, 5]"),
    "CCNN": ("de_grid", False, None, "band-DE grids [5, 9, 9]"),
    "FBCCNN": ("de_grid", False, None, "band-DE grids [5, 9, 9]"),
    "RGNN": ("de", False, None, "band DE [62, 5] with SEED's standard adjacency"),
}
#: TorchEEG models whose TorchEEG class cannot run, computed by our dense port of the same model (the import path).
TORCHEEG_PORTS = {
    "RGNN": "emoclip_plugin.models.rgnn:RGNN",  # TorchEEG 1.1.3's graph conv is a placeholder class; see the module
}
#: TorchEEG models that cannot run here, and why (shown by ``run_all.py models`` and in the README).
TORCHEEG_UNSUPPORTED = {
    "SSTEmotionNet": "takes 32 x 32 spectral + temporal grids that the data layer does not build yet",
    "ATCNet": "fails in TorchEEG 1.1.3 (BatchNorm eps=False)",
}
#: braindecode's renamed models: the name the issue tracker / papers use -> braindecode 1.x's class.
BRAINDECODE_ALIASES = {"EEGNetv4": "EEGNet", "TSceptionV1": "TSception"}


def _region_list() -> list:
    from torcheeg.datasets.constants import SEED_GENERAL_REGION_LIST
    return SEED_GENERAL_REGION_LIST


def _zoo_spec(name: str) -> ModelSpec:
    library, _, model = name.partition(":")
    if library == "braindecode":
        import braindecode.models as bm
        cls_name = BRAINDECODE_ALIASES.get(model, model)
        cls = getattr(bm, cls_name, None)
        if not (inspect.isclass(cls) and {"n_chans", "n_outputs", "n_times"} <= set(
                inspect.signature(cls).parameters)):
            available = sorted(n for n in dir(bm) if inspect.isclass(getattr(bm, n)) and {"n_chans", "n_outputs"}
                               <= set(inspect.signature(getattr(bm, n)).parameters))
            raise ModelError(f"braindecode has no model {model!r} with the signal parameters n_chans, n_outputs, "
                             f"n_times; available: {', '.join(available)}")
        return ModelSpec(name, _ModuleFactory(cls), "raw", "braindecode",
                         f"braindecode {cls_name} defaults; shared recipe", f"braindecode {cls_name} on raw EEG",
                         {"lr": 1e-3, "batch_size": 64})
    if library == "torcheeg":
        if model in TORCHEEG_UNSUPPORTED:
            raise ModelError(f"torcheeg:{model} cannot run in the benchmark: {TORCHEEG_UNSUPPORTED[model]}")
        if model not in TORCHEEG_MODELS:
            raise ModelError(f"torcheeg:{model}: not wired; available: "
                             + ", ".join(f"torcheeg:{m}" for m in TORCHEEG_MODELS))
        import torcheeg.models as tm

        from .module import import_object
        kind, channel, fixed, note = TORCHEEG_MODELS[model]
        extra = (("region_list", _region_list()),) if fixed == "regions" else ()
        if model in TORCHEEG_PORTS:
            cls, note = import_object(TORCHEEG_PORTS[model]), f"{note} (dense port: TorchEEG 1.1.3's class cannot run)"
        else:
            cls = getattr(tm, model)
        return ModelSpec(name, _ModuleFactory(cls, channel, extra), kind, "torcheeg",
                         f"TorchEEG {model} defaults; shared recipe", f"TorchEEG {model} on {note}",
                         {"lr": 1e-3, "batch_size": 64})
    raise ModelError(f"unknown model {name!r}")


def resolve_model(entry: Any, input_kind: Any = None) -> ModelSpec:
    """The :class:`ModelSpec` of a catalogue name, a zoo name (``braindecode:<Model>``, ``torcheeg:<Model>``), an
    import string (``"package.module:attribute"``, with ``input_kind``) or an object (with ``input_kind``)."""
    if isinstance(entry, ModelSpec):
        return entry
    if isinstance(entry, str):
        if entry in _REGISTERED:
            return _REGISTERED[entry]
        if entry in _builtins():
            return _builtins()[entry]
        library = entry.partition(":")[0]
        if library in ("braindecode", "torcheeg"):
            return _zoo_spec(entry)
        if ":" in entry:
            return spec_from_object(entry, None, input_kind)
        raise ModelError(f"unknown model {entry!r}; choose from {', '.join(list_estimators())}, "
                         "braindecode:<Model>, torcheeg:<Model>, or an import string 'package.module:factory'")
    return spec_from_object(entry, None, input_kind)


def list_estimators() -> list[str]:
    """The catalogue's names (built-ins, then registered); the zoos' names are listed by :func:`model_table`."""
    return list(_builtins()) + [n for n in _REGISTERED if n not in _builtins()]


#: Model groups ``--models`` expands. ``literature``: EmotionCLIP, SST-LegoViT and the baselines the EEG emotion
#: literature reports on SEED (TorchEEG's Conformer is left out: its head is sized for 1-s windows; braindecode's
#: EEGConformer is the same network for any window).
MODEL_GROUPS = {
    "literature": ["emotionclip", "sst_legovit", "svm_de", "dgcnn", "torcheeg:TSCeption", "torcheeg:LGGNet",
                   "torcheeg:FBCCNN", "torcheeg:RGNN", "braindecode:ShallowFBCSPNet", "braindecode:Deep4Net", "braindecode:EEGNetv4",
                   "braindecode:EEGConformer", "braindecode:ATCNet", "braindecode:TSception"],
}


def expand_groups(entries: list) -> list:
    """``entries`` with each group name of :data:`MODEL_GROUPS` replaced by its models (duplicates dropped)."""
    out = []
    for entry in entries:
        for item in MODEL_GROUPS.get(entry, [entry]) if isinstance(entry, str) else [entry]:
            if not (isinstance(item, str) and item in out):
                out.append(item)
    return out


def zoo_names() -> list[str]:
    """The library models the benchmark wires by name (README's model table)."""
    return ([f"torcheeg:{m}" for m in TORCHEEG_MODELS]
            + [f"braindecode:{m}" for m in ("ShallowFBCSPNet", "Deep4Net", "EEGNetv4", "EEGConformer", "ATCNet",
                                            "TSception")])


#: One sample's shape per input kind at the defaults (SEED: 62 channels, 1-s raw windows at 200 Hz), for counts.
DEFAULT_SHAPES = {"emotionclip": (4, 12, 9, 9), "de": (62, 5), "de_grid": (5, 9, 9), "raw": (62, 200)}


def parameter_count(spec: ModelSpec, params: dict | None = None, n_classes: int = 3) -> int | None:
    """Trainable parameters of ``spec``'s network at :data:`DEFAULT_SHAPES` (``None`` for scikit-learn models or when
    the module cannot be built offline)."""
    est = spec.build(**(params or {}))
    if not hasattr(est, "_build_module"):
        return None
    try:
        module = est._build_module(DEFAULT_SHAPES[spec.kind], n_classes)
    except Exception:  # noqa: BLE001 - a count is informative only
        return None
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad))


def model_table(names: list | None = None, params: dict[str, dict] | None = None):
    """A ``pandas.DataFrame``: name, library, input, parameters (trainable, at the default shapes), where the
    hyper-parameters come from, and a description; for ``names`` (default: the catalogue and the wired zoo)."""
    import pandas as pd
    rows = []
    for name in names if names is not None else list_estimators() + zoo_names():
        spec = resolve_model(name)
        count = parameter_count(spec, (params or {}).get(spec.name))
        rows.append({"name": spec.name, "library": spec.library,
                     "input": spec.input if isinstance(spec.input, str) else "callable",
                     "parameters": count, "hyper-parameters": spec.source, "description": spec.description})
    return pd.DataFrame(rows)


__all__ = ["ModelSpec", "ModelError", "INPUT_KINDS", "register_estimator", "unregister_estimator",
           "resolve_model", "spec_from_object", "list_estimators", "zoo_names", "model_table", "parameter_count", "MODEL_GROUPS", "expand_groups", "TORCHEEG_MODELS",
           "TORCHEEG_PORTS", "TORCHEEG_UNSUPPORTED"]
