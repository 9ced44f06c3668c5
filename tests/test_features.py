"""Features: TorchEEG-identical DE, and EmotionCLIP's DE + PSD frame grids."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import io as sio
from torcheeg.datasets import SEEDDataset
from torcheeg.datasets.constants import SEED_CHANNEL_LOCATION_DICT
from torcheeg.transforms import BandDifferentialEntropy, Compose, ToGrid

from emoclip_plugin.data.features import (EMOTIONCLIP_BANDS, SEED_DE_BANDS, BandDE, FrameFeatureConfig, FrameFeatures,
                                          to_grid)
from emoclip_plugin.data.seed import load_seed, to_numpy
from emoclip_plugin.data.synthetic import write_folder


def test_de_equals_torcheeg_on_a_generated_folder(tmp_path):
    """Our ``de_grid`` dataset equals TorchEEG's SEEDDataset + BandDifferentialEntropy + ToGrid (max abs 1e-4)."""
    root = write_folder(tmp_path / "Preprocessed_EEG", "seed", subjects=1, seconds=4, seed=11)
    for f in sorted(root.glob("1_*.mat"))[1:]:
        f.unlink()  # one session keeps TorchEEG's slow path short
    ref = SEEDDataset(root_path=str(root), chunk_size=200, num_channel=62,
                      offline_transform=Compose([BandDifferentialEntropy(sampling_rate=200, order=5,
                                                                         band_dict=SEED_DE_BANDS),
                                                 ToGrid(SEED_CHANNEL_LOCATION_DICT)]),
                      io_path=str(tmp_path / "ref-io"), verbose=False)
    ours = load_seed(root, "de_grid", cache_dir=tmp_path / "cache")
    assert len(ours) == len(ref) == 15 * 4
    X_ours, _, info = to_numpy(ours)
    X_ref = np.stack([ref[i][0] for i in range(len(ref))])
    assert (info["clip_id"].values == ref.info["clip_id"].values).all()
    assert np.abs(X_ours - X_ref).max() < 1e-4
    de = load_seed(root, "de", cache_dir=tmp_path / "cache")
    np.testing.assert_allclose(to_grid(np.swapaxes(to_numpy(de)[0], 1, 2)), X_ours, atol=1e-6)


def test_band_de_matches_torcheeg_transform_on_odd_inputs():
    rng = np.random.default_rng(0)
    t = BandDifferentialEntropy(sampling_rate=200, band_dict=SEED_DE_BANDS, order=5)
    windows = np.concatenate([rng.standard_normal((3, 62, 200)) * 30 + 5,  # offset, large amplitude
                              np.cumsum(rng.standard_normal((2, 62, 200)), axis=-1)])  # random walk (1/f^2)
    ref = np.stack([t(eeg=w)["eeg"] for w in windows])
    assert np.abs(BandDE()(windows) - ref).max() < 1e-4
    t4 = BandDifferentialEntropy(sampling_rate=128)  # TorchEEG's default 4 bands at 128 Hz, 1-s windows
    w128 = rng.standard_normal((4, 32, 128))
    ref4 = np.stack([t4(eeg=w)["eeg"] for w in w128])
    assert np.abs(BandDE(sfreq=128, bands=t4.band_dict) (w128) - ref4).max() < 1e-4


def test_to_grid_matches_torcheeg():
    values = np.random.default_rng(1).standard_normal((62, 5))
    ref = ToGrid(SEED_CHANNEL_LOCATION_DICT)(eeg=values)["eeg"]
    np.testing.assert_array_equal(to_grid(values.T), ref)


def test_emotionclip_frames_shape_and_normalisation():
    rng = np.random.default_rng(2)
    trial = rng.standard_normal((62, 200 * 12)) * 10
    feats = FrameFeatures().trial(trial)
    assert feats.shape == (3, 4, 12, 62)  # (12 s - 5 s baseline) // 2 s = 3 windows
    np.testing.assert_allclose(feats.mean(-1), 0, atol=1e-5)
    np.testing.assert_allclose(feats.std(-1), 1, atol=1e-3)
    grids = FrameFeatures().trial_grids(trial)
    assert grids.shape == (3, 4, 12, 9, 9)
    cfg = FrameFeatureConfig(window_seconds=1.0, frame_seconds=0.5, baseline_seconds=0, zscore=False)
    assert FrameFeatures(cfg).trial(trial).shape == (12, 2, 12, 62)
    with pytest.raises(ValueError, match="band 'delta' .* contains no PSD bin at 4 Hz resolution"):
        FrameFeatures(FrameFeatureConfig(window_seconds=1.0, frame_seconds=0.25, baseline_seconds=0))


