"""Training-time augmentation of EmotionCLIP's inputs: noise, band / frame / electrode dropout and mixup.

The frame grids ``[batch, frames, 2 * bands, H, W]`` hold, per frame, ``bands`` DE maps followed by the same ``bands``
PSD maps (the data layer's ``"emotionclip"`` features). Each augmentation is a transform of one training batch,
drawn from an explicit ``torch.Generator``, so that a fixed ``random_state`` gives the same augmented batches:

* ``noise``: add Gaussian noise of this standard deviation (in units of the input, which the data layer z-scores
  across electrodes, so ``0.1`` is 10 % of the spatial spread);
* ``band_drop``: zero each band (its DE *and* PSD map in every frame) with this probability, per sample;
* ``frame_drop``: zero each frame with this probability, per sample (never all frames of a sample);
* ``electrode_drop``: zero each grid cell (an electrode's place on the 9x9 grid) in every map with this probability,
  per sample;
* ``mixup``: mix each sample with another of the batch, ``lam ~ Beta(a, a)`` (Zhang et al., 2018); the loss is the
  same mix of the two samples' losses.

Flat inputs ``[batch, features]`` (the MLP encoder) get ``noise`` and ``mixup`` only; the structured dropouts need
the grid layout and are skipped there.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch

#: Keys of :class:`GridAugment`, in the order the transforms are applied.
AUGMENT_KEYS = ("noise", "band_drop", "frame_drop", "electrode_drop", "mixup")


@dataclass(frozen=True)
class GridAugment:
    """The augmentations of one training run (all off by default); see the module docstring for each key.

    ``noise`` >= 0 (a standard deviation); ``band_drop``, ``frame_drop``, ``electrode_drop`` in [0, 1) (probabilities);
    ``mixup`` >= 0 (the Beta parameter ``a``; 0 = off).
    """

    noise: float = 0.0
    band_drop: float = 0.0
    frame_drop: float = 0.0
    electrode_drop: float = 0.0
    mixup: float = 0.0

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise ValueError(f"augment {f.name}={value!r}; expected a number")
            if f.name.endswith("_drop"):
                if not 0 <= value < 1:
                    raise ValueError(f"augment {f.name}={value!r}; expected a probability in [0, 1)")
            elif value < 0:
                raise ValueError(f"augment {f.name}={value!r}; expected a number >= 0")

    @classmethod
    def from_param(cls, augment: "dict | GridAugment | None") -> "GridAugment":
        """``None`` (no augmentation), a dict with keys from :data:`AUGMENT_KEYS`, or a :class:`GridAugment`."""
        if augment is None:
            return cls()
        if isinstance(augment, GridAugment):
            return augment
        if not isinstance(augment, dict):
            raise ValueError(f"augment={augment!r}; expected None or a dict with keys from {list(AUGMENT_KEYS)}")
        unknown = sorted(set(augment) - set(AUGMENT_KEYS))
        if unknown:
            raise ValueError(f"augment has unknown key(s) {unknown}; valid keys: {list(AUGMENT_KEYS)}")
        return cls(**augment)

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def transform(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Noise and the structured dropouts on one batch (``[B, F, 2K, H, W]`` or ``[B, D]``); a new tensor."""
        x = x.clone()
        b = x.shape[0]

        def draw(shape, p):  # keep-mask with P(keep) = 1 - p
            keep = torch.rand(shape, generator=generator, device=generator.device) >= p
            return keep.to(device=x.device, dtype=x.dtype)

        if self.noise:
            x = x + self.noise * torch.randn(x.shape, generator=generator, device=generator.device).to(device=x.device,
                                                                                                 dtype=x.dtype)
        if x.dim() != 5:
            return x
        _, f, c, h, w = x.shape
        if self.band_drop:
            keep = draw((b, 1, c // 2, 1, 1), self.band_drop)
            x = x * torch.cat([keep, keep], dim=2)  # a band's DE and PSD maps go together
        if self.frame_drop and f > 1:
            keep = draw((b, f, 1, 1, 1), self.frame_drop)
            none_left = keep.sum(1, keepdim=True) == 0
            x = x * torch.where(none_left, torch.ones_like(keep), keep)  # never drop every frame
        if self.electrode_drop:
            x = x * draw((b, 1, 1, h, w), self.electrode_drop)
        return x

    def mix(self, x: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, float]:
        """Mixup: returns ``(mixed x, partner index [B], lam)``; the loss is ``lam * L(y) + (1 - lam) * L(y[partner])``.

        With ``mixup == 0`` the batch is returned unchanged with ``lam = 1``.
        """
        perm = torch.randperm(x.shape[0], generator=generator, device=generator.device).to(x.device)
        if not self.mixup:
            return x, perm, 1.0
        from scipy.stats import beta
        u = float(torch.rand(1, generator=generator, device=generator.device).item())
        lam = float(beta.ppf(u, self.mixup, self.mixup))  # Beta(a, a) by its inverse CDF: one draw, reproducible
        lam = max(lam, 1 - lam)  # the first sample dominates: its label stays the main target
        return lam * x + (1 - lam) * x[perm], perm, lam
