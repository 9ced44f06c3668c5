"""The shared base of every neural classifier: fit (internal validation split, early stopping, refit after
selection), predict in fixed-size chunks, save / load and pickling; a skorch ``RecipeNet`` does the training.

Subclasses (:mod:`.emotionclip`, :mod:`.baselines`) say which input they take and build the module.
"""
from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GroupShuffleSplit
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data
from skorch.callbacks import Callback
from torch import nn

from ..training.augment import GridAugment
from ..training.devices import resolve_device, resolve_precision
from ..models.standardize import Standardized
from ..training.net import RecipeNet, lr_schedule_callback
from ..training.rows import RowDataset, Rows


def _silent(*args, **kwargs) -> None:
    """A print sink that discards (picklable, unlike a lambda)."""


def _is_torch_dataset(X) -> bool:
    return isinstance(X, torch.utils.data.Dataset) and not isinstance(X, np.ndarray)


def label_runs(y: np.ndarray) -> np.ndarray:
    """Group ids ``[n]`` of the runs of consecutive equal labels in ``y`` (``[0, 0, 1, 1, 0] -> [0, 0, 1, 1, 2]``): in
    recording order, each run is one or more whole trials."""
    y = np.asarray(y)
    if len(y) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(y[1:] != y[:-1])]).astype(np.int64)


def _dataset_to_arrays(X):
    """A TorchEEG dataset (or any map-style dataset of ``(x, label)``) -> ``X, y, groups`` (subject ids if known)."""
    from ..data.seed import to_numpy
    Xa, y, info = to_numpy(X)
    groups = info["subject_id"].to_numpy() if info is not None and "subject_id" in info else None
    return Xa, y, groups


def accepts_rows(estimator) -> bool:
    """Whether ``estimator.fit`` takes :class:`~emoclip_plugin.training.rows.Rows` (rows of a memory-mapped array,
    read per batch, never copied whole): every classifier on this module's shared base."""
    return isinstance(estimator, _TorchClassifier)


class _EpochBar(Callback):
    """skorch callback: one tqdm bar over epochs showing the latest losses."""

    def __init__(self, total: int):
        self.total = total

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm
        self._bar = tqdm(total=self.total, desc="epochs", unit="epoch", leave=False)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        self._bar.set_postfix({k: f"{row[k]:.4f}" for k in ("train_loss", "valid_loss", "valid_acc") if k in row})
        self._bar.update(1)

    def on_train_end(self, net, **kwargs):
        self._bar.close()


