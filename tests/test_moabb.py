"""SEED / SEED-IV through MOABB and braindecode: dataset contract, paradigm, trial-safe evaluations, calibration,
feature transformers against the data layer, and the same clear errors as the TorchEEG loaders."""
from __future__ import annotations

import re
import warnings

import mne
import numpy as np
import pytest
from scipy import io as sio

from emoclip_plugin.data.folders import SEED_IV_SESSION_LABELS, DataFolderError
from emoclip_plugin.data.synthetic import SEED_LABELS, write_folder

moabb = pytest.importorskip("moabb", reason="the moabb extra is part of the test environment (make setup)")

from moabb.datasets.base import check_run_names, check_session_names, check_subject_names  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402

from emoclip_plugin.moabb import SEED, SEEDIV, EmotionParadigm, TrialSplit, make_evaluation  # noqa: E402
from emoclip_plugin.moabb.calibration import WithTargetCalibration  # noqa: E402
from emoclip_plugin.data.transformers import BandDEFeatures, FrameGrids  # noqa: E402

TINY_SST = {"d_model": 8, "n_heads": 2, "depths": [1, 1, 1], "conv_hidden": 8, "img_size": 16}


@pytest.fixture(scope="module")
def moabb_seed(tmp_path_factory):
    """SEED: 2 subjects x 3 sessions x 15 trials of 6 s (3 windows of 2 s each)."""
    return write_folder(tmp_path_factory.mktemp("mseed") / "Preprocessed_EEG", "seed", subjects=2, seconds=6, seed=7)


@pytest.fixture(scope="module")
def moabb_seed_iv(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("mseediv") / "eeg_raw_data", "seed-iv", subjects=2, seconds=4,
                        seed=8)


@pytest.fixture(autouse=True)
def _quiet(tmp_path, monkeypatch):
    monkeypatch.setenv("MNE_DATA", str(tmp_path / "mne_data"))
    warnings.filterwarnings("ignore", module="moabb")


def _events(raw):
    events, _ = mne.events_from_annotations(raw, verbose=False)
    return events


@pytest.mark.parametrize("which", ["seed", "seed-iv"])
def test_dataset_contract(which, moabb_seed, moabb_seed_iv):
    """MOABB's own structural checks (its download test and name checks) on our datasets."""
    root = moabb_seed if which == "seed" else moabb_seed_iv
    ds = SEED(root) if which == "seed" else SEEDIV(root)
    assert ds.subject_list == [1, 2] and ds.n_sessions == 3 and ds.paradigm == "emotion"
    assert ds.code == ("SEED" if which == "seed" else "SEED-IV")
    data = ds.get_data(ds.subject_list)
    check_subject_names(data)
    check_session_names(data)
    check_run_names(data)
    assert isinstance(data, dict) and list(data) == ds.subject_list
    n_trials = 15 if which == "seed" else 24
    seconds = 6 if which == "seed" else 4
    for subject, sessions in data.items():
        assert list(sessions) == ["0", "1", "2"]
        files = ds.data_path(subject)
        for s, (session, runs) in enumerate(sessions.items()):
            assert list(runs) == [str(k) for k in range(n_trials)]
            raw_file = sio.loadmat(files[s])
            for run, raw in runs.items():
                assert isinstance(raw, mne.io.BaseRaw) and raw.info["sfreq"] == 200
                events = _events(raw)
                assert len(events) == seconds // 2  # one marker per whole 2-s window
                # the trial's label (SEED: label.mat; SEED-IV: the fixed per-session order)
                label = (SEED_LABELS[int(run)] + 1 if which == "seed"
                         else SEED_IV_SESSION_LABELS[int(files[s].split("/")[-2]) - 1][int(run)])
                assert set(raw.annotations.description) == {ds.class_names[label]}
                # volts in the Raw, the file's microvolts back through unit_factor
                name = next(k for k in raw_file if k.endswith(f"_eeg{int(run) + 1}"))
                np.testing.assert_allclose(raw.get_data() * ds.unit_factor, raw_file[name], rtol=1e-6)
    if which == "seed":  # sessions by recording date, as our loaders order them
        for subject in ds.subject_list:
            dates = [p.split("_")[-1] for p in ds.data_path(subject)]
            assert dates == sorted(dates)


