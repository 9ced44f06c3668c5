"""Class names and the 16 prompt templates of EmotionCLIP (paper-spec [L]/[E])."""
from __future__ import annotations

from typing import Sequence

#: SEED labels -1 / 0 / 1 (index 0..2)
SEED_CLASS_NAMES = ("negative", "neutral", "positive")
#: SEED-IV labels 0..3
SEED_IV_CLASS_NAMES = ("neutral", "sad", "fear", "happy")
_BY_DATASET = {"seed": SEED_CLASS_NAMES, "seed-iv": SEED_IV_CLASS_NAMES}

#: The 16 templates ([E]); ``{}`` is replaced by the class name.
TEMPLATES = (
    "{}",
    "The human is {}",
    "The video makes the human feel {}",
    "A video of {} emotion",
    "Look, the human is {}",
    "Playing a kind of emotion, {}",
    "Doing a kind of emotion, {}",
    "Does this video convey {} emotion?",
    "What emotion does this video convey: {}?",
    "Identify the emotion in this video: {}",
    "Categorize this video into {} emotion",
    "Can you recognize the emotion of {}?",
    "The human feels {} now",
    "The human looks {} about the video",
    "{}, a kind of emotion",
    "{} this is an emotion",
)


def class_names_for(dataset: str) -> tuple[str, ...]:
    """Class names of ``"seed"`` or ``"seed-iv"`` in label-index order."""
    try:
        return _BY_DATASET[dataset]
    except KeyError:
        raise ValueError(f"dataset must be one of {sorted(_BY_DATASET)}, got {dataset!r}") from None


def fill_templates(class_names: Sequence[str], templates: Sequence[str] = TEMPLATES) -> list[list[str]]:
    """Prompts ``[n_classes][n_templates]``; every template must contain ``{}`` exactly once."""
    if len(class_names) < 1 or len(set(class_names)) != len(class_names):
        raise ValueError(f"class_names must be non-empty and unique, got {list(class_names)}")
    if len(templates) < 1:
        raise ValueError("templates must hold at least one template")
    for t in templates:
        if t.count("{}") != 1:
            raise ValueError(f"template {t!r} must contain '{{}}' exactly once")
    return [[t.format(str(name)) for t in templates] for name in class_names]
