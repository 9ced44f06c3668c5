"""The training loop on skorch: augmented / mixup training steps, mixed precision, device-resident batches,
label smoothing, warm-up + cosine.

:class:`RecipeNet` is skorch's ``NeuralNetClassifier`` whose training step augments each batch
(:class:`~emoclip_plugin.training.augment.GridAugment`) from its own seeded generator, so a fixed seed gives the same run;
evaluation and prediction never augment. It runs the forward pass under ``torch.autocast`` for ``precision="bf16"`` /
``"16-mixed"`` (the latter with a gradient scaler), and on a GPU it moves each fit's arrays to the device once and cuts
batches there (:class:`DeviceBatches`) instead of collating every batch on the host. :func:`warmup_cosine` is the
learning-rate factor per epoch.
"""
from __future__ import annotations

import contextlib
import functools
import math

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.dataset import Dataset, unpack_data

from .augment import GridAugment
from .devices import AUTOCAST_DTYPES
from .rows import RowDataset, Rows


def warmup_cosine(epoch: int, warmup: int, total: int) -> float:
    """LR factor at ``epoch`` (0-based): linear warm-up over ``warmup`` epochs, then cosine decay to 0 at ``total``."""
    if epoch < warmup:
        return (epoch + 1) / (warmup + 1)
    span = max(1, total - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(epoch - warmup, span) / span))


def lr_schedule_callback(schedule: str, warmup: int, total: int):
    """skorch ``LRScheduler`` for ``schedule`` in ``{"cosine", "none"}`` with ``warmup`` epochs, or ``None``."""
    from skorch.callbacks import LRScheduler
    if schedule == "none" and not warmup:
        return None
    if schedule == "none":
        factor = functools.partial(_warmup_only, warmup=int(warmup))
    else:
        factor = functools.partial(warmup_cosine, warmup=int(warmup), total=int(total))
    return LRScheduler(policy=torch.optim.lr_scheduler.LambdaLR, lr_lambda=factor)


def _warmup_only(epoch: int, warmup: int) -> float:
    return min(1.0, (epoch + 1) / (warmup + 1))


class DeviceBatches:
    """Mini-batches of arrays that already live on the device: ``(X[idx], y[idx])`` for consecutive slices of a
    permutation (``shuffle``) or of ``0..n-1``. Replaces skorch's ``DataLoader`` on GPUs, where collating each batch on
    the host would dominate; the permutation is drawn on the device from the global torch generator (seeded by the
    estimator).

    ``X``: tensor ``[n, ...]``; ``y``: tensor ``[n]`` or ``None``.
    """

    def __init__(self, X: torch.Tensor, y: torch.Tensor | None, batch_size: int, shuffle: bool = False,
                 drop_last: bool = False):
        self.X, self.y, self.batch_size, self.shuffle = X, y, int(batch_size), bool(shuffle)
        self.drop_last = bool(drop_last)

    def __len__(self) -> int:
        n = len(self.X)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n, device=self.X.device) if self.shuffle else None
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            idx = order[start:start + self.batch_size] if order is not None else slice(start, start + self.batch_size)
            yield self.X[idx], (self.y[idx] if self.y is not None else None)


def _to_device(X: Rows, device) -> torch.Tensor:
    """The rows ``X`` as one float32 tensor on ``device``, copied chunk by chunk (never whole on the host)."""
    out = torch.empty(X.shape, dtype=torch.float32, device=device)
    size, start = X.chunk_size(), 0
    for chunk in X.chunks(size):
        out[start:start + len(chunk)] = torch.from_numpy(np.ascontiguousarray(chunk, dtype=np.float32)).to(device)
        start += len(chunk)
    return out


