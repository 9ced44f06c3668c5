"""Our models in TorchEEG and braindecode: registry, conventions, trainers, compile / export / TorchScript."""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import emoclip_plugin
from emoclip_plugin import SSTLegoViTRaw, get_model, list_models, model_info
from emoclip_plugin.data.features import window_frame_features

TINY = dict(d_model=16, n_heads=2, depths=(1, 1, 1), conv_hidden=16, img_size=16, drop_path=0.0)


def test_registry_lists_and_builds_every_model():
    assert {"emotionclip", "sst_legovit", "sst_legovit_raw", "dgcnn", "ccnn", "eegnet"} <= set(list_models())
    for name in list_models():
        entry = model_info(name)
        kwargs = {"encoder_kwargs": TINY} if name == "emotionclip" else dict(TINY) if "sst" in name else {}
        if name == "emotionclip":
            kwargs["dataset"] = "seed-iv"
        else:
            kwargs["num_classes"] = 4
        model = get_model(name, **kwargs).eval()
        with torch.no_grad():
            out = model(torch.randn(2, *entry.input_shape))
        assert out.shape == (2, 4), name
    from torcheeg.models import DGCNN
    assert type(get_model("dgcnn", n_outputs=3)) is DGCNN  # TorchEEG's own class
    with pytest.raises(ValueError, match="unknown model 'resnet'; choose one of"):
        get_model("resnet")


def test_raw_features_agree_with_numpy():
    """Torch features inside forward == the data layer's NumPy window features (max abs < 1e-4)."""
    model = SSTLegoViTRaw(n_outputs=3, **TINY)
    x = torch.randn(6, 62, 400, dtype=torch.float64) * 20 + 3
    ours = model.frame_features(x.float()).numpy()
    ref = window_frame_features(x.numpy())
    assert ours.shape == ref.shape == (6, 4, 12, 62)
    assert np.abs(ours - ref).max() < 1e-4


def test_braindecode_conventions():
    from braindecode.models.base import EEGModuleMixin
    assert issubclass(SSTLegoViTRaw, EEGModuleMixin)
    params = inspect.signature(SSTLegoViTRaw).parameters
    for name in ("n_outputs", "n_chans", "chs_info", "n_times", "input_window_seconds", "sfreq"):
        assert name in params and params[name].default is None
    assert isinstance(params["activation"].default, type) and issubclass(params["activation"].default, nn.Module)
    assert "drop_prob" in params
    model = SSTLegoViTRaw(n_outputs=3, **TINY)
    assert (model.n_chans, model.n_times, model.sfreq) == (62, 400, 200.0)  # SEED defaults
    assert isinstance(model.final_layer, nn.Linear) and model.final_layer.out_features == 3
    chs = [{"ch_name": n} for n in ("FP1", "FPZ", "FP2", "C3", "CZ", "C4", "O1", "OZ", "O2")]
    small = SSTLegoViTRaw(n_outputs=2, chs_info=chs, n_times=200, sfreq=100, **TINY)
    assert small(torch.randn(3, 9, 200)).shape == (3, 2)
    torcheeg_style = SSTLegoViTRaw(num_classes=4, num_electrodes=62, chunk_size=800, sampling_rate=200, dropout=0.2,
                                   **TINY)
    assert (torcheeg_style.n_outputs, torcheeg_style.n_times, torcheeg_style.n_frames) == (4, 800, 8)
    with pytest.raises(ValueError, match="disagree"):
        SSTLegoViTRaw(n_outputs=3, num_classes=4)
    with pytest.raises(ValueError, match=r"channels \['XYZ'\] are not SEED channel names and have no position"):
        SSTLegoViTRaw(n_outputs=2, chs_info=[{"ch_name": "XYZ"}], **TINY)
    with pytest.raises(ValueError, match="n_chans=9 needs chs_info"):
        SSTLegoViTRaw(n_outputs=2, n_chans=9, **TINY)


