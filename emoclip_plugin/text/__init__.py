"""The frozen text side of EmotionCLIP: prompt sets and text encoders with an on-disk embedding cache."""
from .encoders import (DEFAULT_TEXT_ENCODER, TextEncoder, TextEncoderUnavailable, class_text_embeddings,
                       load_text_encoder)
from .prompts import SEED_CLASS_NAMES, SEED_IV_CLASS_NAMES, TEMPLATES, class_names_for, fill_templates

__all__ = ["DEFAULT_TEXT_ENCODER", "TextEncoder", "TextEncoderUnavailable", "class_text_embeddings",
           "load_text_encoder", "SEED_CLASS_NAMES", "SEED_IV_CLASS_NAMES", "TEMPLATES", "class_names_for",
           "fill_templates"]