class RecipeNet(NeuralNetClassifier):
    """``NeuralNetClassifier`` with the recipe's training step: augmentation (noise, dropouts, then mixup), autocast
    in ``precision``, and device-resident batches on GPUs.

    Parameters (besides skorch's)
    -----------------------------
    augment : GridAugment
        The augmentations; inactive -> plain skorch training.
    augment_seed : int
        Seed of the augmentation generator (set by the estimator from its ``random_state``).
    precision : {"32", "bf16", "16-mixed"}
        Resolved precision (:func:`emoclip_plugin.training.devices.resolve_precision`); the loss is computed in float32.
    resident : bool
        Move each dataset's arrays to ``device`` once and batch there (:class:`DeviceBatches`); the estimator turns it
        on for CUDA devices. One copy per role (training / evaluation) is kept, so per-epoch prediction calls do not
        pile up device memory; the copies are freed at the end of training.
    """

    def __init__(self, *args, augment: GridAugment | None = None, augment_seed: int = 0, precision: str = "32",
                 resident: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.augment = augment
        self.augment_seed = augment_seed
        self.precision = precision
        self.resident = resident

    # ------------------------------------------------------------------ precision
    def autocast(self):
        """The autocast context of ``precision`` on this net's device (a no-op for ``"32"``)."""
        dtype = AUTOCAST_DTYPES[self.precision]
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=torch.device(self.device).type, dtype=dtype)

    def initialize(self):
        super().initialize()
        self.scaler_ = (torch.amp.GradScaler(torch.device(self.device).type) if self.precision == "16-mixed"
                        else None)
        self._resident_cache = {}
        return self

    def infer(self, x, **fit_params):
        with self.autocast():
            out = super().infer(x, **fit_params)
        return out.float() if torch.is_tensor(out) else out

    # ------------------------------------------------------------------ data on the device
    def get_iterator(self, dataset, training=False):
        rows = isinstance(dataset, RowDataset)
        if not (self.resident and (rows or isinstance(dataset, Dataset) and isinstance(dataset.X, np.ndarray))):
            return super().get_iterator(dataset, training=training)
        slot = "train" if training else "eval"  # one device copy per role: a new dataset replaces the old one
        cached = self._resident_cache.get(slot)
        if cached is None or cached[0] is not dataset:
            self._resident_cache.pop(slot, None)
            X = _to_device(dataset.X, self.device) if rows else \
                torch.from_numpy(np.ascontiguousarray(dataset.X)).to(self.device, non_blocking=True)
            y = None if dataset.y is None else torch.as_tensor(np.asarray(dataset.y)).to(self.device)
            cached = self._resident_cache[slot] = (dataset, X, y)
        # skorch's own batch sizes: iterator_train__ / iterator_valid__batch_size, else batch_size
        params = self.get_params_for("iterator_train" if training else "iterator_valid")
        size = params.get("batch_size", self.batch_size)
        return DeviceBatches(cached[1], cached[2], size, shuffle=training,
                             drop_last=bool(training and params.get("drop_last", False)))

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        self._resident_cache = {}  # free the device copies once the fit is over

    # ------------------------------------------------------------------ the step
    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.augment_generator_ = torch.Generator(device=self.device).manual_seed(int(self.augment_seed))

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        augment = self.augment
        lam, partner = 1.0, None
        if augment is not None and augment.active:
            Xi = augment.transform(Xi.to(self.device), self.augment_generator_)
            Xi, partner, lam = augment.mix(Xi, self.augment_generator_)
        y_pred = self.infer(Xi, **fit_params)
        yi = yi.to(y_pred.device)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        if lam < 1.0:
            loss = lam * loss + (1 - lam) * self.get_loss(y_pred, yi[partner], X=Xi, training=True)
        if self.scaler_ is not None:
            self.scaler_.scale(loss).backward()
            for name in self._optimizers:  # callbacks (gradient clipping) see the true gradients
                self.scaler_.unscale_(getattr(self, name + "_"))
        else:
            loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def _step_optimizer(self, step_fn):
        if getattr(self, "scaler_", None) is None:
            return super()._step_optimizer(step_fn)
        step_fn()
        for name in self._optimizers:
            self.scaler_.step(getattr(self, name + "_"))  # skips the step when the scaled gradients overflowed
        self.scaler_.update()