def test_paradigm_get_data(moabb_seed):
    ds = SEED(moabb_seed)
    X, y, meta = EmotionParadigm().get_data(ds, [1])
    assert X.shape == (3 * 15 * 3, 62, 400)  # sessions x trials x windows, 2 s at 200 Hz
    assert list(meta.columns) == ["subject", "session", "run"]
    assert set(y) == {"negative", "neutral", "positive"}
    assert sorted(meta.run.unique(), key=int) == [str(k) for k in range(15)]
    assert 1 < np.std(X) < 1e3  # microvolts, not volts
    # one label per trial, the trial's
    for run, group in meta.groupby("run"):
        assert len(set(y[group.index])) == 1 and set(y[group.index]) == {ds.class_names[SEED_LABELS[int(run)] + 1]}
    X4, y4, _ = EmotionParadigm(events=["negative", "positive"]).get_data(ds, [1])
    assert set(y4) == {"negative", "positive"} and len(X4) == 2 * 3 * 5 * 3
    Xf, _, _ = EmotionParadigm(filters=[(4, 8), (8, 14)]).get_data(ds, [1])
    assert Xf.shape == X.shape + (2,)  # MOABB's filter-bank layout
    assert EmotionParadigm().scoring == "accuracy" and EmotionParadigm().datasets == []


def test_window_seconds_and_config_path(moabb_seed, monkeypatch):
    one = SEED(moabb_seed, window_seconds=1)
    assert one.code == "SEED-1000ms" and one.interval == [0.0, 1.0]
    X, _, _ = EmotionParadigm().get_data(one, [1])
    assert X.shape == (3 * 15 * 6, 62, 200)
    with pytest.raises(ValueError, match="window_seconds=0.0033"):
        SEED(moabb_seed, window_seconds=0.0033)
    monkeypatch.setenv("MNE_DATASETS_SEED_PATH", str(moabb_seed))
    assert SEED().root == moabb_seed
    monkeypatch.delenv("MNE_DATASETS_SEED_PATH")
    monkeypatch.setattr(mne, "get_config", lambda *a, **k: None)
    with pytest.raises(FileNotFoundError, match="licence-gated.*MNE_DATASETS_SEED_PATH.*Preprocessed_EEG/ with"):
        SEED()


def _rewrite(path, name, value):
    m = {k: v for k, v in sio.loadmat(path).items() if not k.startswith("__")}
    m[name] = value
    sio.savemat(path, m)


def _nan(root):
    f = sorted(root.glob("1_*.mat"))[2]
    m = sio.loadmat(f)
    name = next(k for k in m if k.endswith("_eeg7"))
    x = m[name].copy()
    x[5, 100:103] = np.nan
    _rewrite(f, name, x)


def _channels(root):
    f = sorted(root.glob("1_*.mat"))[1]
    m = sio.loadmat(f)
    name = next(k for k in m if k.endswith("_eeg4"))
    _rewrite(f, name, m[name][:60])


def _short(root):
    f = sorted(root.glob("1_*.mat"))[0]
    m = sio.loadmat(f)
    name = next(k for k in m if k.endswith("_eeg2"))
    _rewrite(f, name, m[name][:, :150])


def _truncate(root):
    f = sorted(root.glob("1_*.mat"))[0]
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])


