"""Progress of a training run as it happens, for a display elsewhere (the benchmark's bar of each running fold).

:class:`TrainingProgress` is a skorch callback that hands a small ``dict`` to a ``report`` function at the start of
each epoch, every ``every`` seconds during it (training batches) and at its end. ``report`` decides where the state
goes: straight to a tqdm bar in the same process, or into a queue read by the process that shows the bars. The
callback only counts and reads the clock; it never syncs a device or reads a loss during an epoch, so it changes
neither the result nor, measurably, the speed.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from skorch.callbacks import Callback


class TrainingProgress(Callback):
    """skorch callback: report ``{"phase", "epoch", "max_epochs", "batch", "batches", "batch_size", "rows"}`` while
    a net trains.

    Parameters
    ----------
    report : callable
        Called with one ``dict``: ``phase`` (``"selection"``: a run with early stopping on a validation split;
        ``"refit"``: a later run of the same estimator on all its rows; ``"training"``: a run without validation),
        ``epoch`` (1-based), ``max_epochs``, ``batch`` (training batches done in this epoch), ``batches`` (in the
        epoch), ``batch_size`` and ``rows`` (training windows the epoch reads), and at an epoch's end ``valid_loss``
        when there is one.
    every : float
        Seconds between two reports inside an epoch (epoch starts and ends are always reported).
    """

    def __init__(self, report: Callable[[dict], None], every: float = 1.0):
        self.report = report
        self.every = every
        self._runs = 0

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        validated = net.train_split is not None
        self._phase = "selection" if validated else ("refit" if self._runs else "training")
        self._runs += 1
        self._epoch = len(net.history)  # 0 for a new run (skorch's history is reset by initialize)
        self._max_epochs = int(net.max_epochs)
        self._last = 0.0

    def _state(self, **extra) -> dict:
        return {"phase": self._phase, "epoch": self._epoch, "max_epochs": self._max_epochs,
                "batch": self._batch, "batches": self._batches, "batch_size": self._size, "rows": self._rows, **extra}

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self._epoch += 1
        self._batch = 0
        params = net.get_params_for("iterator_train")
        self._size = size = int(params.get("batch_size", net.batch_size))
        n = len(dataset_train) if dataset_train is not None else 0
        drop_last = params.get("drop_last", False)
        self._batches = max(1, n // size if drop_last else -(-n // size))
        self._rows = n // size * size if drop_last else n
        self._last = time.monotonic()
        self.report(self._state())

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        self._batch += 1
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.report(self._state())

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        extra = {"valid_loss": float(row["valid_loss"])} if "valid_loss" in row else {}
        self._batch = self._batches
        self.report(self._state(**extra))
