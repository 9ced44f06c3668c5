"""RGNN (Zhong, Wang & Miao, IEEE TAFFC 2020) as TorchEEG 1.1.3 defines it, in dense form.

TorchEEG's ``torcheeg.models.RGNN`` cannot run in 1.1.3: its graph convolution subclasses ``torch_geometric``'s
``SGConv`` through a lazy loader that always hands out a placeholder class, so every call fails with
"'NewSGConv' object is not callable" (with or without torch_geometric installed), and its input is a
``torch_geometric`` graph batch. This module computes the same function on plain tensors: the learnable symmetric
adjacency built from TorchEEG's lower-triangular parameter, the same normalisation (degrees from absolute edge
weights, self-loops from the adjacency's diagonal: TorchEEG's ``add_remaining_self_loops`` on the complete graph), ``K``
propagation steps, the linear map, ReLU, sum pooling over electrodes, dropout and the classifier. Its parameters
carry TorchEEG's names (``adj``, ``conv1.lin``, ``fc``). The paper's NodeDAT / EmotionDL regularisers are not part of
TorchEEG's model and not here either.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def seed_adjacency() -> np.ndarray:
    """TorchEEG's ``SEED_STANDARD_ADJACENCY_MATRIX`` (62 x 62: local connections by electrode distance, global
    ones between symmetric electrodes at -1), the adjacency TorchEEG recommends for RGNN on SEED."""
    from torcheeg.datasets.constants import SEED_STANDARD_ADJACENCY_MATRIX
    return np.asarray(SEED_STANDARD_ADJACENCY_MATRIX, dtype=np.float32)


class _DenseSGConv(nn.Module):
    """``K`` steps of ``x <- S x`` with the normalised adjacency ``S``, then a linear map (SGConv)."""

    def __init__(self, in_channels: int, out_channels: int, num_layers: int):
        super().__init__()
        self.K = num_layers
        self.lin = nn.Linear(in_channels, out_channels)

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        deg = adj.abs().sum(dim=1)  # negative (global) edges count by their size, as in TorchEEG's norm
        inv_sqrt = deg.pow(-0.5)
        inv_sqrt = torch.where(torch.isinf(inv_sqrt), torch.zeros_like(inv_sqrt), inv_sqrt)
        norm = inv_sqrt[:, None] * adj * inv_sqrt[None, :]
        for _ in range(self.K):
            x = torch.matmul(norm, x)
        return self.lin(x)


class RGNN(nn.Module):
    """Regularised graph neural network on band DE: ``[batch, n_electrodes, in_channels]`` -> class logits.

    Parameters
    ----------
    adj : array-like of shape (num_electrodes, num_electrodes), optional
        Initial adjacency; its lower triangle (diagonal included) is the learnable edge-weight parameter, mirrored to
        a symmetric matrix in the forward pass. Default: :func:`seed_adjacency` (62 electrodes).
    num_electrodes : int
        Electrodes (graph nodes), 62 for SEED.
    in_channels : int
        Features per electrode (5 DE bands).
    num_layers : int
        Propagation steps ``K`` of the simple graph convolution.
    hid_channels : int
        Width of the graph convolution's output.
    num_classes : int
        Classes.
    dropout : float
        Dropout before the classifier (TorchEEG's default 0.7).
    learn_edge_weights : bool
        Train the adjacency (TorchEEG's default) or keep it fixed.
    """

    def __init__(self, adj: Sequence | np.ndarray | torch.Tensor | None = None, num_electrodes: int = 62,
                 in_channels: int = 5, num_layers: int = 2, hid_channels: int = 32, num_classes: int = 3,
                 dropout: float = 0.7, learn_edge_weights: bool = True):
        super().__init__()
        if adj is None:
            if num_electrodes != 62:
                raise ValueError(f"RGNN: num_electrodes={num_electrodes} needs its own adj (the default is SEED's "
                                 "62-electrode adjacency)")
            adj = seed_adjacency()
        adj = torch.as_tensor(np.asarray(adj, dtype=np.float32))
        if adj.shape != (num_electrodes, num_electrodes):
            raise ValueError(f"RGNN: adj has shape {tuple(adj.shape)}; expected ({num_electrodes}, {num_electrodes})")
        self.num_electrodes, self.in_channels, self.num_classes = num_electrodes, in_channels, num_classes
        self.dropout = dropout
        xs, ys = torch.tril_indices(num_electrodes, num_electrodes, offset=0)
        self.register_buffer("xs", xs, persistent=False)
        self.register_buffer("ys", ys, persistent=False)
        self.adj = nn.Parameter(adj[xs, ys].clone(), requires_grad=learn_edge_weights)
        self.conv1 = _DenseSGConv(in_channels, hid_channels, num_layers)
        self.fc = nn.Linear(hid_channels, num_classes)

    def adjacency(self) -> torch.Tensor:
        """The symmetric ``[num_electrodes, num_electrodes]`` adjacency from the learnable lower triangle."""
        adj = self.adj.new_zeros(self.num_electrodes, self.num_electrodes)
        adj = adj.index_put((self.xs, self.ys), self.adj)
        return adj + adj.T - torch.diag(adj.diagonal())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[1] != self.num_electrodes or x.shape[2] != self.in_channels:
            raise ValueError(f"RGNN: expected [batch, {self.num_electrodes}, {self.in_channels}] band DE, got "
                             f"{list(x.shape)}")
        x = F.relu(self.conv1(x, self.adjacency()))
        x = x.sum(dim=1)  # global add pooling over electrodes
        x = F.dropout(x, p=self.dropout, training=self.training)
        return self.fc(x)


__all__ = ["RGNN", "seed_adjacency"]
