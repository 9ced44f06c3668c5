"""RGNN: our dense port computes what TorchEEG 1.1.3's (unrunnable) RGNN defines, using TorchEEG's own edge
normalisation and a sparse message-passing reference."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_scatter import scatter_add

from emoclip_plugin.models.rgnn import RGNN, seed_adjacency


def _torcheeg_reference(model: RGNN, x: torch.Tensor) -> torch.Tensor:
    """TorchEEG's RGNN.forward on a batch of complete graphs, with TorchEEG's ``NewSGConv.norm`` and PyG's
    source-to-target sum aggregation written out (``torch_geometric`` is not needed for these steps)."""
    from torcheeg.models.gnn.rgnn import NewSGConv
    batch, n, _ = x.shape
    adj = torch.zeros(n, n)
    adj[model.xs, model.ys] = model.adj
    adj = adj + adj.transpose(1, 0) - torch.diag(adj.diagonal())
    weights = adj.reshape(-1).repeat(batch)  # TorchEEG's edge order: every (row, col) pair of every graph
    rows, cols = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    offsets = (torch.arange(batch) * n)[:, None]
    edge_index = torch.stack([(rows.reshape(1, -1) + offsets).reshape(-1), (cols.reshape(1, -1) + offsets).reshape(-1)])
    nodes = x.reshape(batch * n, -1)
    edge_index, edge_weight = NewSGConv.norm(edge_index, nodes.size(0), weights, dtype=nodes.dtype)
    for _ in range(model.conv1.K):
        source, target = edge_index
        nodes = scatter_add(edge_weight.view(-1, 1) * nodes[source], target, dim=0, dim_size=batch * n)
    h = torch.relu(model.conv1.lin(nodes))
    pooled = scatter_add(h, torch.arange(batch).repeat_interleave(n), dim=0, dim_size=batch)
    return model.fc(pooled)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_dense_rgnn_matches_torcheegs_sparse_definition(num_layers):
    torch.manual_seed(0)
    model = RGNN(num_layers=num_layers, hid_channels=8, num_classes=4).eval()
    with torch.no_grad():  # a trained-looking adjacency: negative global edges, a changed diagonal
        model.adj.add_(0.1 * torch.randn_like(model.adj))
    x = torch.randn(3, 62, 5)
    with torch.no_grad():
        assert torch.allclose(model(x), _torcheeg_reference(model, x), atol=1e-5)


def test_rgnn_parameters_and_errors():
    adj = seed_adjacency()
    model = RGNN()
    assert model.adj.numel() == 62 * 63 // 2 and model.adj.requires_grad
    sym = model.adjacency().detach().numpy()
    assert np.allclose(sym, sym.T) and np.allclose(np.tril(sym), np.tril(adj))  # TorchEEG keeps the lower triangle
    assert not RGNN(learn_edge_weights=False).adj.requires_grad
    out = model(torch.randn(2, 62, 5))
    out.sum().backward()
    assert out.shape == (2, 3) and model.adj.grad is not None and model.adj.grad.abs().sum() > 0
    with pytest.raises(ValueError, match=r"expected \[batch, 62, 5\] band DE, got \[2, 62, 4\]"):
        model(torch.randn(2, 62, 4))
    with pytest.raises(ValueError, match="num_electrodes=32 needs its own adj"):
        RGNN(num_electrodes=32)
    with pytest.raises(ValueError, match=r"adj has shape \(62, 62\); expected \(32, 32\)"):
        RGNN(adj=adj, num_electrodes=32)
    assert RGNN(adj=np.eye(4), num_electrodes=4)(torch.randn(1, 4, 5)).shape == (1, 3)