_TRAINING_DOC = """
    Parameters
    ----------
    lr : float
        AdamW learning rate.
    max_epochs : int
        Upper bound on training epochs.
    batch_size : int
        Mini-batch size (training and inference).
    weight_decay : float
        AdamW weight decay.
    betas : tuple of float
        AdamW betas.
    validation : float
        Fraction of the groups held out for early stopping (``fit``'s ``groups``; without them, runs of consecutive
        same-label rows, i.e. whole trials); ``0`` trains on everything for ``max_epochs``. Too few samples for a split -> a warning and no split.
    patience : int
        Early-stopping patience in epochs (on the validation loss); the best epoch's weights are restored.
    lr_schedule : {"cosine", "none"}
        Cosine annealing over ``max_epochs`` or a constant rate.
    gradient_clip : float or None
        Clip the gradient norm to this value.
    module_kwargs : dict or None
        Extra keyword arguments for the module's constructor (sizes, dropout ...).
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available). On CUDA each fit's arrays are moved to
        the device once and batched there.
    random_state : int, RandomState or None
        Seeds weight init, shuffling and the validation split; same seed -> same predictions on CPU.
    verbose : int
        0 silent; 1 a tqdm bar over epochs; 2 also skorch's per-epoch table.
    callbacks : list of (name, skorch Callback) or None
        Extra skorch callbacks (e.g. one that records a metric in ``history_`` each epoch).
    refit : bool
        After early stopping picked the epoch count on the held-out rows, retrain a fresh module on *all* the rows of
        ``fit`` for that many epochs (same seed, same learning rates per epoch). No effect without a validation split.
    warmup_epochs : int
        Linear learning-rate warm-up before the schedule (0 = none).
    label_smoothing : float
        Cross-entropy label smoothing in [0, 1).
    standardize : bool
        Standardise the input per value (``(x - mean) / std`` over the training rows, per frame, map and grid cell
        for frame grids), inside the module so a saved model keeps the statistics.
    augment : dict or None
        Training-batch augmentation (:class:`emoclip_plugin.training.augment.GridAugment`): keys ``noise`` (std),
        ``band_drop``, ``frame_drop``, ``electrode_drop`` (probabilities), ``mixup`` (Beta parameter); grid-only
        keys are skipped for flat input. Drawn from a generator seeded by ``random_state``.
    precision : {"auto", "32", "bf16", "16-mixed"}
        Numeric precision of the forward passes (``torch.autocast``; ``"16-mixed"`` adds a gradient scaler and needs
        CUDA). ``"auto"``: ``"bf16"`` on a CUDA device that supports it, else ``"32"`` (always ``"32"`` on the CPU).
    eval_batch_size : int or None
        Batch size of validation and prediction passes (``None``: ``batch_size``); larger is faster on a GPU.
    compile : bool
        ``torch.compile`` the module (skorch's ``compile=True``); pays a compilation once per fit.

    Attributes
    ----------
    classes_ : ndarray
        The labels seen in ``fit``, sorted; ``predict`` returns them.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net (``module_`` and ``history_`` are views on it).
    sample_shape_ : tuple
        Shape of one sample of ``X``.
    valid_indices_ : ndarray or None
        Rows of the ``fit`` input used for early stopping (``None`` without a split).
    n_epochs_ : int
        Epochs the final model was trained for.
    best_epoch_ : int
        The epoch early stopping selected (``n_epochs_`` without a validation split).
    refitted_ : bool
        Whether the final model was refitted on all rows after selection.
    selection_history_ : skorch History or None
        The selection run's history (with ``valid_loss``) when the model was refitted; ``history_`` is the refit's.
    device_ : str
        The device the model was trained on (``"auto"`` resolved).
    precision_ : str
        The precision it was trained in (``"auto"`` resolved).
"""