def test_other_montages_are_placed_by_position():
    """Channels outside SEED's layout go to the grid cell nearest their position (documented projection)."""
    import mne
    from emoclip_plugin.data.channels import SEED_CHANNEL_LIST, SEED_CHANNEL_LOCATION_DICT
    from emoclip_plugin.data.montage import grid_cells, grid_placement
    info = mne.create_info(SEED_CHANNEL_LIST, 200.0, "eeg")
    info.set_montage("colin27_1005", match_case=False, on_missing="ignore")
    placed = [ch for ch in info["chs"] if np.all(np.isfinite(ch["loc"][:3]))]  # CB1 / CB2 have no 10-05 position
    renamed = [{"ch_name": f"X{i}", "loc": ch["loc"]} for i, ch in enumerate(placed)]
    truth = [SEED_CHANNEL_LOCATION_DICT[ch["ch_name"]] for ch in placed]
    cells = grid_cells(renamed)
    exact = [tuple(c) == tuple(t) for c, t in zip(cells, truth)]
    assert len(renamed) == 60 and sum(exact) >= 50  # 53 of 60 on their own cell
    assert max(max(abs(c[0] - t[0]), abs(c[1] - t[1])) for c, t in zip(cells, truth)) <= 1
    # a shared cell holds the mean of its channels; names beat positions
    cz = info["chs"][SEED_CHANNEL_LIST.index("CZ")]["loc"]
    placement = grid_placement([{"ch_name": "CZ"}, {"ch_name": "X", "loc": cz}])
    assert placement.shape == (2, 81) and np.allclose(placement[:, 4 * 9 + 4], 0.5)
    montage = mne.channels.make_standard_montage("biosemi64")
    bio = mne.create_info(montage.ch_names, 256.0, "eeg")
    bio.set_montage(montage)
    model = SSTLegoViTRaw(n_outputs=2, chs_info=bio["chs"], n_times=512, sfreq=256.0, **TINY)
    assert model(torch.randn(2, 64, 512)).shape == (2, 2)


@pytest.mark.parametrize("by_name", [False, True])
def test_trains_in_braindecode_eegclassifier(by_name):
    from braindecode import EEGClassifier
    rng = np.random.default_rng(0)
    X = rng.standard_normal((48, 62, 400)).astype(np.float32)
    y = (np.arange(48) % 3).astype(np.int64)
    module = "SSTLegoViTRaw" if by_name else SSTLegoViTRaw
    clf = EEGClassifier(module, module__n_outputs=3, **{f"module__{k}": v for k, v in TINY.items()},
                        max_epochs=1, batch_size=16, train_split=None, verbose=0)
    clf.fit(X, y)
    assert clf.predict(X).shape == (48,) and len(clf.history) == 1
    assert isinstance(clf.module_, SSTLegoViTRaw)


