"""The generated default folders are learnable but not trivial: DE + logistic regression, leave-one-subject-out."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneGroupOut, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from emoclip_plugin.data.seed import load_dataset, to_numpy
from emoclip_plugin.data.synthetic import write_folder


@pytest.mark.parametrize("dataset,chance", [("seed", 1 / 3), ("seed-iv", 1 / 4)])
def test_de_logistic_regression_loso_on_defaults(tmp_path, dataset, chance):
    root = write_folder(tmp_path / "data", dataset)  # the default settings: 5 subjects, 30-s trials, seed 0
    ds = load_dataset(root, dataset, "de", cache_dir=tmp_path / "cache")
    X, y, info = to_numpy(ds)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    scores = cross_val_score(clf, X.reshape(len(X), -1), y, groups=info["subject_id"], cv=LeaveOneGroupOut())
    print(f"\n{dataset}: DE + LR leave-one-subject-out accuracy per subject {np.round(scores, 3).tolist()}, "
          f"mean {scores.mean():.3f} (chance {chance:.3f})")
    assert scores.mean() > chance + 0.15  # clearly above chance
    assert scores.mean() < 0.9 and scores.max() < 0.95  # clearly below 100 %
