"""The bars under the benchmark's fold bar: one per running fold, its phase and epoch, and the training windows the
epoch has read (windows/s, ETA of the epoch).

At real size one fold of a neural model trains for tens of minutes; the fold bar alone would not move for all of
that. :class:`RunningFolds` receives the states that :func:`~emoclip_plugin.benchmark.runner.run_task` reports
(``report(task_id, state)``, in the main process) and keeps one tqdm bar per running fold, with an ETA for the current
epoch; a fold's bar goes when its result arrives (:meth:`RunningFolds.finish`).
"""
from __future__ import annotations

from collections.abc import Callable


class RunningFolds:
    """One tqdm bar per running fold, below the fold bar (``position`` 1, 2, ...).

    Parameters
    ----------
    label : callable
        ``label(task_id) -> str``, the bar's name (e.g. ``"eegnet s03"``).
    disable : bool
        Show nothing (``--quiet``).
    mininterval : float
        tqdm's minimum seconds between two redraws of a bar.
    """

    def __init__(self, label: Callable[[str], str], disable: bool = False, mininterval: float = 1.0):
        self.label = label
        self.disable = disable
        self.mininterval = mininterval
        self._bars: dict[str, object] = {}
        self._positions: dict[str, int] = {}
        self._epochs: dict[str, tuple[str, int]] = {}
        self._finished: set[str] = set()

    def _position(self) -> int:
        used = set(self._positions.values())
        return next(p for p in range(1, len(used) + 2) if p not in used)

    def _bar(self, task_id: str):
        from tqdm.auto import tqdm
        bar = self._bars.get(task_id)
        if bar is None:
            position = self._positions[task_id] = self._position()
            bar = self._bars[task_id] = tqdm(total=None, desc=f"  {self.label(task_id) or task_id}", unit="window",
                                             leave=False, position=position, mininterval=self.mininterval,
                                             disable=self.disable)
        return bar

    def __call__(self, task_id: str, state: dict) -> None:
        """Show ``state`` of ``task_id`` (a late message of a fold already finished is ignored)."""
        if self.disable or task_id in self._finished:
            return
        bar = self._bar(task_id)
        phase = state.get("phase", "")
        if "epoch" not in state:  # "fitting" / "testing": no batches to count
            bar.set_postfix_str(phase)
            return
        text = f"{phase} epoch {state['epoch']}/{state['max_epochs']}"
        if "valid_loss" in state:
            text += f", valid loss {state['valid_loss']:.4f}"
        bar.set_postfix_str(text, refresh=False)
        rows = int(state["rows"])
        epoch = (phase, int(state["epoch"]))
        if self._epochs.get(task_id) != epoch:  # a new epoch: its own count, rate and ETA
            self._epochs[task_id] = epoch
            bar.reset(total=rows)
        bar.n = min(rows, int(state["batch"]) * int(state["batch_size"]))  # training windows read
        bar.refresh()

    def finish(self, task_id: str) -> None:
        """The fold's result arrived: remove its bar."""
        self._finished.add(task_id)
        self._epochs.pop(task_id, None)
        self._positions.pop(task_id, None)
        bar = self._bars.pop(task_id, None)
        if bar is not None:
            bar.close()

    def close(self) -> None:
        for task_id in list(self._bars):
            self.finish(task_id)