class _TorchClassifier(ClassifierMixin, BaseEstimator):
    """Shared fit / predict logic; subclasses say which input they take and build the module."""

    def __init__(self, lr: float = 1e-4, max_epochs: int = 200, batch_size: int = 64, weight_decay: float = 0.003,
                 betas: tuple = (0.9, 0.98), validation: float = 0.2, patience: int = 50, lr_schedule: str = "cosine",
                 gradient_clip: float | None = None, module_kwargs: dict | None = None, device: str = "cpu",
                 random_state=None, verbose: int = 0, callbacks: list | None = None, refit: bool = True,
                 warmup_epochs: int = 0, label_smoothing: float = 0.0, augment: dict | None = None,
                 standardize: bool = False, precision: str = "auto", eval_batch_size: int | None = None,
                 compile: bool = False):
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.betas = betas
        self.validation = validation
        self.patience = patience
        self.lr_schedule = lr_schedule
        self.gradient_clip = gradient_clip
        self.module_kwargs = module_kwargs
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.refit = refit
        self.warmup_epochs = warmup_epochs
        self.label_smoothing = label_smoothing
        self.augment = augment
        self.standardize = standardize
        self.precision = precision
        self.eval_batch_size = eval_batch_size
        self.compile = compile

    # ---------------------------------------------------------------- subclass hooks
    def _check_sample_shape(self, shape: tuple) -> None:
        """Raise ``ValueError`` when one sample's shape is not what the module takes."""

    def _build_module(self, shape: tuple, n_classes: int, restoring: dict | None = None) -> nn.Module:
        """The untrained module for samples of ``shape``; ``restoring`` is the saved meta when loading params."""
        raise NotImplementedError

    # ---------------------------------------------------------------- validation
    def _check_params(self) -> None:
        def bad(name, expected):
            raise ValueError(f"{type(self).__name__}: {name}={getattr(self, name)!r}; expected {expected}")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            bad("lr", "a positive number")
        for name in ("max_epochs", "batch_size"):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1):
                bad(name, "an integer >= 1")
        if not (isinstance(self.patience, (int, np.integer)) and self.patience >= 1):
            bad("patience", "an integer >= 1")
        if not (isinstance(self.weight_decay, (int, float)) and self.weight_decay >= 0):
            bad("weight_decay", "a number >= 0")
        if not (isinstance(self.validation, (int, float)) and 0 <= self.validation < 1):
            bad("validation", "a fraction in [0, 1)")
        if self.lr_schedule not in ("cosine", "none"):
            bad("lr_schedule", "'cosine' or 'none'")
        if self.gradient_clip is not None and not (isinstance(self.gradient_clip, (int, float))
                                                   and self.gradient_clip > 0):
            bad("gradient_clip", "None or a positive number")
        if self.module_kwargs is not None and not isinstance(self.module_kwargs, dict):
            bad("module_kwargs", "None or a dict")
        if self.verbose not in (0, 1, 2, False, True):
            bad("verbose", "0, 1 or 2")
        for flag in ("refit", "standardize", "compile"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                bad(flag, "True or False")
        if not (isinstance(self.warmup_epochs, (int, np.integer)) and not isinstance(self.warmup_epochs, bool)
                and 0 <= self.warmup_epochs < self.max_epochs):
            bad("warmup_epochs", "an integer >= 0 and below max_epochs")
        if not (isinstance(self.label_smoothing, (int, float)) and 0 <= self.label_smoothing < 1):
            bad("label_smoothing", "a number in [0, 1)")
        if self.eval_batch_size is not None and not (isinstance(self.eval_batch_size, (int, np.integer))
                                                     and not isinstance(self.eval_batch_size, bool)
                                                     and self.eval_batch_size >= 1):
            bad("eval_batch_size", "None or an integer >= 1")
        try:
            device = resolve_device(self.device)
            resolve_precision(self.precision, device)
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}: {err}") from None
        try:
            GridAugment.from_param(self.augment)
        except ValueError as err:
            raise ValueError(f"{type(self).__name__}: {err}") from None
        if self.callbacks is not None and not (isinstance(self.callbacks, (list, tuple)) and all(
                isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], str) for c in self.callbacks)):
            bad("callbacks", "None or a list of (name, skorch callback) pairs")

    def _validate_X(self, X, y=None, reset: bool = True):
        """Arrays -> float32 ``X`` (finite, >= 2-D) and ``y``; checks the per-sample shape."""
        if y is None and reset:
            Xv, yv = validate_data(self, X, y, allow_nd=True, dtype=np.float32, reset=reset), None
        elif y is None:
            Xv, yv = validate_data(self, X, allow_nd=True, dtype=np.float32, reset=False), None
        else:
            Xv, yv = validate_data(self, X, y, allow_nd=True, dtype=np.float32, reset=reset)
        if not Xv.flags.writeable or not Xv.flags.c_contiguous:
            Xv = np.ascontiguousarray(Xv).copy()
        shape = tuple(Xv.shape[1:])
        if reset:
            self._check_sample_shape(shape)
        else:
            self._check_fitted_shape(shape)
        return Xv, yv

    def _check_fitted_shape(self, shape: tuple) -> None:
        """Raise ``ValueError`` when samples of ``shape`` are not the shape this estimator was fitted on."""
        if tuple(shape) != self.sample_shape_:
            raise ValueError(f"X has samples of shape {list(shape)}, but {type(self).__name__} was fitted on "
                             f"{list(self.sample_shape_)}")

    def _validate_rows(self, X: Rows, y) -> tuple[Rows, np.ndarray]:
        """:class:`Rows` input: checked chunk by chunk (floating, finite, >= 2-D), never copied whole."""
        if y is None:
            raise ValueError(f"{type(self).__name__}.fit(Rows(...)) needs the labels y of those rows")
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"Found input variables with inconsistent numbers of samples: [{len(X)}, {len(y)}]")
        self._check_rows(X)
        self._check_sample_shape(tuple(X.shape[1:]))
        self.n_features_in_ = int(X.shape[1])
        return X, y

    @staticmethod
    def _check_rows(X: Rows) -> None:
        """``Rows`` of a floating array ``[n, ...]`` (>= 2-D) with finite values, read chunk by chunk."""
        if X.ndim < 2:
            raise ValueError(f"X has samples of shape {list(X.shape[1:])}; expected arrays [n, ...] of >= 2 dims")
        if not np.issubdtype(X.dtype, np.floating):
            raise ValueError(f"Rows of dtype {X.dtype}: expected a floating array (float32 is read as is)")
        start = 0
        for chunk in X.chunks():
            bad = ~np.isfinite(chunk).reshape(len(chunk), -1).all(axis=1)
            if bad.any():
                raise ValueError(f"Input X contains NaN or infinity (row {int(X.rows[start + np.argmax(bad)])} of "
                                 "the array)")
            start += len(chunk)

    # ---------------------------------------------------------------- fit
    def _split(self, n: int, y: np.ndarray, groups, rng,
               always_train: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Training and validation row indices. The validation rows are whole groups (``groups``; without them, whole
        runs of consecutive same-label rows, i.e. whole trials of data in recording order), never one of the
        ``always_train`` rows."""
        idx = np.arange(n)
        if not self.validation:
            return idx, None
        always = np.zeros(n, dtype=bool)
        if always_train is not None:
            always_train = np.asarray(always_train)
            if always_train.dtype == bool:
                if len(always_train) != n:
                    raise ValueError(f"always_train has {len(always_train)} entries but X has {n} samples")
                always = always_train.copy()
            else:
                always[always_train.astype(np.int64)] = True
        if groups is None:
            groups = label_runs(y)
        groups = np.asarray(groups)
        if len(groups) != n:
            raise ValueError(f"groups has {len(groups)} entries but X has {n} samples")
        candidates = idx[~always]
        seed = rng.randint(2 ** 31 - 1)
        try:
            if len(np.unique(groups[candidates])) < 2:
                raise ValueError("one group")
            splitter = GroupShuffleSplit(1, test_size=self.validation, random_state=seed)
            tr, va = next(splitter.split(candidates, y[candidates], groups[candidates]))
        except ValueError as err:
            warnings.warn(f"{type(self).__name__}: too few samples/groups for a validation split of "
                          f"{self.validation} ({err}); training on all {n} samples for max_epochs without early "
                          "stopping", UserWarning, stacklevel=3)
            return idx, None
        tr = np.sort(np.concatenate([candidates[tr], idx[always]]))
        va = candidates[va]
        if len(np.unique(y[tr])) < len(np.unique(y)):
            warnings.warn(f"{type(self).__name__}: the validation split left a class out of training; training on all "
                          "samples without early stopping", UserWarning, stacklevel=3)
            return idx, None
        return tr, va

    def _make_net(self, module: nn.Module, n_classes: int, valid, max_epochs: int | None = None,
                  augment_seed: int = 0, n_train: int | None = None) -> RecipeNet:
        """The skorch net; ``valid`` (a dataset of the held-out rows, or ``None``) turns on early stopping; ``max_epochs`` bounds a refit
        run (the learning-rate schedule keeps the horizon of ``self.max_epochs``, so a refit follows the same rates).
        ``n_train``: the training rows; when they leave a last batch of one sample (which BatchNorm cannot train on),
        that one sample is dropped each epoch (a different one every epoch: the batches are shuffled)."""
        from skorch.callbacks import EarlyStopping, GradientNormClipping
        from skorch.helper import predefined_split

        callbacks: list[Any] = []
        if valid is not None:
            callbacks.append(("early_stopping", EarlyStopping(monitor="valid_loss", patience=int(self.patience),
                                                              load_best=True, sink=_silent)))
        schedule = lr_schedule_callback(self.lr_schedule, int(self.warmup_epochs), int(self.max_epochs))
        if schedule is not None:
            callbacks.append(("lr_schedule", schedule))
        if self.gradient_clip is not None:
            callbacks.append(("gradient_clip", GradientNormClipping(float(self.gradient_clip))))
        epochs = int(self.max_epochs if max_epochs is None else max_epochs)
        if self.verbose:
            callbacks.append(("epoch_bar", _EpochBar(epochs)))
        callbacks += list(self.callbacks or [])
        device = resolve_device(self.device)
        return RecipeNet(
            module, criterion=nn.CrossEntropyLoss, criterion__label_smoothing=float(self.label_smoothing),
            optimizer=torch.optim.AdamW, lr=float(self.lr),
            optimizer__weight_decay=float(self.weight_decay), optimizer__betas=tuple(self.betas),
            max_epochs=epochs, batch_size=int(self.batch_size),
            train_split=predefined_split(valid) if valid is not None else None,
            iterator_train__shuffle=True, classes=list(range(n_classes)), callbacks=callbacks,
            device=device, verbose=int(self.verbose >= 2),
            augment=GridAugment.from_param(self.augment), augment_seed=augment_seed,
            precision=resolve_precision(self.precision, device), resident=device.startswith("cuda"),
            compile=bool(self.compile),
            **({"iterator_train__drop_last": True} if n_train is not None and n_train % int(self.batch_size) == 1
               and n_train > 1 else {}),
            **({"iterator_valid__batch_size": int(self.eval_batch_size)} if self.eval_batch_size else {}))

    def fit(self, X, y=None, groups=None, always_train=None):
        """Train on ``X`` (array ``[n, *sample_shape]``, :class:`~emoclip_plugin.training.rows.Rows` of one, or a
        TorchEEG dataset) and labels ``y``. Arrays and ``Rows`` are read one sample at a time for each batch: neither
        the training nor the validation rows are copied, so a memory-mapped array (``np.load(path, mmap_mode="r")``)
        or ``Rows`` of one train without the array ever being in memory whole.

        ``groups`` (e.g. subject ids or trial keys, ``[n]``) makes the internal validation split hold out whole
        groups; for a TorchEEG dataset they default to its ``subject_id`` column. Without groups the rows are taken
        to be in recording order and the split holds out whole runs of consecutive same-label rows (whole trials of
        SEED-style data), never single windows of a trial. ``always_train`` (boolean mask ``[n]`` or row indices):
        rows that always train and never validate, such as the test subject's few-shot calibration windows.
        """
        self._check_params()
        if _is_torch_dataset(X):
            if y is not None:
                raise ValueError("fit(dataset): the labels come from the dataset; pass y=None")
            X, y, ds_groups = _dataset_to_arrays(X)
            groups = ds_groups if groups is None else groups
        if isinstance(X, np.memmap):  # np.load(..., mmap_mode="r"): read per batch, as Rows of all of it
            X = Rows(X)
        if isinstance(X, Rows):
            X, y = self._validate_rows(X, y)
        else:
            X, y = self._validate_X(X, y, reset=True)
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"y has 1 class ({encoder.classes_[0]!r}); a classifier needs at least 2 classes")
        self.classes_ = encoder.classes_
        self.sample_shape_ = tuple(X.shape[1:])
        yi = encoder.transform(y).astype(np.int64)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(2 ** 31 - 1))
        tr, va = self._split(len(X), yi, groups, rng, always_train)
        self.valid_indices_ = va
        # every subset is read from X row by row (RowDataset): no copy of the training or validation rows
        rows = Rows(X)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            module = self._new_module(rows.take(tr))
            valid = RowDataset(rows.take(va), yi[va]) if va is not None else None
            self.net_ = self._make_net(module, len(self.classes_), valid, augment_seed=seed + 1, n_train=len(tr))
            self.net_.fit(RowDataset(rows.take(tr), yi[tr]), None)
            self.selection_history_ = None
            self.best_epoch_ = self._best_epoch() if va is not None else len(self.net_.history)
            if self.refit and va is not None:
                # Refit after selection: the epoch count chosen on the held-out rows, now on every training row.
                self.selection_history_ = self.net_.history
                torch.manual_seed(seed)
                self.net_ = self._make_net(self._new_module(rows), len(self.classes_), None,
                                           max_epochs=self.best_epoch_, augment_seed=seed + 1, n_train=len(X))
                self.net_.fit(RowDataset(rows, yi), None)
        self.refitted_ = bool(self.refit and va is not None)
        self.n_epochs_ = len(self.net_.history)
        self.device_ = str(self.net_.device)
        self.precision_ = self.net_.precision
        return self

    def _new_module(self, X: Rows) -> nn.Module:
        """A fresh module; with ``standardize`` its input statistics come from the rows ``X`` (read in chunks)."""
        try:
            module = self._build_module(self.sample_shape_, len(self.classes_))
        except TypeError as err:
            raise ValueError(f"{type(self).__name__}: module_kwargs={self.module_kwargs!r} do not fit the "
                             f"module: {err}") from err
        if self.standardize:
            module = self._standardized(module)
            next(m for m in module.modules() if isinstance(m, Standardized)).set_statistics(X)
        return module

    def _standardized(self, module: nn.Module) -> nn.Module:
        """``module`` with its input standardised (:class:`~emoclip_plugin.models.standardize.Standardized`)."""
        return Standardized(module, self.sample_shape_)

    def _best_epoch(self) -> int:
        """The epoch (1-based) whose weights early stopping restored: skorch's own choice (``best_epoch_`` of the
        ``EarlyStopping`` callback, with its improvement threshold), so a refit trains exactly that many epochs."""
        return max(1, int(dict(self.net_.callbacks_)["early_stopping"].best_epoch_))

    # ---------------------------------------------------------------- fitted views
    @property
    def module_(self) -> nn.Module:
        check_is_fitted(self, "net_")
        return _plain(self.net_.module_)

    @property
    def history_(self):
        check_is_fitted(self, "net_")
        return self.net_.history

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "net_")

    # ---------------------------------------------------------------- predict
    def _inputs(self, X) -> np.ndarray:
        check_is_fitted(self, "net_")
        if _is_torch_dataset(X):
            X = _dataset_to_arrays(X)[0]
        if isinstance(X, np.memmap):
            X = Rows(X)
        if isinstance(X, Rows):  # predicted batch by batch from the rows, never copied whole
            self._check_rows(X)
            self._check_fitted_shape(tuple(X.shape[1:]))
            return X
        return self._validate_X(X, reset=False)[0]

    def _logits(self, Xv: np.ndarray | Rows, module: nn.Module | None = None) -> torch.Tensor:
        """Logits ``[n, n_classes]`` (float32, CPU) in chunks of exactly ``eval_batch_size`` (default ``batch_size``)
        rows, the last one padded, in the fitted precision.

        Every row goes through the same matrix shapes whichever rows come with it, so a sample's prediction does not
        depend on the rest of ``X`` (float32 products of other shapes differ at the 1e-7 level: scikit-learn's
        subset-invariance check). Padding costs at most one batch per call."""
        module = self.net_.module_ if module is None else module  # compiled, if compile=True
        module.eval()
        device = next(module.parameters()).device
        size = int(self.eval_batch_size or self.batch_size)
        out = []
        with torch.no_grad(), self.net_.autocast():
            for start in range(0, len(Xv), size):
                xb = torch.from_numpy(np.asarray(Xv[start:start + size], dtype=np.float32))
                n = len(xb)
                if n < size:
                    xb = torch.cat([xb, xb[:1].expand(size - n, *xb.shape[1:])])
                out.append(module(xb.to(device, non_blocking=True))[:n].float().cpu())
        return torch.cat(out)

    def decision_function(self, X) -> np.ndarray:
        """Logits ``[n, n_classes]`` (for two classes: ``[n]``, the logit of ``classes_[1]`` minus ``classes_[0]``)."""
        logits = self._logits(self._inputs(X)).numpy()
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``[n, n_classes]`` in ``classes_`` order (rows sum to 1)."""
        return torch.softmax(self._logits(self._inputs(X)), dim=-1).numpy().astype(np.float64)

    def predict(self, X) -> np.ndarray:
        """Predicted labels, drawn from ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # ---------------------------------------------------------------- save / load
    def _meta(self) -> dict:
        classes = self.classes_.tolist()
        return {"estimator": type(self).__name__, "classes": classes, "sample_shape": list(self.sample_shape_)}

    def save_params(self, f_params=None, f_optimizer=None, f_criterion=None, f_history=None, f_meta=None) -> None:
        """skorch's ``save_params`` (module / optimizer / history files) plus ``f_meta``: a JSON file with
        ``classes_`` and the sample shape, which :meth:`load_params` needs to rebuild the module on a fresh estimator."""
        check_is_fitted(self, "net_")
        self.net_.save_params(f_params=f_params, f_optimizer=f_optimizer, f_criterion=f_criterion,
                              f_history=f_history)
        if f_meta is not None:
            with open(f_meta, "w") as fh:
                json.dump(self._meta(), fh)

    def _init_from_meta(self, meta: dict) -> None:
        if meta.get("estimator") != type(self).__name__:
            raise ValueError(f"meta file is for {meta.get('estimator')}, not {type(self).__name__}")
        self.classes_ = np.asarray(meta["classes"])
        self.sample_shape_ = tuple(meta["sample_shape"])
        self.n_features_in_ = self.sample_shape_[0]
        module = self._build_module(self.sample_shape_, len(self.classes_), restoring=meta)
        self.net_ = self._make_net(self._standardized(module) if self.standardize else module, len(self.classes_),
                                   None)
        self.net_.initialize()

    def __getstate__(self) -> dict:
        # Pickle the fitted module as a state_dict plus the meta that rebuilds it: modules with parametrizations
        # (braindecode's max-norm constrained layers) cannot be pickled whole.
        state = self.__dict__.copy()
        net = state.pop("net_", None)
        if net is not None:
            state["_packed_net"] = {"meta": self._meta(),
                                    "module": {k: v.cpu() for k, v in _plain(net.module_).state_dict().items()},
                                    "history": net.history}
        return state

    def __setstate__(self, state: dict) -> None:
        packed = state.pop("_packed_net", None)
        self.__dict__.update(state)
        if packed is not None:
            self._init_from_meta(packed["meta"])
            _plain(self.net_.module_).load_state_dict(packed["module"])
            self.net_.history = packed["history"]

    def load_params(self, f_params=None, f_optimizer=None, f_criterion=None, f_history=None, f_meta=None):
        """Load files written by :meth:`save_params`; an unfitted estimator needs ``f_meta``. Returns ``self``."""
        self._check_params()
        if f_meta is not None:
            with open(f_meta) as fh:
                self._init_from_meta(json.load(fh))
        elif not hasattr(self, "net_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted; pass f_meta= (written by save_params) to "
                                 "rebuild the module before loading its parameters")
        self.net_.load_params(f_params=f_params, f_optimizer=f_optimizer, f_criterion=f_criterion,
                              f_history=f_history)
        return self


def _plain(module: nn.Module) -> nn.Module:
    """The module itself, not its ``torch.compile`` wrapper (whose state-dict keys carry a ``_orig_mod.`` prefix)."""
    return getattr(module, "_orig_mod", module)
