"""SST-LegoViT: spatial -> spectral -> temporal Transformer backbone of EmotionCLIP (arXiv 2511.05293).

Where each choice comes from (tags as in ``shared/docs/paper-spec.md``): [P] the paper, [E] a public follow-up
repository that appears to fork the official code, [I] our inference where both are silent. Every uncertain choice is a
constructor parameter whose default is the [P]/[E] value.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layers import EncoderBlock, LegoLayer, SpatialBlock


def _resolve(name: str, value, alias_name: str, alias):
    if alias is not None:
        if value is not None and value != alias:
            raise ValueError(f"{name}={value} and its alias {alias_name}={alias} disagree")
        return alias
    return value


class SSTLegoViT(nn.Module):
    """SST-LegoViT backbone on DE / PSD frame grids, optionally with a linear classification head.

    Input ``[batch, n_frames, 2 * n_bands, height, width]`` — the data layer's ``"emotionclip"`` features,
    ``[B, 4, 12, 9, 9]`` by default (6 DE bands, then 6 PSD bands). Output: logits ``[batch, n_outputs]`` when
    ``n_outputs`` is set (the paper's ablation "SST-LegoViT classifier only"), else the embedding ``[batch, d_model]``;
    :meth:`forward_features` always returns the embedding.

    Stages:

    1. resize each 9x9 map to ``img_size`` (bicubic, [E]: 64x64) inside the model, so stored features stay small;
       the resize and the stem's first 2x2/s2 convolution are both linear, so they run as one matrix product with
       the composed operator (same function, no ``img_size``-sized intermediate: see :meth:`_resized_conv1`);
    2. conv-stack embedding ([P] "a stack of four small 2D convolutions"; [E] 2x2/s2 -> 2x2/s2 -> 4x4/s4 -> 1x1 with
       BN + ReLU, widths d/8, d/2, 2d, d): 64x64 -> 16 spatial tokens per (frame, band) map;
    3. spatial multi-scale encoder ([P]): ``depths[0]`` blocks of pre-LN self-attention + residual and pre-LN 1/3/5
       multi-scale convolution + residual, with a learned spatial position embedding; mean over the tokens ([E]; or
       ``spatial_pool="flatten"``);
    4. Legoformer spectral stage ([P]): ``depths[1]`` layers of a DE encoder and a PSD encoder (no shared weights) and
       a decoder whose input is (previous decoder state + DE output + PSD output) ([I]: element-wise sum, keeping the 6
       band tokens), with self-attention, cross-attention to the DE tokens as keys / values (DE primary, [P]) and an
       FFN; the decoder state starts as the DE tokens ([E]); mean over bands ([E]; or ``band_pool="flatten"``);
    5. temporal Transformer over frames ([P]) with a learned temporal embedding ([E]), ``depths[2]`` blocks; mean over
       frames; final LayerNorm.

    Parameters
    ----------
    n_outputs : int or None
        Classes for the linear head; ``None`` returns embeddings. Alias ``num_classes`` (TorchEEG).
    n_frames : int
        Frames per window (4). Alias ``chunk_size`` is not used: frames are not samples.
    n_bands : int
        Bands per feature type (6); the input has ``2 * n_bands`` maps per frame. Alias ``in_channels`` (= 2 * n_bands,
        TorchEEG's convention for feature maps).
    grid_size : tuple
        Input grid (9, 9).
    img_size : int
        Working resolution after resizing (64, [E]); must be divisible by 16.
    d_model : int
        Width (128, [E]).
    n_heads : int
        Attention heads (4, [E]).
    depths : tuple of 3 ints
        Layers of the spatial, spectral and temporal stages ((2, 2, 2), [E]; another [E] variant: (1, 1, 0) at d=64).
    conv_hidden : int
        Hidden width of the multi-scale convolution branches (128, [E]).
    mlp_ratio : float
        FFN width / d_model (4, [E]).
    drop_prob : float
        Dropout (0.1, [E]). Alias ``dropout`` (TorchEEG).
    drop_path : float
        Drop-path rate, linearly increasing over all blocks up to this value (0.1, [E]).
    activation : type of nn.Module
        FFN activation (``nn.GELU``, [E]).
    spatial_pool : {"mean", "flatten"}
        How a map's spatial tokens become one band token: their mean ([E]), or all tokens concatenated and projected
        to ``d_model`` by a linear layer ([I], ours), which keeps *where* on the scalp each pattern is.
    band_pool : {"mean", "flatten"}
        How the spectral stage's band tokens become one frame token: their mean ([E]), or the tokens concatenated
        and projected to ``d_model`` by a linear layer ([I], ours), which keeps *which band* carries a pattern (the
        mean cannot tell which band a pattern came from). The ablation study (``benchmarks/ablation.py``,
        ``-flatten_pools``) measures the choice; see ``docs/studies.md``.
    stem_channels_last : bool
        Run the convolution stem in ``channels_last`` layout (same function). Measured on an H200 in bf16 (raw
        training step, paper size): 1.66x faster at batch 256, 6 % slower at the paper's batch 64, so off by default.
    """

    def __init__(self, n_outputs: int | None = None, n_frames: int = 4, n_bands: int = 6,
                 grid_size: tuple[int, int] = (9, 9), img_size: int = 64, d_model: int = 128, n_heads: int = 4,
                 depths: tuple[int, int, int] = (2, 2, 2), conv_hidden: int = 128, mlp_ratio: float = 4.0,
                 drop_prob: float | None = None, drop_path: float = 0.1, activation: type[nn.Module] = nn.GELU,
                 spatial_pool: str = "mean", stem_channels_last: bool = False, band_pool: str = "mean", *,
                 num_classes: int | None = None, in_channels: int | None = None, dropout: float | None = None):
        super().__init__()
        n_outputs = _resolve("n_outputs", n_outputs, "num_classes", num_classes)
        if in_channels is not None:
            if in_channels % 2:
                raise ValueError(f"in_channels={in_channels} must be 2 * n_bands (DE and PSD maps)")
            n_bands = _resolve("n_bands", n_bands if n_bands != 6 else None, "in_channels // 2", in_channels // 2)
        drop_prob = _resolve("drop_prob", drop_prob, "dropout", dropout)
        drop_prob = 0.1 if drop_prob is None else float(drop_prob)
        if len(tuple(depths)) != 3 or min(depths) < 0:
            raise ValueError(f"depths must be three non-negative layer counts (spatial, spectral, temporal), got {depths}")
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}")
        if img_size % 16 or img_size < 16:
            raise ValueError(f"img_size={img_size} must be a multiple of 16")
        if d_model % 8:
            raise ValueError(f"d_model={d_model} must be divisible by 8 (conv-stack widths d/8, d/2, 2d)")
        if spatial_pool not in ("mean", "flatten"):
            raise ValueError(f"spatial_pool={spatial_pool!r}; expected 'mean' or 'flatten'")
        if band_pool not in ("mean", "flatten"):
            raise ValueError(f"band_pool={band_pool!r}; expected 'mean' or 'flatten'")
        if not 0 <= drop_prob < 1 or not 0 <= drop_path < 1:
            raise ValueError(f"drop_prob={drop_prob} and drop_path={drop_path} must be in [0, 1)")
        self.n_outputs = n_outputs
        self.n_frames, self.n_bands = int(n_frames), int(n_bands)
        self.grid_size, self.img_size, self.d_model = tuple(grid_size), int(img_size), int(d_model)
        self.depths = tuple(int(d) for d in depths)
        self._shape_message = (f"SSTLegoViT expects input [batch, {self.n_frames}, {2 * self.n_bands}, "
                               f"{self.grid_size[0]}, {self.grid_size[1]}], got ")
        n_tokens = (img_size // 16) ** 2
        rates = torch.linspace(0, drop_path, max(1, sum(self.depths))).tolist()
        block = dict(mlp_ratio=mlp_ratio, drop_prob=drop_prob, activation=activation)

        d = d_model
        self.embed = nn.Sequential(
            nn.Conv2d(1, d // 8, 2, stride=2), nn.BatchNorm2d(d // 8), nn.ReLU(),
            nn.Conv2d(d // 8, d // 2, 2, stride=2), nn.BatchNorm2d(d // 2), nn.ReLU(),
            nn.Conv2d(d // 2, 2 * d, 4, stride=4), nn.BatchNorm2d(2 * d), nn.ReLU(),
            nn.Conv2d(2 * d, d, 1))
        self.spatial_pos = nn.Parameter(torch.zeros(1, n_tokens, d))
        s, p, t = self.depths
        self.spatial = nn.ModuleList(SpatialBlock(d, n_heads, conv_hidden, drop_prob, rates[i]) for i in range(s))
        self.flatten_pool = spatial_pool == "flatten"
        self.spatial_pool = nn.Linear(n_tokens * d, d) if self.flatten_pool else nn.Identity()
        self.band_pos = nn.Parameter(torch.zeros(1, 2 * self.n_bands, d))
        self.spectral = nn.ModuleList(LegoLayer(d, n_heads, drop_path=rates[s + i], **block) for i in range(p))
        self.flatten_bands = band_pool == "flatten"
        self.band_proj = nn.Linear(self.n_bands * d, d) if self.flatten_bands else nn.Identity()
        self.temporal_pos = nn.Parameter(torch.zeros(1, self.n_frames, d))
        self.temporal = nn.ModuleList(EncoderBlock(d, n_heads, drop_path=rates[s + p + i], **block) for i in range(t))
        self.norm = nn.LayerNorm(d)
        self.final_layer = nn.Linear(d, n_outputs) if n_outputs else nn.Identity()
        for param in (self.spatial_pos, self.band_pos, self.temporal_pos):
            nn.init.trunc_normal_(param, std=0.02)
        self.stem_channels_last = bool(stem_channels_last)
        if self.stem_channels_last:
            self.embed.to(memory_format=torch.channels_last)
        # The bicubic resize as a fixed linear operator [img, img, h, w] (not saved: rebuilt from the sizes).
        h, w = self.grid_size
        basis = torch.eye(h * w).reshape(h * w, 1, h, w)
        resize = F.interpolate(basis, size=(img_size, img_size), mode="bicubic", align_corners=False)
        self.register_buffer("resize_operator", resize.reshape(h, w, img_size, img_size).permute(2, 3, 0, 1)
                             .contiguous(), persistent=False)

    @property
    def embedding_dim(self) -> int:
        return self.d_model

    def _check_input(self, x: torch.Tensor) -> None:
        if (x.dim() != 5 or x.shape[1] != self.n_frames or x.shape[2] != 2 * self.n_bands
                or x.shape[3] != self.grid_size[0] or x.shape[4] != self.grid_size[1]):
            raise ValueError(self._shape_message + str(x.shape))

    def _resized_conv1(self, maps: torch.Tensor) -> torch.Tensor:
        """The stem's first convolution applied to the bicubic-resized maps, as one product.

        ``maps [N, h * w]`` -> ``[N, d/8, img/2, img/2]``, equal to ``embed[0](interpolate(maps, img, "bicubic"))``:
        both steps are linear, so their composition ``K [d/8 * (img/2)^2, h * w]`` (built from the conv weights and
        the resize operator each call, so gradients reach the weights) maps every 9x9 map in one matrix product
        instead of materialising the 64x64 image (the costliest memory traffic of the model on a GPU).
        """
        weight, bias = self.embed[0].weight, self.embed[0].bias
        assert bias is not None
        half = self.img_size // 2
        op = self.resize_operator.reshape(half, 2, half, 2, -1)  # [i, a, j, b, h*w]: output pixel (2i+a, 2j+b)
        kernel = torch.einsum("cab,iajbp->cijp", weight[:, 0].to(op.dtype), op).reshape(-1, op.shape[-1])
        out = maps @ kernel.to(maps.dtype).t()
        return out.reshape(maps.shape[0], -1, half, half) + bias.to(out.dtype).reshape(1, -1, 1, 1)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """``[batch, n_frames, 2 * n_bands, H, W]`` -> embedding ``[batch, d_model]``."""
        self._check_input(x)
        b, f, c, h, w = x.shape
        stem = self._resized_conv1(x.reshape(b * f * c, h * w))
        if self.stem_channels_last:
            stem = stem.contiguous(memory_format=torch.channels_last)
        for i, layer in enumerate(self.embed):
            if i > 0:  # the first convolution ran inside _resized_conv1
                stem = layer(stem)
        tokens = stem.contiguous()  # [N, d, 4, 4]
        side = tokens.shape[-1]
        tokens = tokens.flatten(2).transpose(1, 2) + self.spatial_pos  # [N, 16, d]
        for blk in self.spatial:
            tokens = blk(tokens, side)
        pooled = self.spatial_pool(tokens.flatten(1)) if self.flatten_pool else tokens.mean(1)  # [N, d]
        bands = pooled.reshape(b * f, c, self.d_model) + self.band_pos  # [B*F, 12, d]
        de, psd = bands[:, : self.n_bands], bands[:, self.n_bands:]
        state = de
        for layer in self.spectral:
            state, de, psd = layer(state, de, psd)
        merged = self.band_proj(state.flatten(1)) if self.flatten_bands else state.mean(1)  # [B*F, d]
        frames = merged.reshape(b, f, self.d_model) + self.temporal_pos
        for blk in self.temporal:
            frames = blk(frames)
        return self.norm(frames.mean(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``[batch, n_outputs]`` (or the embedding ``[batch, d_model]`` without a head)."""
        return self.final_layer(self.forward_features(x))