def test_emotionclip_features_measure_band_power():
    """An alpha rhythm added to some channels raises their alpha DE and PSD, not their delta ones."""
    rng = np.random.default_rng(3)
    t = np.arange(200 * 9) / 200
    trial = rng.standard_normal((62, t.size))
    boosted = trial.copy()
    boosted[:10, 1000:] += 5 * np.sin(2 * np.pi * 10 * t[1000:])  # after the baseline
    cfg = FrameFeatureConfig(zscore=False)
    base, boost = FrameFeatures(cfg).trial(trial), FrameFeatures(cfg).trial(boosted)
    names = [name for name, _ in EMOTIONCLIP_BANDS.items()]
    alpha, delta = names.index("alpha"), names.index("delta")
    diff = boost - base  # [windows, frames, 12, 62]
    assert diff[:, :, alpha, :10].mean() > 1.0 and abs(diff[:, :, alpha, 10:].mean()) < 0.2  # DE (nats)
    assert diff[:, :, 6 + alpha, :10].mean() > 5 * abs(diff[:, :, 6 + delta, :10].mean())  # PSD


def test_baseline_subtraction_removes_trial_offsets():
    rng = np.random.default_rng(4)
    trial = rng.standard_normal((62, 200 * 11))
    gain = np.linspace(0.5, 3, 62)[:, None]
    cfg = FrameFeatureConfig(zscore=False)
    a, b = FrameFeatures(cfg).trial(trial), FrameFeatures(cfg).trial(trial * gain)
    np.testing.assert_allclose(a[..., :6, :], b[..., :6, :], atol=1e-4)  # DE: log gain cancels


def test_baseline_can_be_dropped_without_subtracting_it():
    """``baseline_subtract=False``: the same windows (the baseline seconds still dropped), the baseline mean not
    subtracted; the scipy definition agrees; the paper's setting keeps its cache key (the field left out)."""
    from emoclip_plugin.data.features import reference_frame_features
    rng = np.random.default_rng(5)
    trial = rng.standard_normal((62, 200 * 11)) * np.linspace(0.5, 3, 62)[:, None]
    keep = FrameFeatureConfig(zscore=False, baseline_subtract=False)
    sub, kept = FrameFeatures(FrameFeatureConfig(zscore=False)).trial(trial), FrameFeatures(keep).trial(trial)
    assert sub.shape == kept.shape == (3, 4, 12, 62)
    frames = FrameFeatures(FrameFeatureConfig(zscore=False, baseline_seconds=0, window_seconds=0.5)).trial(trial)
    np.testing.assert_allclose(kept.reshape(12, 12, 62), frames[10:, 0], atol=1e-5)  # the frames after 5 s, as is
    assert np.abs(kept - sub).max() > 1  # the subtraction did something there
    np.testing.assert_allclose(kept, reference_frame_features(trial, keep), atol=1e-5)
    assert "baseline_subtract" not in FrameFeatureConfig().as_dict() and keep.as_dict()["baseline_subtract"] is False
    with pytest.raises(ValueError, match="baseline_subtract must be true or false"):
        FrameFeatureConfig(baseline_subtract="no")


def test_generated_session_features_agree_with_stored_de(seed_feature_root):
    """The generator's ExtractedFeatures DE is TorchEEG-style DE (smoothed), in a sensible range."""
    f = sorted(p for p in seed_feature_root.iterdir() if p.name != "label.mat")[0]
    m = sio.loadmat(f)
    de = m["de_movingAve1"]
    assert np.isfinite(de).all() and 0 < de.mean() < 10
    assert np.abs(m["de_LDS1"] - de).mean() < 1.0


@pytest.mark.parametrize("bad", [dict(window_seconds=0), dict(baseline_seconds=-1), dict(filter_order=0),
                                 dict(psd_nperseg=1000), dict(prefilter=(0.5, 150))])
def test_bad_feature_config(bad):
    with pytest.raises(ValueError):
        FrameFeatureConfig(**bad)