def test_inference_under_export_script_trace_and_compile():
    torch.manual_seed(0)
    model = SSTLegoViTRaw(n_outputs=3, **TINY).eval()
    x, x2 = torch.randn(2, 62, 400), torch.randn(2, 62, 400) * 3
    with torch.no_grad():
        ref, ref2 = model(x), model(x2)
        exported = torch.export.export(model, (x,)).module()
        torch.testing.assert_close(exported(x2), ref2)
        scripted = torch.jit.script(model)
        torch.testing.assert_close(scripted(x2), ref2)
        # check_trace=False: the tracer's own re-trace check reports only renamed submodules (mangled names)
        traced = torch.jit.trace(model, (x,), check_trace=False)
        torch.testing.assert_close(traced(x2), ref2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled = torch.compile(model)
            torch.testing.assert_close(compiled(x), ref, rtol=1e-4, atol=1e-5)


def test_one_epoch_in_torcheeg_classifier_trainer(tmp_path):
    """TorchEEG users: LeaveOneSubjectOut on a generated folder, then ClassifierTrainer for one epoch."""
    from torch.utils.data import DataLoader
    from torcheeg.model_selection import LeaveOneSubjectOut
    from torcheeg.trainers import ClassifierTrainer

    from emoclip_plugin.data.seed import load_seed
    from emoclip_plugin.data.synthetic import write_folder
    root = write_folder(tmp_path / "Preprocessed_EEG", "seed", subjects=2, seconds=9, seed=5)
    ds = load_seed(root, cache_dir=tmp_path / "cache")
    train, test = next(LeaveOneSubjectOut(split_path=str(tmp_path / "split")).split(ds))
    assert set(train.info["subject_id"]).isdisjoint(set(test.info["subject_id"]))
    model = emoclip_plugin.get_model("emotionclip", encoder_kwargs=TINY)
    trainer = ClassifierTrainer(model=model, num_classes=3, lr=1e-3, accelerator="cpu")
    trainer.fit(DataLoader(train, batch_size=16, shuffle=True), DataLoader(test, batch_size=32), max_epochs=1,
                enable_progress_bar=False, enable_model_summary=False, logger=False, enable_checkpointing=False)
    result = trainer.test(DataLoader(test, batch_size=32), enable_progress_bar=False)
    assert isinstance(result, list)


# braindecode's generic model tests (its test/unit_tests/models/test_integration.py, 1.8.1), run on SSTLegoViTRaw
# declared as needing chs_info (it places channels on the grid by name or position) and, like braindecode's SSTDPN
# and BrainModule entries, n_times and sfreq (its band features are fixed FFT masks): same helpers, same checks.
_BD_REQUIRED = ["n_outputs", "chs_info", "n_times", "sfreq"]


def _bd_signal_params(required: list | None = None):
    from braindecode.models.util import _get_signal_params
    return _get_signal_params(None, required)


def _bd_epochs_y(n_epochs: int = 10):
    import mne
    sp = _bd_signal_params()
    X = np.random.randn(n_epochs, len(sp["chs_info"]), sp["n_times"])
    y = np.random.randint(sp["n_outputs"], size=n_epochs)
    info = mne.create_info([c["ch_name"] for c in sp["chs_info"]], sp["sfreq"], ["eeg"] * len(sp["chs_info"]))
    for dest, source in zip(info["chs"], sp["chs_info"]):
        dest["loc"][:] = source["loc"]
    return mne.EpochsArray(X, info, verbose=False), y


@pytest.fixture(scope="module")
def bd_model():
    return SSTLegoViTRaw(**_bd_signal_params(_BD_REQUIRED)).eval()


def test_bd_model_integration():
    from braindecode.models.util import _get_possible_signal_params
    sp = _bd_signal_params()
    epo, _ = _bd_epochs_y(3)
    X = torch.tensor(epo.get_data(), dtype=torch.float32)
    for kwargs in _get_possible_signal_params(sp, _BD_REQUIRED):
        assert SSTLegoViTRaw(**kwargs)(X).shape[:2] == (3, sp["n_outputs"]), kwargs


def test_bd_model_integration_full_and_last_layer():
    from braindecode import EEGClassifier
    from skorch.dataset import ValidSplit
    epo, y = _bd_epochs_y(10)
    clf = EEGClassifier(module="SSTLegoViTRaw", optimizer=torch.optim.Adam, optimizer__lr=0.0625 * 0.01,
                        batch_size=2, max_epochs=1, classes=[0, 1], train_split=ValidSplit(0.2, random_state=2409),
                        verbose=0)
    clf.fit(X=epo, y=y)
    assert "final_layer" in [name for name, _ in list(clf.module_.named_children())[-2:]]


def test_bd_parameters(bd_model):
    assert "final_layer" in [name for name, _ in bd_model.named_children()][-2:]
    params = inspect.signature(SSTLegoViTRaw.__init__).parameters
    activations = [v for k, v in params.items() if "activation" in k.lower()]
    assert activations and all(issubclass(a.default, nn.Module) for a in activations)
    assert any("drop_prob" in name for name in params)


def test_bd_model_exported_and_compiled(bd_model):
    x = torch.randn(1, bd_model.n_chans, bd_model.n_times)
    assert isinstance(torch.export.export(bd_model, args=(x,), strict=False), torch.export.ExportedProgram)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = torch.compile(bd_model, mode="reduce-overhead", dynamic=False)
        torch.compiler.reset()
        assert compiled(x).allclose(bd_model(x), atol=1e-4)


def test_bd_model_torch_script(bd_model, tmp_path):
    """braindecode's check: the model rebuilt as a plain nn.Module (its methods bound to it) scripts and saves."""
    from types import MethodType
    plain = nn.Module()
    for name, module in bd_model.named_children():
        plain.add_module(name, module)
    mixin = {"_n_times", "_sfreq", "_chs_info", "_n_outputs", "_n_chans"}
    for attr, val in bd_model.__dict__.items():
        if attr != "_modules":
            setattr(plain, attr[1:] if attr in mixin else attr, val)
    for name, func in inspect.getmembers(type(bd_model), predicate=inspect.isfunction):
        if not name.startswith("_"):
            setattr(plain, name, MethodType(func, plain))
    plain.eval()
    x = torch.randn(1, bd_model.n_chans, bd_model.n_times)
    torch.testing.assert_close(bd_model(x), plain(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.script(plain).save(str(tmp_path / "SSTLegoViTRaw_scripted.pt"))
