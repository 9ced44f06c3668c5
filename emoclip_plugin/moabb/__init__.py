"""SEED and SEED-IV in MOABB: dataset classes over local folders, an emotion paradigm, trial-grouped splits.

Needs the ``moabb`` extra (``pip install "emoclip-plugin[moabb]"``; ``make setup`` installs it). Without it, importing
this package raises one :class:`~emoclip_plugin.MissingDependencyError` that names the extra; the rest of
emoclip-plugin works without MOABB.

* :class:`SEED`, :class:`SEEDIV` — ``moabb.datasets.base.BaseDataset`` subclasses over the user's licence-gated folders
  (nothing is downloaded): sessions ``"0"``-``"2"`` in our loaders' order, one run per trial (``"0"``...), one event
  per window inside each trial.
* :class:`EmotionParadigm` — a ``BaseParadigm`` for emotion classes (accuracy; optional band-pass).
* :class:`TrialSplit` — SEED's standard within-session split by trials (first 9 train / last 6 test; SEED-IV 16 / 8),
  and :func:`make_evaluation` for MOABB's within-session, cross-session and cross-subject evaluations with folds
  grouped by trial, never by shuffled windows.
"""
from .._deps import require_extra

require_extra("moabb", "moabb")

from .datasets import SEED, SEEDIV, SEEDFolderDataset  # noqa: E402
from .evaluation import EVALUATIONS, TrialSplit, make_evaluation  # noqa: E402
from .paradigm import EmotionParadigm  # noqa: E402

__all__ = ["SEED", "SEEDIV", "SEEDFolderDataset", "EmotionParadigm", "TrialSplit", "make_evaluation", "EVALUATIONS"]