BAD = {
    "missing label.mat": (lambda r: (r / "label.mat").unlink(), r"label.mat: missing"),
    "no files": (lambda r: [p.unlink() for p in r.glob("*_*.mat")], r"no '<subject>_<yyyymmdd>.mat' data files"),
    "wrong channels": (_channels, r"trial '\w+_eeg4' has shape \(60, 1200\); expected \(62"),
    "NaN": (_nan, r"trial '\w+_eeg7': a trial of shape \(62, 1200\) contains 3 non-finite \(NaN/inf\) values"),
    "corrupt file": (lambda r: sorted(r.glob("1_*.mat"))[0].write_bytes(b"not a MAT file" * 10),
                     r"cannot be read as a MAT file"),
    "truncated file": (_truncate, r"cannot be read as a MAT file \(OSError: could not read bytes\); it may be "
                                  r"truncated or corrupt"),
    "short trial": (_short, r"trial '\w+_eeg2' has 150 samples, shorter than one window"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_inputs_give_the_loaders_errors(case, tmp_path):
    """Each bad folder gives one DataFolderError naming the file, as the TorchEEG path does."""
    from emoclip_plugin.data.seed import load_seed
    mutate, pattern = BAD[case]
    root = write_folder(tmp_path / "Preprocessed_EEG", "seed", subjects=1, seconds=6, seed=2)
    mutate(root)
    with pytest.raises(DataFolderError, match=pattern) as moabb_err:
        EmotionParadigm().get_data(SEED(root))
    with pytest.raises(DataFolderError, match=pattern) as loader_err:
        load_seed(root, "de", cache_dir=tmp_path / "c")
    if case != "short trial":  # the shortest window differs (2-s MOABB, 1-s DE)
        assert str(moabb_err.value) == str(loader_err.value)
    assert str(moabb_err.value).startswith(str(root))


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere: folder not found"):
        SEED(tmp_path / "nowhere")
    root = write_folder(tmp_path / "eeg_raw_data", "seed-iv", subjects=1, seconds=4, seed=2)
    import shutil
    shutil.rmtree(root / "3")
    with pytest.raises(DataFolderError, match=r"eeg_raw_data/3: missing session folder"):
        SEEDIV(root)


def test_trial_split():
    runs = np.repeat([str(k) for k in range(15)], 4)
    train, test = next(TrialSplit().split(np.zeros(len(runs)), groups=runs))
    assert set(runs[train]) == {str(k) for k in range(9)} and set(runs[test]) == {str(k) for k in range(9, 15)}
    runs4 = np.repeat([str(k) for k in range(24)], 2)
    train, test = next(TrialSplit().split(np.zeros(len(runs4)), groups=runs4))
    assert len(set(runs4[train])) == 16 and min(int(r) for r in runs4[test]) == 16
    train, test = next(TrialSplit(n_train=3).split(np.zeros(len(runs)), groups=runs))
    assert set(runs[train]) == {"0", "1", "2"}
    with pytest.raises(ValueError, match="needs groups"):
        next(TrialSplit().split(np.zeros(4)))
    with pytest.raises(ValueError, match="7 trials in a session"):
        next(TrialSplit().split(np.zeros(7), groups=[str(k) for k in range(7)]))
    assert TrialSplit().get_n_splits() == 1


class _Recorder(ClassifierMixin, BaseEstimator):
    """Nearest class mean on window power; records every fit's size (to see what MOABB handed over)."""

    fits: list = []

    def fit(self, X, y, groups=None):
        type(self).fits.append({"n": len(X), "groups": None if groups is None else np.unique(groups).tolist()})
        self.classes_ = np.unique(y)
        feats = np.log(np.var(X, axis=-1))
        self.means_ = np.stack([feats[y == c].mean(0) for c in self.classes_])
        return self

    def predict(self, X):
        feats = np.log(np.var(X, axis=-1))
        return self.classes_[np.argmin(((feats[:, None] - self.means_[None]) ** 2).sum(-1), axis=1)]


def test_evaluations_run_with_trial_safe_folds(moabb_seed, tmp_path):
    """Each evaluation on a tiny EmotionCLIP pipeline and a recording baseline; folds never split a trial."""
    from sklearn.pipeline import make_pipeline
    from emoclip_plugin import EmotionCLIPClassifier
    ds = SEED(moabb_seed)
    clip = make_pipeline(FrameGrids(), EmotionCLIPClassifier(module_kwargs=TINY_SST, max_epochs=1, batch_size=32,
                                                             class_names=sorted(ds.event_id), random_state=0))
    pipelines = {"EmotionCLIP": WithTargetCalibration(clip), "recorder": WithTargetCalibration(_Recorder())}
    paradigm = EmotionParadigm()
    cols = {"score", "time", "samples", "subject", "session", "dataset", "pipeline"}
    for kind, extra, rows in [("within-session", {}, 2 * 3), ("within-session", {"split": "trials", "n_folds": 3}, 6),
                              ("cross-session", {}, 2 * 3), ("cross-subject", {}, 2 * 3)]:
        _Recorder.fits = []
        res = make_evaluation(kind, paradigm, [ds], hdf5_path=str(tmp_path / kind), overwrite=True,
                              random_state=0, **extra).process(pipelines)
        assert cols <= set(res.columns), kind
        assert len(res[res.pipeline == "EmotionCLIP"]) == rows and res.score.between(0, 1).all(), kind
        if kind == "within-session" and not extra:  # standard split: 9 of 15 trials x 3 windows train
            assert {f["n"] for f in _Recorder.fits} == {9 * 3}
        if kind == "cross-subject":  # the other subject's 3 sessions; inner validation grouped by subject
            assert {f["n"] for f in _Recorder.fits} == {3 * 15 * 3}
            assert sorted(f["groups"][0] for f in _Recorder.fits) == [1, 2]


def test_cross_subject_target_calibration(moabb_seed, tmp_path):
    """MOABB's labelled calibration slice reaches the wrapped pipeline and is added to its training windows."""
    ds = SEED(moabb_seed)
    _Recorder.fits = []
    res = make_evaluation("cross-subject", EmotionParadigm(), [ds], cs_mode="train_and_target_labeled_20p",
                          hdf5_path=str(tmp_path / "cal"), overwrite=True).process(
        {"recorder": WithTargetCalibration(_Recorder())})
    per_session = 15 * 3
    calib = 3 * int(np.floor(0.2 * per_session))  # the first 20 % of each target session's windows
    assert {f["n"] for f in _Recorder.fits} == {3 * per_session + calib}
    assert all(-1 in f["groups"] for f in _Recorder.fits)  # the target's windows form their own validation group
    assert (res.samples_test == per_session - calib // 3).all()
    with pytest.raises(ValueError, match="cs_mode=.* is a cross-subject option"):
        make_evaluation("cross-session", EmotionParadigm(), [ds], cs_mode="train_and_target_labeled_20p")
    with pytest.raises(ValueError, match="evaluation 'leave-one-out'"):
        make_evaluation("leave-one-out", EmotionParadigm(), [ds])


def test_feature_transformers_match_the_data_layer(tmp_path):
    """BandDEFeatures and FrameGrids on MOABB's windows equal the data layer's features on the same windows."""
    from emoclip_plugin.data.features import FrameFeatureConfig
    from emoclip_plugin.data.seed import load_seed, to_numpy

    def keyed(meta):
        key = (meta.subject.astype(int) * 10 ** 6 + (meta.session.astype(int) + 1) * 10 ** 4
               + (meta.run.astype(int) + 1) * 100 + meta.groupby(["subject", "session", "run"]).cumcount())
        return np.argsort(key.to_numpy(), kind="stable")

    def loader_order(info, window):
        key = (info.subject_id * 10 ** 6 + info.session_id * 10 ** 4 + info.trial_id * 100 + info.start_at // window)
        return np.argsort(key.to_numpy(), kind="stable")

    root = write_folder(tmp_path / "Preprocessed_EEG", "seed", subjects=1, seconds=3, seed=5)
    X, _, meta = EmotionParadigm().get_data(SEED(root, window_seconds=1))
    de = BandDEFeatures().fit(X).transform(X)
    ref, _, info = to_numpy(load_seed(root, "de", cache_dir=tmp_path / "c"))
    assert de.shape == ref.shape == (3 * 15 * 3, 62, 5)
    de, ref = de[keyed(meta)], ref[loader_order(info, 200)]
    np.testing.assert_allclose(de[..., 1:], ref[..., 1:], atol=1e-4)  # theta ... gamma
    # delta: TorchEEG's order-5 (b, a) delta filter turns the 1e-16 change of MOABB's volts -> microvolts round trip
    # into ~5e-3 bits (the data layer's own float32 raw windows differ from its DE as much); see BandDEFeatures
    np.testing.assert_allclose(de[..., 0], ref[..., 0], atol=2e-2)
    raw, _, raw_info = to_numpy(load_seed(root, "raw", cache_dir=tmp_path / "c"))
    np.testing.assert_allclose(X[keyed(meta)], raw[loader_order(raw_info, 200)], rtol=1e-6, atol=1e-4)

    root2 = write_folder(tmp_path / "one_window" / "Preprocessed_EEG", "seed", subjects=1, seconds=2, seed=6)
    X2, _, meta2 = EmotionParadigm().get_data(SEED(root2))
    grids = FrameGrids().fit_transform(X2)
    ref2, _, info2 = to_numpy(load_seed(root2, "emotionclip", feature_config=FrameFeatureConfig(baseline_seconds=0),
                                        cache_dir=tmp_path / "c2"))
    assert grids.shape == ref2.shape == (3 * 15, 4, 12, 9, 9)
    np.testing.assert_allclose(grids[keyed(meta2)], ref2[loader_order(info2, 400)], atol=1e-4)


def test_transformers_contract_and_errors():
    from sklearn.base import clone
    X = np.random.default_rng(0).standard_normal((3, 62, 400)) * 20
    for t in (BandDEFeatures(), FrameGrids()):
        assert clone(t).get_params() == t.get_params()
        np.testing.assert_array_equal(t.transform(X), t.fit(X).transform(X))  # stateless
    with pytest.raises(ValueError, match=r"expected raw windows \[n_windows, n_chans, n_times\]"):
        FrameGrids().fit(X[0])
    bad = X.copy()
    bad[0, 0, :2] = np.nan
    with pytest.raises(ValueError, match="2 non-finite"):
        BandDEFeatures().transform(bad)
    with pytest.raises(ValueError, match="X has 10 channels but there are SEED's 62 channels"):
        FrameGrids().fit(X[:, :10])
    with pytest.raises(ValueError, match="whole number of frames"):
        FrameGrids().fit(X[:, :, :390])
    with pytest.raises(ValueError, match="band 'gamma'"):
        BandDEFeatures(bands={"gamma": (31, 120)}).fit(X)


def test_frame_grids_on_another_montage():
    """Channels outside SEED's layout are placed by their positions."""
    montage = mne.channels.make_standard_montage("biosemi32")
    info = mne.create_info(montage.ch_names, 256.0, "eeg")
    info.set_montage(montage)
    X = np.random.default_rng(1).standard_normal((2, 32, 512))
    grids = FrameGrids(sfreq=256.0, chs_info=info["chs"]).fit_transform(X)
    assert grids.shape == (2, 4, 12, 9, 9) and np.count_nonzero(grids[0, 0, 0]) >= 20


def test_pipelines_on_moabb_X(moabb_seed):
    """make_pipeline(FrameGrids(), EmotionCLIPClassifier()) and DE -> DGCNN fit and predict MOABB's X."""
    from sklearn.pipeline import make_pipeline
    from emoclip_plugin import DGCNNClassifier, EmotionCLIPClassifier
    from emoclip_plugin.moabb.pipelines import make_pipelines
    X, y, _ = EmotionParadigm().get_data(SEED(moabb_seed), [1])
    for pipe in (make_pipeline(FrameGrids(), EmotionCLIPClassifier(module_kwargs=TINY_SST, max_epochs=1,
                                                                   random_state=0)),
                 make_pipeline(BandDEFeatures(), DGCNNClassifier(max_epochs=1, random_state=0))):
        pred = pipe.fit(X, y).predict(X)
        assert pred.shape == y.shape and set(pred) <= set(y)
    from emoclip_plugin.benchmark.presets import resolve_config
    pipes = make_pipelines(SEED(moabb_seed), resolve_config("smoke"), device="cpu")
    assert list(pipes) == ["EmotionCLIP", "DGCNN", "TS+LR"]
    clip = pipes["EmotionCLIP"].estimator.steps[-1][1]
    assert clip.class_names == ["negative", "neutral", "positive"]  # MOABB's LabelEncoder order
    assert SEEDIV.class_names != tuple(sorted(SEEDIV.class_names))  # why the names come from the sorted events
    with pytest.raises(ValueError, match="unknown pipeline"):
        make_pipelines(SEED(moabb_seed), resolve_config("smoke"), names=["EEGNet"])


def test_braindecode_moabb_dataset_path(moabb_seed):
    """MOABBDataset(SEED(path)) -> create_windows_from_events -> EEGClassifier('SSTLegoViTRaw') trains."""
    import torch
    from braindecode import EEGClassifier
    from braindecode.datasets import MOABBDataset
    from braindecode.preprocessing import create_windows_from_events
    import emoclip_plugin  # noqa: F401  (registers SSTLegoViTRaw with braindecode)
    ds = MOABBDataset(SEED(moabb_seed), subject_ids=[1])
    assert list(ds.description.columns[:3]) == ["subject", "session", "run"] and len(ds.datasets) == 45
    windows = create_windows_from_events(ds, preload=True)
    assert len(windows) == 3 * 15 * 3 and windows[0][0].shape == (62, 400)
    splits = windows.split("session")
    clf = EEGClassifier("SSTLegoViTRaw", module__d_model=8, module__n_heads=2, module__depths=(1, 1, 1),
                        module__conv_hidden=8, module__img_size=16, max_epochs=1, batch_size=32, train_split=None,
                        optimizer=torch.optim.AdamW, verbose=0)
    clf.fit(splits["0"], y=None)
    assert clf.predict(splits["1"]).shape == (len(splits["1"]),)


def test_missing_moabb_names_the_extra(monkeypatch):
    import importlib
    import sys
    from emoclip_plugin import MissingDependencyError
    monkeypatch.setitem(sys.modules, "moabb", None)
    for name in [m for m in sys.modules if m.startswith("emoclip_plugin.moabb")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(MissingDependencyError, match=re.escape('pip install "emoclip-plugin[moabb]"')):
        importlib.import_module("emoclip_plugin.moabb")


def test_run_moabb_command(moabb_seed, tmp_path, capsys):
    """run_moabb.py on a folder: MOABB's table on the terminal and in OUT/moabb_results.csv, provenance, resume."""
    import json
    import pandas as pd
    from emoclip_plugin.moabb.benchmark import main
    out = tmp_path / "out"
    args = ["--root", str(moabb_seed), "--pipelines", "TS+LR,EmotionCLIP", "--max-epochs", "1", "--preset",
            "smoke", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    res = pd.read_csv(out / "moabb_results.csv")
    assert {"score", "time", "samples", "subject", "session", "dataset", "pipeline", "evaluation", "split",
            "preset", "data"} <= set(res.columns)
    assert len(res) == 2 * 2 * 3 and set(res.pipeline) == {"TS+LR", "EmotionCLIP"}
    assert (res.evaluation == "within-session").all() and (res.split == "standard").all()
    assert (res.data == "user folder").all() and "| TS+LR |" in printed and "within-session evaluation on SEED" in printed
    prov = json.loads((out / "moabb_provenance.json").read_text())
    assert prov["dataset_code"] == "SEED" and prov["models"]["emotionclip"]["max_epochs"] == 1
    # a rerun reuses MOABB's cached results (same scores, no new training)
    assert main(args) == 0
    again = pd.read_csv(out / "moabb_results.csv")
    assert sorted(again.score) == sorted(res.score)


@pytest.mark.parametrize("extra, message", [
    (["--root", "/nowhere/Preprocessed_EEG"], "/nowhere/Preprocessed_EEG: folder not found"),
    (["--calibration", "labeled-20p"], "--calibration labeled-20p needs --evaluation cross-subject"),
    (["--pipelines", "EEGNet"], "unknown pipeline(s) ['EEGNet']"),
    (["--subjects", "one"], "--subjects 'one': expected comma-separated subject numbers"),
    (["--window-seconds", "0.001"], "window_seconds=0.001"),
])
def test_run_moabb_bad_options_one_line(extra, message, moabb_seed, tmp_path, capsys):
    from emoclip_plugin.moabb.benchmark import main
    args = ["--out", str(tmp_path / "o")] + (extra if extra[0] == "--root" else ["--root", str(moabb_seed)] + extra)
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and len(err.splitlines()) == 1
    assert err.startswith("run_moabb.py: error: ") and message in err, err
    assert not (tmp_path / "o" / "moabb_results.csv").exists()


def test_run_moabb_bad_file_one_line(tmp_path, capsys):
    from emoclip_plugin.moabb.benchmark import main
    root = write_folder(tmp_path / "Preprocessed_EEG", "seed", subjects=2, seconds=6, seed=2)
    _nan(root)
    with pytest.raises(SystemExit) as exit_info:
        main(["--root", str(root), "--pipelines", "TS+LR", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and len(err.splitlines()) == 1
    assert re.match(r"run_moabb.py: error: .*1_\d{8}.mat: trial '\w+_eeg7': .* 3 non-finite", err), err
