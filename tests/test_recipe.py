"""The training recipe: refit after selection, augmentations, label smoothing / warm-up, standardisation, probes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from emoclip_plugin.training.augment import AUGMENT_KEYS, GridAugment
from emoclip_plugin.estimators import (EmotionCLIPClassifier, EmotionCLIPMLPClassifier, SSTLegoViTClassifier,
                                       estimator_input_kind, get_estimator, make_frames_logreg)
from emoclip_plugin.models.standardize import Standardized
from emoclip_plugin.training import warmup_cosine

TINY = dict(d_model=16, n_heads=2, depths=(1, 1, 1), conv_hidden=16, img_size=16, drop_path=0.0)
FAST = dict(lr=1e-2, max_epochs=20, random_state=0)


def _grids(n=8, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal((n, 4, 12, 9, 9)).astype(np.float32))


# ---------------------------------------------------------------- augmentations
@pytest.mark.parametrize("key, value", [("noise", 0.5), ("band_drop", 0.5), ("frame_drop", 0.5),
                                        ("electrode_drop", 0.5), ("mixup", 0.4)])
def test_each_augmentation_shape_determinism_and_effect(key, value):
    x = _grids()
    aug = GridAugment(**{key: value})

    def apply(seed):
        g = torch.Generator().manual_seed(seed)
        out = aug.transform(x, g)
        mixed, partner, lam = aug.mix(out, g)
        return mixed, partner, lam

    a, pa, la = apply(0)
    b, pb, lb = apply(0)
    c, _, _ = apply(1)
    assert a.shape == x.shape and a.dtype == x.dtype
    torch.testing.assert_close(a, b, rtol=0, atol=0)  # same seed -> same batch
    assert torch.equal(pa, pb) and la == lb
    assert not torch.equal(a, x) and not torch.equal(a, c)  # it does something, and depends on the seed
    assert torch.equal(x, _grids())  # the input batch is not modified in place


def test_structured_dropouts_drop_whole_units():
    x = _grids(64) + 10.0  # no zeros of its own
    g = torch.Generator().manual_seed(0)
    out = GridAugment(band_drop=0.5).transform(x, g)
    zero = (out == 0).all(dim=(1, 3, 4))  # [B, 12]: a map zero in every frame and cell
    assert zero.any() and torch.equal(zero[:, :6], zero[:, 6:])  # a band's DE and PSD maps go together
    assert ((out == 0) == zero[:, None, :, None, None].expand_as(out)).all()
    out = GridAugment(frame_drop=0.9).transform(x, g)
    frames_zero = (out == 0).all(dim=(2, 3, 4))
    assert frames_zero.any() and not frames_zero.all(dim=1).any()  # never every frame of a sample
    out = GridAugment(electrode_drop=0.3).transform(x, g)
    cells_zero = (out == 0).all(dim=(1, 2))  # [B, 9, 9]
    assert cells_zero.any() and ((out == 0) == cells_zero[:, None, None].expand_as(out)).all()


def test_mixup_weights_and_flat_input():
    x = torch.randn(16, 20)
    g = torch.Generator().manual_seed(0)
    aug = GridAugment(noise=0.1, band_drop=0.5, frame_drop=0.5, electrode_drop=0.5, mixup=1.0)
    out = aug.transform(x, g)  # flat input: noise only, the structured dropouts need the grid
    assert out.shape == x.shape and (out != 0).all()
    mixed, partner, lam = aug.mix(out, g)
    assert 0.5 <= lam <= 1.0
    torch.testing.assert_close(mixed, lam * out + (1 - lam) * out[partner])


@pytest.mark.parametrize("bad, message", [({"noise": -1}, "noise=-1"), ({"band_drop": 1.0}, "probability"),
                                          ({"mixup": "a"}, "expected a number"), ({"blur": 1}, "unknown key")])
def test_bad_augment_values(bad, message):
    with pytest.raises(ValueError, match=message):
        GridAugment.from_param(bad)
    X, y = np.zeros((30, 4), np.float32), np.arange(30) % 3
    with pytest.raises(ValueError, match=message):
        EmotionCLIPClassifier(augment=bad).fit(X, y)
    assert set(AUGMENT_KEYS) == {"noise", "band_drop", "frame_drop", "electrode_drop", "mixup"}


def test_warmup_cosine_schedule():
    factors = [warmup_cosine(e, warmup=3, total=13) for e in range(13)]
    assert factors[:3] == [0.25, 0.5, 0.75] and factors[3] == 1.0
    assert all(a > b for a, b in zip(factors[3:], factors[4:])) and factors[-1] > 0


# ---------------------------------------------------------------- refit after selection
def test_refit_sees_every_fit_row_for_the_selected_epochs(blobs_grids):
    X, y, groups = blobs_grids
    seen: list[np.ndarray] = []

    from skorch.callbacks import Callback

    class Record(Callback):
        def on_train_begin(self, net, X=None, y=None, **kwargs):
            seen.append(np.stack([X[i][0] for i in range(len(X))]))  # the rows the net trains on, read from it

    test = groups == 5
    clf = SSTLegoViTClassifier(**{**FAST, "max_epochs": 6}, module_kwargs=TINY, patience=2, validation=0.3,
                               callbacks=[("record", Record())])
    clf.fit(X[~test], y[~test], groups=groups[~test])
    assert clf.refitted_ and clf.valid_indices_ is not None
    selection, refit = seen
    n_fit = int((~test).sum())
    assert len(selection) == n_fit - len(clf.valid_indices_)  # selection: training rows minus the held-out groups
    assert len(refit) == n_fit  # refit: every row given to fit, exactly those
    np.testing.assert_array_equal(refit, X[~test])
    assert clf.n_epochs_ == clf.best_epoch_ == len(clf.history_)
    assert "valid_loss" not in clf.history_[-1]  # the refit has no validation data
    no_refit = clone(clf).set_params(refit=False, callbacks=None).fit(X[~test], y[~test], groups=groups[~test])
    assert not no_refit.refitted_ and no_refit.selection_history_ is None
    # without a validation split there is nothing to select: no refit
    whole = clone(clf).set_params(validation=0.0, callbacks=None).fit(X[~test], y[~test])
    assert not whole.refitted_ and whole.n_epochs_ == 6


def test_refit_epochs_are_the_epoch_early_stopping_restores(blobs_grids, monkeypatch):
    """skorch's EarlyStopping ignores improvements below its threshold (1e-4, relative) when it picks the weights
    to restore; the refit must train for that epoch count, not the raw argmin of the validation loss."""
    from skorch.callbacks import EarlyStopping
    X, y, groups = blobs_grids
    scripted = [1.0, 0.5, 0.49999, 0.6, 0.7, 0.8, 0.9, 1.0]  # epoch 3 is lower, but by less than the threshold
    real = EarlyStopping.on_epoch_end

    def scripted_loss(self, net, **kwargs):
        net.history.record("valid_loss", scripted[len(net.history) - 1])
        return real(self, net, **kwargs)

    monkeypatch.setattr(EarlyStopping, "on_epoch_end", scripted_loss)
    clf = SSTLegoViTClassifier(**{**FAST, "max_epochs": 8}, module_kwargs=TINY, patience=3, validation=0.3)
    clf.fit(X, y, groups=groups)
    losses = [row["valid_loss"] for row in clf.selection_history_]
    assert int(np.argmin(losses)) + 1 == 3  # the raw minimum
    assert clf.best_epoch_ == 2 == clf.n_epochs_ == len(clf.history_)  # the restored epoch, and the refit's length


@pytest.fixture(scope="module")
def blobs_grids():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40)
    groups = np.tile(np.arange(6), 20)
    X = (rng.standard_normal((120, 4, 12, 9, 9)) + y[:, None, None, None, None] * 0.5).astype(np.float32)
    return X, y, groups


# ---------------------------------------------------------------- the recipe trains, reproducibly
def test_recipe_reproducible_and_standardize_saved(blobs_grids, tmp_path):
    X, y, groups = blobs_grids
    params = dict(**{**FAST, "max_epochs": 4}, module_kwargs=TINY, augment={"noise": 0.2, "band_drop": 0.1, "mixup": 0.4},
                  label_smoothing=0.1, warmup_epochs=1, standardize=True)
    a = EmotionCLIPClassifier(**params).fit(X, y, groups=groups)
    b = EmotionCLIPClassifier(**params).fit(X, y, groups=groups)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = EmotionCLIPClassifier(**{**params, "random_state": 1}).fit(X, y, groups=groups)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))
    scaler = a.module_.encoder
    assert isinstance(scaler, Standardized)
    np.testing.assert_allclose(scaler.mean.numpy(), X.mean(0), atol=1e-5)  # refit: statistics of all fit rows
    files = {k: tmp_path / k for k in ("f_params", "f_meta")}
    a.save_params(**files)
    restored = EmotionCLIPClassifier(**params).load_params(**files)
    np.testing.assert_allclose(restored.predict_proba(X), a.predict_proba(X), atol=1e-6)
    zs = a.predict_zero_shot(X[:5], ["calm", "sad"])  # the text side still works with a standardised encoder
    assert set(zs) <= {"calm", "sad"}
    for bad, message in [({"refit": "yes"}, "refit='yes'"), ({"standardize": 1}, "standardize=1"),
                         ({"label_smoothing": 1.0}, "label_smoothing"), ({"warmup_epochs": 4}, "warmup_epochs")]:
        with pytest.raises(ValueError, match=message):
            EmotionCLIPClassifier(**{**params, **bad}).fit(X, y)


# ---------------------------------------------------------------- the input probes
@parametrize_with_checks([make_frames_logreg(), EmotionCLIPMLPClassifier(**FAST)])
def test_probe_sklearn_contract(estimator, check):
    check(estimator)


def test_probes_are_named_models(blobs_grids):
    X, y, groups = blobs_grids
    assert estimator_input_kind("frames_logreg") == estimator_input_kind("emotionclip_mlp") == "emotionclip"
    probe = get_estimator("frames_logreg").fit(X, y)
    assert probe.predict(X).shape == (len(X),) and probe.score(X, y) > 0.9
    mlp = get_estimator("emotionclip_mlp", max_epochs=5, random_state=0).fit(X, y, groups=groups)
    assert mlp.predict(X[:7]).shape == (7,) and "encoder" not in mlp.get_params()
    assert mlp.module_.encoder.n_features == 4 * 12 * 9 * 9  # the grids, flattened
