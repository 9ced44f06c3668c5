"""The pipelines ``run_moabb.py`` compares, built from a benchmark configuration (raw windows in, labels out).

* ``EmotionCLIP`` — :class:`~emoclip_plugin.data.transformers.FrameGrids` -> :class:`EmotionCLIPClassifier` (the preset's
  EmotionCLIP parameters; class prompts from the dataset's event names in the order MOABB encodes them);
* ``DGCNN`` — :class:`~emoclip_plugin.data.transformers.BandDEFeatures` -> :class:`DGCNNClassifier` (the preset's);
* ``TS+LR`` — the Riemannian baseline: OAS covariances -> tangent space -> logistic regression (pyriemann, which comes
  with MOABB).

Each is wrapped in :class:`~.calibration.WithTargetCalibration`, so MOABB's labelled target-calibration windows (cross-
subject ``cs_mode``) are added to training; outside those modes the wrapper only fits the pipeline.
"""
from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from ..training.devices import resolve_device, resolve_precision
from ..estimators import get_estimator
from ..data.transformers import BandDEFeatures, FrameGrids
from .calibration import WithTargetCalibration

#: Pipeline names, in table order.
PIPELINES = ("EmotionCLIP", "DGCNN", "TS+LR")


def class_names(dataset) -> list[str]:
    """Event names in the order MOABB's evaluations encode labels (``LabelEncoder``: sorted), for the text prompts."""
    return sorted(dataset.event_id)


def make_pipelines(dataset, config: dict, names=PIPELINES, device: str | None = None,
                   random_state: int = 0) -> dict:
    """``{name: estimator}`` for MOABB's ``evaluation.process(pipelines)``.

    ``config``: a resolved benchmark configuration (``emoclip_plugin.benchmark.presets.resolve_config("smoke")``),
    which supplies the neural models' parameters, validation and refit; ``device`` defaults to its own (``"auto"``:
    a GPU when there is one).
    """
    unknown = [n for n in names if n not in PIPELINES]
    if unknown:
        raise ValueError(f"unknown pipeline(s) {unknown}; choose from {', '.join(PIPELINES)}")
    where = resolve_device(device or config["device"])
    neural = {"device": where, "precision": resolve_precision(config["precision"], where),
              "random_state": random_state, "validation": config["validation"], "refit": config["refit"]}
    out = {}
    for name in names:
        if name == "EmotionCLIP":
            clf = get_estimator("emotionclip", **{**config["models"]["emotionclip"], **neural,
                                                  "class_names": class_names(dataset)})
            pipe = make_pipeline(FrameGrids(), clf)
        elif name == "DGCNN":
            pipe = make_pipeline(BandDEFeatures(), get_estimator("dgcnn", **{**config["models"]["dgcnn"], **neural}))
        else:
            from pyriemann.estimation import Covariances
            from pyriemann.tangentspace import TangentSpace
            pipe = make_pipeline(Covariances(estimator="oas"), TangentSpace(metric="riemann"),
                                 LogisticRegression(max_iter=1000))
        out[name] = WithTargetCalibration(pipe)
    return out
