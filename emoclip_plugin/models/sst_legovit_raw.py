"""SST-LegoViT on raw EEG, as a braindecode model (``EEGModuleMixin``): features are computed inside ``forward``."""
from __future__ import annotations

import math

import numpy as np
import torch
from braindecode.models.base import EEGModuleMixin
from torch import nn

from ..data.channels import SEED_CHANNEL_LIST
from ..data.features import EMOTIONCLIP_BANDS, band_bin_masks
from ..data.montage import grid_placement
from .sst_legovit import SSTLegoViT, _resolve


class RawFrameGrids(nn.Module):
    """Raw EEG ``[batch, n_chans, n_times]`` -> EmotionCLIP frame grids ``[batch, n_frames, 2 * n_bands, 9, 9]``.

    The window is cut into frames of ``frame_samples``; per frame and band, the DE of an ideal (FFT-mask) band-pass and
    the band sum of a one-segment Hann Welch PSD; z-scored across electrodes; placed on the grid by ``placement``
    (``[n_chans, 81]``, :func:`emoclip_plugin.data.montage.grid_placement`). A module of its own, holding its constants
    as buffers, so that the model's ``forward`` calls only submodules (which TorchScript needs).
    """

    def __init__(self, n_times: int, sfreq: float, frame_samples: int, bands: dict, prefilter: tuple | None,
                 placement: np.ndarray):
        super().__init__()
        self.frame_samples = int(frame_samples)
        self.n_frames = int(n_times) // self.frame_samples
        self.n_bands = len(bands)
        freqs = np.fft.rfftfreq(int(n_times), d=1.0 / sfreq)
        masks = np.stack([(freqs >= lo) & (freqs < hi) for lo, hi in bands.values()]).astype(np.float32)
        pre = (np.ones_like(freqs) if prefilter is None else
               ((freqs >= prefilter[0]) & (freqs <= prefilter[1]))).astype(np.float32)
        ffreqs = np.fft.rfftfreq(self.frame_samples, d=1.0 / sfreq)
        psd_masks = band_bin_masks(ffreqs, bands)
        window = torch.hann_window(self.frame_samples, periodic=True, dtype=torch.float64)
        scale = torch.full((len(ffreqs),), 2.0 / (sfreq * float((window ** 2).sum())), dtype=torch.float64)
        scale[0] /= 2
        if self.frame_samples % 2 == 0:
            scale[-1] /= 2
        self.register_buffer("band_masks", torch.from_numpy(masks), persistent=False)
        self.register_buffer("prefilter_mask", torch.from_numpy(pre), persistent=False)
        self.register_buffer("psd_masks", torch.from_numpy(psd_masks.astype(np.float32)).T.contiguous(),
                             persistent=False)
        self.register_buffer("hann", window.float(), persistent=False)
        self.register_buffer("psd_scale", scale.float(), persistent=False)
        self.register_buffer("placement", torch.from_numpy(np.asarray(placement, dtype=np.float32)),
                             persistent=False)

    def frame_features(self, x: torch.Tensor) -> torch.Tensor:
        """Raw EEG ``[batch, n_chans, n_times]`` -> ``[batch, n_frames, 2 * n_bands, n_chans]`` (z-scored)."""
        b, c, t = x.shape
        spec = torch.fft.rfft(x.float(), dim=-1) * self.prefilter_mask
        banded = torch.fft.irfft(spec.unsqueeze(2) * self.band_masks, n=t, dim=-1)  # [B, C, nb, T]
        var = banded.reshape(b, c, self.n_bands, self.n_frames, self.frame_samples).var(dim=-1, unbiased=False)
        de = 0.5 * torch.log(2 * math.pi * math.e * var.clamp_min(1e-20))  # [B, C, nb, F]
        frames = torch.fft.irfft(spec, n=t, dim=-1).reshape(b, c, self.n_frames, self.frame_samples)
        frames = (frames - frames.mean(-1, keepdim=True)) * self.hann
        power = torch.fft.rfft(frames, dim=-1).abs().pow(2) * self.psd_scale  # [B, C, F, f]
        psd = power @ self.psd_masks  # [B, C, F, nb]
        feats = torch.cat([de.permute(0, 3, 2, 1), psd.permute(0, 2, 3, 1)], dim=2)  # [B, F, 2nb, C]
        mean = feats.mean(-1, keepdim=True)
        std = feats.std(-1, keepdim=True, unbiased=False).clamp_min(1e-8)
        return (feats - mean) / std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw EEG -> grids ``[batch, n_frames, 2 * n_bands, 9, 9]`` (a cell shared by channels holds their mean)."""
        feats = self.frame_features(x)
        b, f, c, n = feats.shape
        return (feats @ self.placement).reshape(b, f, c, 9, 9)


class SSTLegoViTRaw(EEGModuleMixin, nn.Module):
    """SST-LegoViT taking raw EEG ``[batch, n_chans, n_times]`` (braindecode's signal conventions).

    ``forward`` computes EmotionCLIP's frame features with torch operations (so it runs on GPU and inside braindecode's
    ``EEGClassifier``): the window is cut into frames of ``frame_seconds``; per frame and band, the DE of an ideal
    (FFT-mask) band-pass and the band sum of a one-segment Hann Welch PSD; z-scored across electrodes; placed on the
    9x9 grid from ``chs_info``: SEED's channel names by TorchEEG's layout, other channels by their positions
    (:mod:`emoclip_plugin.data.montage`; SEED's 62-channel layout when no ``chs_info`` is given); then :class:`SSTLegoViT` and ``final_layer``. These are the
    numbers of :func:`emoclip_plugin.data.features.window_frame_features` (tested to 1e-4). Unlike the data layer's
    trial-level features there is no baseline subtraction (a window has no trial context).

    Parameters
    ----------
    n_outputs, n_chans, chs_info, n_times, input_window_seconds, sfreq
        braindecode's signal parameters. Defaults: SEED's 62 channels, 200 Hz, 2-s windows (400 samples).
    frame_seconds : float
        Frame length (0.5 s -> 4 frames in a 2-s window).
    bands : dict
        Band name -> (low, high) Hz (EmotionCLIP's six bands).
    prefilter : tuple or None
        Band-pass applied first (0.5-75 Hz).
    activation : type of nn.Module
        FFN activation of the Transformer blocks (``nn.GELU``).
    drop_prob : float
        Dropout (0.1).
    d_model, n_heads, depths, conv_hidden, img_size, drop_path
        See :class:`SSTLegoViT`.
    """

    def __init__(self, n_outputs: int | None = None, n_chans: int | None = None, chs_info=None,
                 n_times: int | None = None, input_window_seconds: float | None = None, sfreq: float | None = None,
                 frame_seconds: float = 0.5, bands: dict | None = None, prefilter: tuple | None = (0.5, 75.0),
                 activation: type[nn.Module] = nn.GELU, drop_prob: float = 0.1, d_model: int = 128,
                 n_heads: int = 4, depths: tuple = (2, 2, 2), conv_hidden: int = 128, img_size: int = 64,
                 drop_path: float = 0.1, *, num_classes: int | None = None, num_electrodes: int | None = None,
                 chunk_size: int | None = None, sampling_rate: float | None = None, dropout: float | None = None):
        n_outputs = _resolve("n_outputs", n_outputs, "num_classes", num_classes)
        n_chans = _resolve("n_chans", n_chans, "num_electrodes", num_electrodes)
        n_times = _resolve("n_times", n_times, "chunk_size", chunk_size)
        sfreq = _resolve("sfreq", sfreq, "sampling_rate", sampling_rate)
        if dropout is not None:
            drop_prob = dropout
        if chs_info is None and n_chans in (None, len(SEED_CHANNEL_LIST)):
            # SEED's montage by default; also keeps braindecode's ``chs_info`` property (which raises when unset)
            # usable by tools that probe attributes, such as torch.jit.trace.
            chs_info = [{"ch_name": name} for name in SEED_CHANNEL_LIST]
        if sfreq is None:
            sfreq = 200.0 if n_times is None or input_window_seconds is None else n_times / input_window_seconds
        if n_times is None and input_window_seconds is None:
            n_times = int(round(2.0 * sfreq))
        super().__init__(n_outputs=n_outputs, n_chans=n_chans, chs_info=chs_info, n_times=n_times,
                         input_window_seconds=input_window_seconds, sfreq=sfreq)
        del n_outputs, n_chans, chs_info, n_times, input_window_seconds, sfreq
        bands = dict(bands or EMOTIONCLIP_BANDS)
        frame = frame_seconds * self.sfreq
        if abs(frame - round(frame)) > 1e-6 or round(frame) < 2 or self.n_times % int(round(frame)):
            raise ValueError(f"n_times={self.n_times} must be a whole number of frames of {frame_seconds} s "
                             f"at {self.sfreq} Hz")
        self.frame_samples = int(round(frame))
        self.n_frames = self.n_times // self.frame_samples
        self.n_bands = len(bands)
        if self._chs_info is None:
            raise ValueError(f"n_chans={self.n_chans} needs chs_info (channel names or positions) to place the "
                             f"channels on the 9x9 grid; without it only SEED's 62-channel layout is known")
        self.frame_grids = RawFrameGrids(self.n_times, self.sfreq, self.frame_samples, bands, prefilter,
                                         grid_placement(self._chs_info))
        self.backbone = SSTLegoViT(n_outputs=None, n_frames=self.n_frames, n_bands=self.n_bands, grid_size=(9, 9),
                                   img_size=img_size, d_model=d_model, n_heads=n_heads, depths=depths,
                                   conv_hidden=conv_hidden, drop_prob=drop_prob, drop_path=drop_path,
                                   activation=activation)
        self.final_layer = nn.Linear(d_model, self.n_outputs)

    def frame_features(self, x: torch.Tensor) -> torch.Tensor:
        """Raw EEG ``[batch, n_chans, n_times]`` -> ``[batch, n_frames, 2 * n_bands, n_chans]`` (z-scored)."""
        return self.frame_grids.frame_features(x)

    def grids(self, x: torch.Tensor) -> torch.Tensor:
        """Raw EEG -> grids ``[batch, n_frames, 2 * n_bands, 9, 9]``."""
        return self.frame_grids(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``[batch, n_outputs]``."""
        return self.final_layer(self.backbone.forward_features(self.frame_grids(x)))
