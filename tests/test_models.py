"""SST-LegoViT, EmotionCLIP and the text side: shapes, determinism, frozen text, ordering, learning, restoring."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from emoclip_plugin import EmotionCLIP, SSTLegoViT
from emoclip_plugin.text import SEED_IV_CLASS_NAMES, TEMPLATES, class_text_embeddings, load_text_encoder

TINY = dict(d_model=16, n_heads=2, depths=(1, 1, 1), conv_hidden=16, img_size=16, drop_path=0.0)


def test_default_size_matches_the_paper():
    n = sum(p.numel() for p in SSTLegoViT(n_outputs=3).parameters())
    print(f"\nSSTLegoViT default (d=128, 4 heads, depths [2, 2, 2]) with a 3-class head: {n:,} parameters")
    assert 3.0e6 < n < 4.0e6  # the paper's backbone: ~3.5 M


@pytest.mark.parametrize("n_classes", [3, 4])
def test_shapes(n_classes):
    x = torch.randn(5, 4, 12, 9, 9)
    assert SSTLegoViT(n_outputs=n_classes, **TINY)(x).shape == (5, n_classes)
    assert SSTLegoViT(num_classes=n_classes, in_channels=12, dropout=0.2, **TINY)(x).shape == (5, n_classes)
    assert SSTLegoViT(**TINY)(x).shape == (5, 16)
    dataset = "seed" if n_classes == 3 else "seed-iv"
    model = EmotionCLIP(dataset=dataset, encoder_kwargs=TINY)
    assert model(x).shape == (5, n_classes) and model.text_features.shape == (n_classes, 16, 384)


def test_bad_input_shape_and_config():
    with pytest.raises(ValueError, match=r"expects input \[batch, 4, 12, 9, 9\], got torch.Size\(\[2, 4, 10, 9, 9\]\)"):
        SSTLegoViT(**TINY)(torch.randn(2, 4, 10, 9, 9))
    with pytest.raises(ValueError, match="divisible by n_heads"):
        SSTLegoViT(d_model=30, n_heads=4)
    with pytest.raises(ValueError, match="disagree"):
        SSTLegoViT(n_outputs=3, num_classes=4)


def test_eval_is_deterministic():
    torch.manual_seed(0)
    model = EmotionCLIP(encoder_kwargs={**TINY, "drop_path": 0.1}).eval()
    x = torch.randn(3, 4, 12, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(model(x), model(x), rtol=0, atol=0)


def test_gradients_reach_eeg_encoder_not_text():
    model = EmotionCLIP(encoder_kwargs=TINY)
    assert "text_features" in dict(model.named_buffers())
    assert all("text" not in name for name, _ in model.named_parameters())
    loss = nn.functional.cross_entropy(model(torch.randn(4, 4, 12, 9, 9)), torch.tensor([0, 1, 2, 0]))
    loss.backward()
    grads = [p.grad for p in model.encoder.parameters() if p.requires_grad]
    assert grads and all(g is not None for g in grads[:3]) and model.encoder.embed[0].weight.grad.abs().sum() > 0
    assert model.text_features.grad is None and not model.text_features.requires_grad
    encoder = load_text_encoder()
    assert not any(p.requires_grad for p in encoder.model.parameters())


def test_logits_follow_class_names_order(tmp_path):
    names = ["calm", "angry", "joyful"]
    model = EmotionCLIP(class_names=names, encoder_kwargs=TINY, cache_dir=tmp_path)
    for i, name in enumerate(names):
        single = class_text_embeddings([name], TEMPLATES, cache_dir=tmp_path)[0]
        torch.testing.assert_close(model.text_features[i], single)
    # an EEG embedding equal to class 2's mean text direction is predicted as class 2; reorder -> follows the names
    target = model.text_features[2].mean(0)
    model.embed = lambda x: nn.functional.normalize(target.expand(x.shape[0], -1), dim=-1)
    x = torch.zeros(1, 4, 12, 9, 9)
    assert model(x).argmax(1).item() == 2
    model.set_classes(["joyful", "calm", "angry"], cache_dir=tmp_path)
    assert model.class_names == ["joyful", "calm", "angry"] and model(x).argmax(1).item() == 0


def _toy_accuracy(seed: int) -> float:
    torch.manual_seed(seed)
    n = 160
    y = torch.arange(n) % 2
    x = torch.randn(n, 4, 12, 9, 9) * 0.5
    x[y == 1, :, 2, 2:5, 2:5] += 1.5  # class 1: a blob in band 2
    model = EmotionCLIP(class_names=["low", "high"], encoder_kwargs={**TINY, "drop_prob": 0.0})
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=3e-3)
    for _ in range(15):
        for idx in torch.randperm(n).split(32):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    xt = torch.randn(100, 4, 12, 9, 9) * 0.5
    yt = torch.arange(100) % 2
    xt[yt == 1, :, 2, 2:5, 2:5] += 1.5
    with torch.no_grad():
        return (model(xt).argmax(1) == yt).float().mean().item()


def test_learns_a_two_class_toy_problem():
    # three seeds: one short run's accuracy moves by a few points with float rounding (thread count, kernel choice)
    accs = [_toy_accuracy(seed) for seed in range(3)]
    print(f"\n2-class toy problem, held-out accuracy per seed: {accs}")
    assert min(accs) >= 0.9 and sum(accs) / len(accs) >= 0.95


def test_state_dict_restores_without_text_encoder(tmp_path, monkeypatch):
    model = EmotionCLIP(dataset="seed-iv", encoder_kwargs=TINY).eval()
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    import emoclip_plugin.text.encoders as enc

    def refuse(*args, **kwargs):
        raise AssertionError("the text encoder must not be loaded")
    monkeypatch.setattr(enc, "load_text_encoder", refuse)
    restored = EmotionCLIP(class_names=SEED_IV_CLASS_NAMES, text_encoder=False, text_dim=384, encoder_kwargs=TINY)
    restored.load_state_dict(torch.load(path, weights_only=True))
    restored.eval()
    x = torch.randn(2, 4, 12, 9, 9)
    with torch.no_grad():
        torch.testing.assert_close(restored(x), model(x))


def test_temperature_learnable_and_clamped_or_fixed():
    learn = EmotionCLIP(encoder_kwargs=TINY)
    assert isinstance(learn.log_scale, nn.Parameter)
    with torch.no_grad():
        learn.log_scale.fill_(10.0)
    assert learn.logit_scale.item() == pytest.approx(100.0)
    fixed = EmotionCLIP(encoder_kwargs=TINY, learnable_scale=False, logit_scale=30.0)
    assert "log_scale" in dict(fixed.named_buffers()) and fixed.logit_scale.item() == pytest.approx(30.0)


def test_flatten_spatial_pool_shapes_and_scripts():
    x = torch.randn(3, 4, 12, 9, 9)
    torch.manual_seed(0)
    model = SSTLegoViT(n_outputs=3, **{**TINY, "img_size": 32}, spatial_pool="flatten").eval()
    assert model(x).shape == (3, 3)
    assert model.spatial_pool.in_features == 4 * 16  # (32 / 16)^2 tokens x d_model, concatenated
    scripted = torch.jit.script(model)
    torch.testing.assert_close(scripted(x), model(x))
    with pytest.raises(ValueError, match="spatial_pool='max'"):
        SSTLegoViT(**TINY, spatial_pool="max")


def test_flatten_band_pool_keeps_which_band():
    x = torch.randn(3, 4, 12, 9, 9)
    torch.manual_seed(0)
    model = SSTLegoViT(n_outputs=3, **{**TINY, "img_size": 32}, band_pool="flatten",
                       spatial_pool="flatten").eval()
    assert model(x).shape == (3, 3) and model.band_proj.in_features == 6 * 16  # 6 band tokens x d_model
    torch.testing.assert_close(torch.jit.script(model)(x), model(x))
    # the mean over band tokens is blind to which band token carries what; the flatten projection is not
    state = torch.randn(2, 6, 16)
    swapped = state[:, [1, 0, 2, 3, 4, 5]]
    assert torch.allclose(state.mean(1), swapped.mean(1))
    assert not torch.allclose(model.band_proj(state.flatten(1)), model.band_proj(swapped.flatten(1)))
    assert isinstance(SSTLegoViT(**TINY).band_proj, torch.nn.Identity)  # the paper's mean: no extra weights
    with pytest.raises(ValueError, match="band_pool='sum'"):
        SSTLegoViT(**TINY, band_pool="sum")
