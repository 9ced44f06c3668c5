"""The scikit-learn / skorch estimators: contract checks, labels, save/load, zero-shot, baselines, bad input."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

import emoclip_plugin
from emoclip_plugin.data.seed import load_seed, to_numpy
from emoclip_plugin.estimators import (CCNNClassifier, DGCNNClassifier, EEGNetClassifier, EmotionCLIPClassifier,
                                       SSTLegoViTClassifier, estimator_input_kind, get_estimator, list_estimators)

TINY = dict(d_model=16, n_heads=2, depths=(1, 1, 1), conv_hidden=16, img_size=16, drop_path=0.0)
FAST = dict(lr=1e-2, max_epochs=20, random_state=0)

# Every check of scikit-learn's suite runs on real fits (2-D input -> the MLP encoder). None is expected to fail.
EXPECTED_FAILURES: dict[str, str] = {}


@parametrize_with_checks([EmotionCLIPClassifier(**FAST)], expected_failed_checks=lambda est: EXPECTED_FAILURES)
def test_sklearn_contract(estimator, check):
    check(estimator)


def test_public_import():
    assert emoclip_plugin.EmotionCLIPClassifier is EmotionCLIPClassifier
    assert set(list_estimators()) == {"emotionclip", "sst_legovit", "dgcnn", "ccnn", "eegnet", "de_logreg",
                                      "svm_de", "frames_logreg", "emotionclip_mlp"}
    assert estimator_input_kind("dgcnn") == "de"
    assert estimator_input_kind("braindecode:EEGNetv4") == "raw"
    with pytest.raises(ValueError, match="unknown model 'nope'; choose from emotionclip"):
        get_estimator("nope")


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(240, n_features=12, centers=3, random_state=1)
    return X.astype(np.float32), y


@pytest.mark.parametrize("labels, expected_names", [
    ([-1, 0, 1], ["negative", "neutral", "positive"]),
    (["sad", "calm", "happy"], ["calm", "happy", "sad"]),
])
def test_any_labels_round_trip(blobs, labels, expected_names):
    X, yi = blobs
    y = np.asarray(labels)[yi]
    clf = EmotionCLIPClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == sorted(labels)
    assert clf.class_names_ == expected_names
    pred = clf.predict(X)
    assert set(pred) <= set(labels) and np.mean(pred == y) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3) and np.allclose(proba.sum(1), 1)
    assert clf.decision_function(X).shape == (len(X), 3)
    # the text side follows classes_: one prompt row per class, in classes_ order
    assert clf.module_.class_names == expected_names and clf.module_.text_features.shape[0] == 3


def test_explicit_class_names_and_prompts(blobs):
    X, yi = blobs
    clf = EmotionCLIPClassifier(class_names={0: "calm", 1: "angry", 2: "joyful"}, prompts=["I feel {}", "{} mood"],
                                **FAST).fit(X, yi)
    assert clf.class_names_ == ["calm", "angry", "joyful"]
    assert clf.module_.text_features.shape[:2] == (3, 2)
    with pytest.raises(ValueError, match="class_names has 2 names but y has 3 classes"):
        EmotionCLIPClassifier(class_names=["a", "b"], **FAST).fit(X, yi)
    with pytest.raises(ValueError, match="prompts="):
        EmotionCLIPClassifier(prompts=["no placeholder"], **FAST).fit(X, yi)


def test_reproducible_and_seed_sensitive(blobs):
    X, y = blobs
    a = EmotionCLIPClassifier(**FAST).fit(X, y).predict_proba(X)
    b = EmotionCLIPClassifier(**FAST).fit(X, y).predict_proba(X)
    c = EmotionCLIPClassifier(**{**FAST, "random_state": 1}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_training_conveniences(blobs, capsys):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((240, 12)).astype(np.float32), rng.integers(0, 3, 240)  # nothing to learn: overfits
    groups = np.repeat(np.arange(6), 40)
    clf = EmotionCLIPClassifier(lr=1e-2, max_epochs=60, patience=3, gradient_clip=1.0, device="auto", random_state=0,
                                verbose=1, refit=False).fit(X, y, groups=groups)
    # validation holds out whole groups, never training groups
    held = set(groups[clf.valid_indices_])
    assert held and held.isdisjoint(set(np.delete(groups, clf.valid_indices_)))
    # early stopping on the validation loss stopped before max_epochs; cosine schedule lowered the rate
    assert clf.n_epochs_ < 60
    lrs = [row["event_lr"] for row in clf.history_ if "event_lr" in row]
    assert len(lrs) >= 2 and lrs[-1] < lrs[0]
    assert "epochs" in capsys.readouterr().err  # the tqdm bar
    EmotionCLIPClassifier(**FAST).fit(X, y)
    out = capsys.readouterr()
    assert out.out == "" and "epochs" not in out.err
    with pytest.raises(ValueError, match="groups has 3 entries but X has 240"):
        EmotionCLIPClassifier(**FAST).fit(X, y, groups=[0, 1, 2])


def test_save_load_pickle_clone_without_text_encoder(blobs, tmp_path, monkeypatch):
    X, y = blobs
    y = np.array(["neg", "neu", "pos"])[y]
    clf = EmotionCLIPClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    files = {k: tmp_path / f"{k}" for k in ("f_params", "f_optimizer", "f_history", "f_meta")}
    clf.save_params(**files)
    blob = pickle.dumps(clf)

    def no_text_encoder(*args, **kwargs):
        raise AssertionError("the text encoder must not be loaded to restore a fitted model")
    monkeypatch.setattr("emoclip_plugin.text.encoders.load_text_encoder", no_text_encoder)
    restored = EmotionCLIPClassifier(**FAST).load_params(**files)
    np.testing.assert_allclose(restored.predict_proba(X), expected, atol=1e-6)
    assert list(restored.classes_) == ["neg", "neu", "pos"] and len(restored.history_) == clf.n_epochs_
    unpickled = pickle.loads(blob)
    np.testing.assert_allclose(unpickled.predict_proba(X), expected, atol=1e-6)
    cloned = clone(clf)
    assert cloned.get_params() == clf.get_params() and not hasattr(cloned, "net_")
    with pytest.raises(NotFittedError, match="f_meta"):
        EmotionCLIPClassifier(**FAST).load_params(f_params=files["f_params"])


def test_zero_shot_new_labels(blobs):
    X, y = blobs
    clf = EmotionCLIPClassifier(dataset="seed", **FAST).fit(X, y)
    new = clf.predict_zero_shot(X, ["neutral", "sad", "fear", "happy"], labels=[10, 11, 12, 13])
    assert new.shape == (len(X),) and set(new) <= {10, 11, 12, 13}
    proba = clf.predict_proba_zero_shot(X, ["neutral", "sad", "fear", "happy"])
    assert proba.shape == (len(X), 4) and np.allclose(proba.sum(1), 1)
    names = clf.predict_zero_shot(X[:5], ["calm", "upset"])
    assert set(names) <= {"calm", "upset"}
    # the fitted model itself is unchanged
    assert clf.module_.class_names == ["negative", "neutral", "positive"]


def test_bad_input(blobs):
    X, y = blobs
    with pytest.raises(NotFittedError):
        EmotionCLIPClassifier().predict(X)
    with pytest.raises(ValueError, match="frames, 2 \\* bands, height, width"):
        EmotionCLIPClassifier(**FAST).fit(np.zeros((10, 3, 9, 9), np.float32), np.arange(10) % 2)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        EmotionCLIPClassifier(**FAST).fit(Xn, y)
    with pytest.raises(ValueError, match="1 class"):
        EmotionCLIPClassifier(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        EmotionCLIPClassifier(**FAST).fit(X, y[:-1])
    with pytest.raises(ValueError, match="lr=-1"):
        EmotionCLIPClassifier(lr=-1).fit(X, y)
    with pytest.raises(ValueError, match="device='tpu'"):
        EmotionCLIPClassifier(**{**FAST, "device": "tpu"}).fit(X, y)
    with pytest.raises(ValueError, match="module_kwargs"):
        EmotionCLIPClassifier(**FAST, module_kwargs={"d_model": 8}).fit(X, y)
    clf = EmotionCLIPClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="expecting 12 features"):
        clf.predict(X[:, :5])


@pytest.fixture(scope="module")
def seed_frames(seed_root, tmp_path_factory):
    """EmotionCLIP frame grids of the small generated SEED folder, through TorchEEG."""
    ds = load_seed(seed_root, "emotionclip", cache_dir=tmp_path_factory.mktemp("est-cache"))
    return ds


def test_sst_legovit_encoder_on_torcheeg_dataset(seed_frames):
    X, y, info = to_numpy(seed_frames)
    assert X.shape[1:] == (4, 12, 9, 9)
    clf = EmotionCLIPClassifier(lr=1e-3, max_epochs=3, batch_size=64, module_kwargs=TINY, random_state=0)
    clf.fit(seed_frames)  # labels and subject groups from the dataset
    assert isinstance(clf.module_.encoder, emoclip_plugin.SSTLegoViT)
    assert set(info["subject_id"].iloc[clf.valid_indices_]).isdisjoint(
        set(np.delete(info["subject_id"].to_numpy(), clf.valid_indices_)))
    pred = clf.predict(seed_frames)
    assert pred.shape == (len(seed_frames),) and set(pred) <= {0, 1, 2}
    np.testing.assert_array_equal(pred, clf.predict(X))
    ablation = SSTLegoViTClassifier(lr=1e-3, max_epochs=2, module_kwargs=TINY, random_state=0).fit(X, y)
    assert isinstance(ablation.module_, emoclip_plugin.SSTLegoViT) and ablation.module_.n_outputs == 3
    with pytest.raises(ValueError, match="SSTLegoViTClassifier expects X of shape"):
        SSTLegoViTClassifier(**FAST).fit(X.reshape(len(X), -1), y)


def test_grid_search_group_kfold(seed_root, tmp_path):
    ds = load_seed(seed_root, "de", cache_dir=tmp_path / "c")
    X, y, info = to_numpy(ds)
    X = X.reshape(len(X), -1)  # flat DE [n, 310], the common SEED representation -> MLP encoder
    groups = info["subject_id"].to_numpy()
    search = GridSearchCV(EmotionCLIPClassifier(random_state=0, patience=5),
                          {"lr": [1e-3, 1e-2], "max_epochs": [2, 6]}, cv=GroupKFold(n_splits=3))
    search.fit(X, y, groups=groups)
    assert set(search.best_params_) == {"lr", "max_epochs"}
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert 0 <= search.best_score_ <= 1 and search.predict(X).shape == y.shape


def test_baselines_same_api(seed_root, tmp_path):
    import torcheeg.models
    from braindecode.models import EEGNet
    data = {kind: to_numpy(load_seed(seed_root, kind, cache_dir=tmp_path / "c"))[:2] for kind in ("de", "de_grid")}
    X, y = data["de"]
    dg = DGCNNClassifier(lr=1e-2, max_epochs=3, random_state=0).fit(X, y)
    assert type(dg.module_) is torcheeg.models.DGCNN
    assert dg.predict_proba(X).shape == (len(X), 3)
    Xg, yg = data["de_grid"]
    cc = CCNNClassifier(lr=1e-3, max_epochs=2, random_state=0).fit(Xg, yg)
    assert type(cc.module_) is torcheeg.models.CCNN and set(cc.predict(Xg)) <= {0, 1, 2}
    raw = np.random.default_rng(0).standard_normal((60, 62, 200)).astype(np.float32)
    eg = EEGNetClassifier(lr=1e-3, max_epochs=2, random_state=0).fit(raw, np.arange(60) % 3)
    assert isinstance(eg.module_, EEGNet) and eg.predict(raw).shape == (60,)
    logreg = get_estimator("de_logreg").fit(X, y)
    assert logreg.score(X, y) > 0.5
    with pytest.raises(ValueError, match="DGCNNClassifier expects X of shape \\[n, electrodes, bands\\]"):
        DGCNNClassifier().fit(Xg, yg)
    for est in (dg, cc, eg):
        assert pickle.loads(pickle.dumps(est)).predict(X if est is dg else Xg if est is cc else raw).shape
