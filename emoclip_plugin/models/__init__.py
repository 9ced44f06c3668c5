"""Models: SST-LegoViT (grid input), its braindecode raw-EEG form, and EmotionCLIP."""
from .emotionclip import EmotionCLIP
from .mlp import MLPEncoder
from .sst_legovit import SSTLegoViT
from .sst_legovit_raw import SSTLegoViTRaw

__all__ = ["SSTLegoViT", "SSTLegoViTRaw", "EmotionCLIP", "MLPEncoder"]
