"""Text encoders: the bundled offline default, a CLIP text tower from a local directory, the embedding cache."""
from __future__ import annotations

import pytest
import torch

from emoclip_plugin.text import (DEFAULT_TEXT_ENCODER, TEMPLATES, TextEncoderUnavailable, class_text_embeddings,
                                 fill_templates, load_text_encoder)
from emoclip_plugin.text.encoders import bundled_minilm_path


@pytest.fixture(scope="module")
def tiny_clip_dir(tmp_path_factory):
    """A tiny, randomly initialised CLIP text tower saved with save_pretrained (tokenizer: the bundled BERT one)."""
    from transformers import AutoTokenizer, CLIPTextConfig, CLIPTextModelWithProjection
    tokenizer = AutoTokenizer.from_pretrained(bundled_minilm_path())
    config = CLIPTextConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64,
                            num_hidden_layers=2, num_attention_heads=2, projection_dim=24,
                            max_position_embeddings=77, eos_token_id=tokenizer.sep_token_id,
                            pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-clip")
    CLIPTextModelWithProjection(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def test_templates_and_prompts():
    assert len(TEMPLATES) == 16
    prompts = fill_templates(["happy", "sad"])
    assert prompts[0][1] == "The human is happy" and len(prompts[1]) == 16
    with pytest.raises(ValueError, match="exactly once"):
        fill_templates(["a"], ["no placeholder"])
    with pytest.raises(ValueError, match="unique"):
        fill_templates(["a", "a"])


def test_bundled_default_is_pretrained_and_offline():
    enc = load_text_encoder()
    assert enc.kind == "mean-pooling" and enc.dim == 384
    emb = enc.encode(["I feel happy", "I feel joyful", "the stock market closed lower"])
    assert torch.allclose(emb.norm(dim=1), torch.ones(3), atol=1e-5)
    # a pretrained sentence encoder puts synonyms closer than unrelated text
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.2


def test_clip_text_tower_from_local_directory(tiny_clip_dir, tmp_path):
    enc = load_text_encoder(tiny_clip_dir)
    assert enc.kind == "clip" and enc.dim == 24
    emb = class_text_embeddings(["happy", "sad", "fear"], TEMPLATES, tiny_clip_dir, cache_dir=tmp_path)
    assert emb.shape == (3, 16, 24)
    torch.testing.assert_close(emb[1, 1], enc.encode(["The human is sad"])[0])


def test_unavailable_model_names_the_offline_default():
    with pytest.raises(TextEncoderUnavailable, match=rf"(?s)not available offline.*{DEFAULT_TEXT_ENCODER}"):
        load_text_encoder("openai/clip-vit-base-patch16")


def test_embeddings_are_cached_on_disk(tmp_path, monkeypatch):
    first = class_text_embeddings(["negative", "neutral", "positive"], cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.pt"))) == 1
    import emoclip_plugin.text.encoders as enc
    monkeypatch.setattr(enc, "load_text_encoder", lambda *a, **k: (_ for _ in ()).throw(AssertionError("reloaded")))
    again = class_text_embeddings(["negative", "neutral", "positive"], cache_dir=tmp_path)
    torch.testing.assert_close(first, again)
    with pytest.raises(AssertionError, match="reloaded"):  # other prompts are a new entry
        class_text_embeddings(["negative", "positive"], cache_dir=tmp_path)


def test_loading_the_text_encoder_prints_nothing(capfd):
    """No third-party progress bar or log line breaks into the benchmark's own bars (transformers' 'Loading
    weights' bar did); transformers' own settings are restored afterwards."""
    from transformers.utils import logging as hf_logging

    from emoclip_plugin.text.encoders import load_text_encoder
    before = (hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled())
    capfd.readouterr()
    load_text_encoder()
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert (hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()) == before


def test_loading_the_text_encoder_shows_its_own_bar_on_a_terminal(monkeypatch):
    """On a terminal the first load shows one bar over its stages (off a terminal, as above, nothing)."""
    import io
    import sys

    from emoclip_plugin.text.encoders import load_text_encoder

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    load_text_encoder()
    shown = screen.getvalue()
    assert "loading text encoder bundled:all-MiniLM-L6-v2" in shown and "weights" in shown and "/3 " in shown
    assert "Loading weights" not in shown  # transformers' own bar stays off
