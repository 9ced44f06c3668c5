"""Building blocks shared by the SST-LegoViT stages: pre-LN attention blocks, drop-path, multi-scale convolution."""
from __future__ import annotations

import torch
from torch import nn


class DropPath(nn.Module):
    """Stochastic depth: drop the residual branch of a whole sample with probability ``p`` (training only)."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        shape = [x.shape[0]] + [1] * (x.dim() - 1)
        mask = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(keep)
        return x * mask / keep


class FeedForward(nn.Sequential):
    def __init__(self, d_model: int, mlp_ratio: float, drop_prob: float, activation: type[nn.Module]):
        hidden = int(d_model * mlp_ratio)
        super().__init__(nn.Linear(d_model, hidden), activation(), nn.Dropout(drop_prob), nn.Linear(hidden, d_model),
                         nn.Dropout(drop_prob))


class EncoderBlock(nn.Module):
    """Pre-LN Transformer encoder block: ``x + DropPath(MHSA(LN x))``, then ``x + DropPath(FFN(LN x))``.

    Input / output ``[batch, tokens, d_model]``.
    """

    def __init__(self, d_model: int, n_heads: int, mlp_ratio: float = 4.0, drop_prob: float = 0.1,
                 drop_path: float = 0.1, activation: type[nn.Module] = nn.GELU):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=drop_prob, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ffn = FeedForward(d_model, mlp_ratio, drop_prob, activation)
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.drop_path(self.attn(h, h, h, need_weights=False)[0])
        return x + self.drop_path(self.ffn(self.norm2(x)))


class DecoderBlock(nn.Module):
    """Pre-LN decoder block: self-attention, cross-attention to ``memory`` (keys / values), FFN; residual each.

    ``x [batch, tokens, d_model]``, ``memory [batch, memory_tokens, d_model]``.
    """

    def __init__(self, d_model: int, n_heads: int, mlp_ratio: float = 4.0, drop_prob: float = 0.1,
                 drop_path: float = 0.1, activation: type[nn.Module] = nn.GELU):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.self_attn = nn.MultiheadAttention(d_model, n_heads, dropout=drop_prob, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm_memory = nn.LayerNorm(d_model)
        self.cross_attn = nn.MultiheadAttention(d_model, n_heads, dropout=drop_prob, batch_first=True)
        self.norm3 = nn.LayerNorm(d_model)
        self.ffn = FeedForward(d_model, mlp_ratio, drop_prob, activation)
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.drop_path(self.self_attn(h, h, h, need_weights=False)[0])
        h, m = self.norm2(x), self.norm_memory(memory)
        x = x + self.drop_path(self.cross_attn(h, m, m, need_weights=False)[0])
        return x + self.drop_path(self.ffn(self.norm3(x)))


class MultiScaleConv(nn.Module):
    """2-D multi-scale convolution over a token map: branches k x k (d -> hidden) -> 1 x 1 (hidden -> d), averaged.

    Each branch: conv k x k, BN, dropout, ReLU, conv 1 x 1, BN, dropout, ReLU (paper-spec [E]); ``kernel_sizes``
    (1, 3, 5) by default ([P]). Input / output ``[batch, d, height, width]``.
    """

    def __init__(self, d_model: int, hidden: int, kernel_sizes=(1, 3, 5), drop_prob: float = 0.1):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Conv2d(d_model, hidden, k, padding=k // 2), nn.BatchNorm2d(hidden), nn.Dropout(drop_prob),
                          nn.ReLU(), nn.Conv2d(hidden, d_model, 1), nn.BatchNorm2d(d_model), nn.Dropout(drop_prob),
                          nn.ReLU())
            for k in kernel_sizes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.zeros_like(x)
        for branch in self.branches:
            out = out + branch(x)
        return out / len(self.branches)


class SpatialBlock(nn.Module):
    """Spatial multi-scale encoder block ([P]): ``x + DropPath(MHSA(LN x))``, then ``x + DropPath(MSConv(LN x))``.

    ``x [batch, side * side, d_model]`` tokens of a square map; the convolution sees them as ``[batch, d, side, side]``.
    """

    def __init__(self, d_model: int, n_heads: int, conv_hidden: int, drop_prob: float = 0.1, drop_path: float = 0.1):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, dropout=drop_prob, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.conv = MultiScaleConv(d_model, conv_hidden, drop_prob=drop_prob)
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor, side: int) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.drop_path(self.attn(h, h, h, need_weights=False)[0])
        grid = self.norm2(x).transpose(1, 2).reshape(x.shape[0], x.shape[2], side, side)
        return x + self.drop_path(self.conv(grid).flatten(2).transpose(1, 2))


class LegoLayer(nn.Module):
    """One Legoformer (spectral) layer ([P]): a DE encoder and a PSD encoder (separate weights) in parallel, and a
    decoder over (state + DE + PSD) that cross-attends to the DE tokens (keys / values).

    ``forward(state, de, psd) -> (state, de, psd)``, each ``[batch, n_bands, d_model]``.
    """

    def __init__(self, d_model: int, n_heads: int, mlp_ratio: float = 4.0, drop_prob: float = 0.1,
                 drop_path: float = 0.1, activation: type[nn.Module] = nn.GELU):
        super().__init__()
        kw = dict(mlp_ratio=mlp_ratio, drop_prob=drop_prob, drop_path=drop_path, activation=activation)
        self.de_encoder = EncoderBlock(d_model, n_heads, **kw)
        self.psd_encoder = EncoderBlock(d_model, n_heads, **kw)
        self.decoder = DecoderBlock(d_model, n_heads, **kw)

    def forward(self, state: torch.Tensor, de: torch.Tensor, psd: torch.Tensor):
        de = self.de_encoder(de)
        psd = self.psd_encoder(psd)
        return self.decoder(state + de + psd, de), de, psd
