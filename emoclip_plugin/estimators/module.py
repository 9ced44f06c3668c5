"""Any ``torch.nn.Module`` class as a scikit-learn classifier trained with the shared recipe.

:class:`ModuleClassifier` builds the module from the fold's own shapes when ``fit`` sees the data: it reads the
constructor's signature and fills the signal parameters it names, in braindecode's convention (``n_chans``,
``n_outputs``, ``n_times``, ``sfreq``, ``chs_info``) or TorchEEG's (``num_electrodes``, ``num_classes``,
``chunk_size``, ``sampling_rate``, ``in_channels``, ``grid_size``); ``module_kwargs`` adds or overrides any of them.
This is how ``braindecode:<Model>``, ``torcheeg:<Model>`` and a researcher's own module class run in the benchmark.
"""
from __future__ import annotations

import importlib
import inspect
from typing import Any, Callable

from torch import nn

from .base import _TRAINING_DOC, _TorchClassifier


def import_object(spec: str) -> Any:
    """The object an import string names: ``"package.module:attribute"`` (or ``"package.module.attribute"``).

    Raises ``ValueError`` with one line naming the part that failed."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"import string {spec!r}: expected 'package.module:attribute'")
    module_name, sep, attr = spec.partition(":")
    if not sep:
        module_name, _, attr = spec.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"import string {spec!r}: expected 'package.module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"import string {spec!r}: cannot import module {module_name!r} ({err}); is it on "
                         "PYTHONPATH?") from None
    obj = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"import string {spec!r}: module {module_name!r} has no attribute {attr!r}") from None
    return obj


def signal_kwargs(builder: Callable, shape: tuple, n_classes: int, sfreq: float,
                  chs_info: list | None = None) -> dict:
    """The signal parameters ``builder``'s signature names, for samples of ``shape`` (``[C, T]``, ``[1, C, T]``,
    ``[C, bands]`` or ``[bands, H, W]``), ``n_classes`` classes at ``sfreq`` Hz."""
    try:
        names = set(inspect.signature(builder).parameters)
    except (TypeError, ValueError):
        names = set()
    values: dict[str, Any] = {}
    dims = tuple(int(v) for v in shape)
    channels_times = dims[-2:] if len(dims) >= 2 else (dims[0], 1)
    grid = len(dims) == 3 and dims[0] != 1
    for name in names:
        if name in ("n_outputs", "num_classes"):
            values[name] = n_classes
        elif name in ("n_chans", "num_electrodes") and not grid:
            values[name] = channels_times[0]
        elif name in ("n_times", "chunk_size") and not grid:
            values[name] = channels_times[1]
        elif name in ("sfreq", "sampling_rate"):
            values[name] = int(sfreq) if name == "sampling_rate" else float(sfreq)
        elif name == "chs_info" and chs_info is not None:
            values[name] = chs_info
        elif name == "in_channels":
            values[name] = dims[0] if grid else (dims[-1] if len(dims) == 2 else 1)
        elif name == "grid_size" and grid:
            values[name] = tuple(dims[1:])
    return values


class ModuleClassifier(_TorchClassifier):
    """A ``torch.nn.Module`` class (or any callable returning a module) trained with the shared recipe.

    Parameters
    ----------
    module : nn.Module subclass, callable or str
        What builds the network: a class, a factory, or an import string ``"package.module:Class"``. It is called
        with the signal parameters its signature names (from the data seen in ``fit``) and ``module_kwargs``.
    sfreq : float
        Sampling rate in Hz given to ``sfreq`` / ``sampling_rate`` (SEED / SEED-IV: 200).
    add_channel_dim : bool
        Feed ``[n, 1, *sample_shape]`` (TorchEEG's raw-EEG models take ``[n, 1, electrodes, times]``).
    chs_info : list of dict or None
        MNE channel descriptions for modules that take ``chs_info`` (braindecode); ``None`` leaves it out.
    """

    def __init__(self, module: Any = None, sfreq: float = 200.0, add_channel_dim: bool = False,
                 chs_info: list | None = None, lr: float = 1e-3, max_epochs: int = 100, batch_size: int = 64,
                 weight_decay: float = 0.003, betas: tuple = (0.9, 0.98), validation: float = 0.2, patience: int = 15,
                 lr_schedule: str = "cosine", gradient_clip: float | None = None, module_kwargs: dict | None = None,
                 device: str = "cpu", random_state=None, verbose: int = 0, callbacks: list | None = None,
                 refit: bool = True, warmup_epochs: int = 0, label_smoothing: float = 0.0,
                 augment: dict | None = None, standardize: bool = False, precision: str = "auto",
                 eval_batch_size: int | None = None, compile: bool = False):
        super().__init__(lr=lr, max_epochs=max_epochs, batch_size=batch_size, weight_decay=weight_decay, betas=betas,
                         validation=validation, patience=patience, lr_schedule=lr_schedule,
                         gradient_clip=gradient_clip, module_kwargs=module_kwargs, device=device,
                         random_state=random_state, verbose=verbose, callbacks=callbacks, refit=refit,
                         warmup_epochs=warmup_epochs, label_smoothing=label_smoothing, augment=augment,
                         standardize=standardize, precision=precision, eval_batch_size=eval_batch_size,
                         compile=compile)
        self.module = module
        self.sfreq = sfreq
        self.add_channel_dim = add_channel_dim
        self.chs_info = chs_info

    def _builder(self) -> Callable:
        module = import_object(self.module) if isinstance(self.module, str) else self.module
        if not callable(module):
            raise ValueError(f"{type(self).__name__}: module={self.module!r}; expected an nn.Module class, a "
                             "callable returning a module, or an import string 'package.module:Class'")
        return module

    def _check_params(self) -> None:
        super()._check_params()
        self._builder()
        if not (isinstance(self.sfreq, (int, float)) and self.sfreq > 0):
            raise ValueError(f"{type(self).__name__}: sfreq={self.sfreq!r}; expected a positive number (Hz)")

    def _build_module(self, shape: tuple, n_classes: int, restoring: dict | None = None) -> nn.Module:
        builder = self._builder()
        sample = (1, *shape) if self.add_channel_dim else tuple(shape)
        kwargs = {**signal_kwargs(builder, sample, n_classes, self.sfreq, self.chs_info), **(self.module_kwargs or {})}
        net = builder(**kwargs)
        if not isinstance(net, nn.Module):
            raise ValueError(f"{type(self).__name__}: module {self.module!r} returned {type(net).__name__}, not a "
                             "torch.nn.Module")
        return _AddChannel(net) if self.add_channel_dim else net


class _AddChannel(nn.Module):
    """``x -> inner(x[:, None])``: a singleton channel dimension for modules that take ``[n, 1, C, T]``."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.unsqueeze(1))


ModuleClassifier.__doc__ += "\n" + _TRAINING_DOC
__all__ = ["ModuleClassifier", "import_object", "signal_kwargs"]