# ------------------------------------------------------------------- zero-phase filtering through the FFT
def _bands_sos(fs=200.0):
    from scipy import signal
    return [signal.butter(4, [lo, hi], btype="band", fs=fs, output="sos") for lo, hi in
            [(1, 4), (4, 8), (8, 14), (14, 31), (31, 51), (51, 75)]]


@pytest.mark.parametrize("n_times", [100, 2000, 12000, 45203])
def test_zero_phase_bank_equals_sosfiltfilt(n_times):
    """Short signals take sosfiltfilt itself, long ones the FFT interior with exact ends: the same numbers either way,
    with a large DC offset and line noise on some channels."""
    from scipy import signal
    from emoclip_plugin.data.filtering import ZeroPhaseBank
    sos = _bands_sos() + [signal.butter(4, [0.5, 75], btype="band", fs=200, output="sos")]
    bank = ZeroPhaseBank(sos)
    rng = np.random.default_rng(n_times)
    x = (rng.standard_normal((2, 5, n_times)).cumsum(-1) * 0.1 + rng.standard_normal((2, 5, n_times))) * 30 + 800
    x[:, :2] += 50 * np.sin(2 * np.pi * 50 * np.arange(n_times) / 200)
    used_fft = n_times + 2 * bank.padlen >= bank.min_fft_length()
    assert used_fft == (n_times > 20000)  # both paths are exercised
    for y, y32, s in zip(bank.filtered(x, workers=2), bank.filtered(x, dtype=np.float32), sos):
        ref = signal.sosfiltfilt(s, x, axis=-1)
        assert y.shape == ref.shape and y.dtype == np.float64 and y32.dtype == np.float32
        np.testing.assert_allclose(y, ref, rtol=0, atol=1e-10 * np.abs(ref).max())
        # single-precision inverse FFTs: rounding of each band's own scale, not of the signal's (DC offset 800)
        np.testing.assert_allclose(y32, ref, rtol=0, atol=2e-6 * np.abs(ref).max())


def test_frame_features_the_same_in_any_number_of_threads(monkeypatch):
    """The channels are computed in groups on threads; one thread, groups of 8 and groups of 3 give the same numbers."""
    import emoclip_plugin.data.features as features
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((62, 24000)).cumsum(1) * 0.1 + rng.standard_normal((62, 24000))) * 20 + 300
    ff = FrameFeatures()
    monkeypatch.setattr(features, "_threads", lambda: 1)
    one = ff.trial(x)
    monkeypatch.setattr(features, "_threads", lambda: 2)
    two = ff.trial(x)
    monkeypatch.setattr(features, "GROUP_CHANNELS", 3)
    small = ff.trial(x)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, small)


def test_zero_phase_bank_rejects_what_it_cannot_filter():
    from scipy import signal
    from emoclip_plugin.data.filtering import ZeroPhaseBank
    bank = ZeroPhaseBank(_bands_sos())
    with pytest.raises(ValueError, match="10 samples is too short"):
        next(bank.filtered(np.zeros((3, 10))))
    with pytest.raises(ValueError, match="pad by different lengths"):
        ZeroPhaseBank([signal.butter(2, 5, fs=200, output="sos"), signal.butter(4, [1, 4], btype="band", fs=200,
                                                                                 output="sos")])


@pytest.mark.parametrize("seconds, options", [(226, {}), (40, {}), (200, {"zscore": False}),
                                              (150, {"frame_seconds": 1.0, "psd_nperseg": 100})])
def test_frame_features_equal_their_scipy_definition(seconds, options):
    """The fast path (FFT filtering, Welch as one matrix product) gives the features of the written-out definition
    (scipy's sosfiltfilt and welch) to 1e-5, on a trial of SEED's length (the FFT path) and a short one
    (sosfiltfilt), with blinks and line noise."""
    from emoclip_plugin.data.features import reference_frame_features
    cfg = FrameFeatureConfig(**options)
    ff = FrameFeatures(cfg)
    rng = np.random.default_rng(seconds)
    n = int(seconds * cfg.sfreq)
    x = (rng.standard_normal((62, n)).cumsum(1) * 0.1 + rng.standard_normal((62, n))) * 20 + 300
    x[:4] += 40 * np.sin(2 * np.pi * 50 * np.arange(n) / cfg.sfreq)
    x[:3, 4000:4080] += 150  # a blink
    np.testing.assert_allclose(ff.trial(x), reference_frame_features(x, cfg), rtol=0, atol=1e-5)
