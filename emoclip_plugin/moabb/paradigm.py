"""An emotion-recognition paradigm for MOABB (MOABB has none): windows of the dataset's length, accuracy."""
from __future__ import annotations

from moabb.paradigms.base import BaseParadigm


class EmotionParadigm(BaseParadigm):
    """Emotion classes from windows inside film-clip trials (:class:`~emoclip_plugin.moabb.SEED`, ``SEEDIV``).

    ``get_data`` returns ``X [n_windows, n_chans, n_times]`` in microvolts (the dataset's ``unit_factor``), ``y`` the
    emotion names, and metadata with ``subject``, ``session`` and ``run`` (= the trial: group cross-validation by it).

    Parameters
    ----------
    events : list of str, optional
        Emotions to keep (default: all of the dataset's).
    filters : list of (low, high), optional
        Band-pass filters in Hz applied to the continuous trials before windowing (MOABB's IIR filter); one entry per
        filter-bank band. Default ``None``: no filtering (SEED's files are already band-limited, 0-75 Hz).
    tmin, tmax : float
        Window start / end in s relative to each window marker. Default: the dataset's whole window, ``tmax =
        window - 1/sfreq`` (MOABB's epochs include their end sample, so 2-s windows at 200 Hz have 400 samples).
    channels : list of str, optional
        Channels to keep (default: all EEG channels).
    resample : float, optional
        New sampling rate in Hz.
    scorer : str or callable, optional
        scikit-learn scorer (default ``"accuracy"``, also with two classes).
    """

    def __init__(self, events: list[str] | None = None, filters: list | None = None, tmin: float = 0.0,
                 tmax: float | None = None, channels: list[str] | None = None, resample: float | None = None,
                 scorer=None):
        super().__init__(filters=[tuple(f) for f in filters] if filters else [(None, None)], events=events,
                         tmin=tmin, tmax=tmax, channels=channels, resample=resample, scorer=scorer)

    def _get_epochs_pipeline(self, return_epochs, return_raws, dataset):
        sfreq = getattr(dataset, "sfreq", None)
        if self.tmax is not None or sfreq is None:
            return super()._get_epochs_pipeline(return_epochs, return_raws, dataset)
        self.tmax = dataset.interval[1] - dataset.interval[0] - 1.0 / sfreq  # this dataset's window, end excluded
        try:
            return super()._get_epochs_pipeline(return_epochs, return_raws, dataset)
        finally:
            self.tmax = None

    def is_valid(self, dataset) -> bool:
        if dataset.paradigm != "emotion":
            return False
        return not self.events or set(self.events) <= set(dataset.event_id)

    def used_events(self, dataset) -> dict:
        names = self.events or list(dataset.event_id)
        return {name: dataset.event_id[name] for name in names}

    @property
    def datasets(self) -> list:
        """MOABB's registry has no emotion dataset, and ours need a local folder: pass ``datasets=[SEED(path)]``."""
        return []

    @property
    def scoring(self):
        return self.scorer if self.scorer is not None else "accuracy"
