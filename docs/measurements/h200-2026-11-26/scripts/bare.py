"""Device-only launcher: run a script with emoclip_plugin importable WITHOUT its TorchEEG / braindecode stack.

The lent GPU machine has PyTorch but no TorchEEG (which needs a torch-scatter build) and cannot install it. This
launcher registers the packages `emoclip_plugin` and `emoclip_plugin.models` without running their __init__ files
(which require TorchEEG and braindecode), exposing the model classes the estimators import. Everything measured (the
models, the estimators' training loop, skorch, torch) is the real code; only TorchEEG's loaders and models are absent.
"""
import runpy
import sys
import types
from pathlib import Path

root = Path(__file__).resolve().parents[1] / "emoclip_plugin"
for name, path in (("emoclip_plugin", root), ("emoclip_plugin.models", root / "models")):
    mod = types.ModuleType(name)
    mod.__path__ = [str(path)]
    mod.__package__ = name
    sys.modules[name] = mod
models = sys.modules["emoclip_plugin.models"]
from emoclip_plugin.models.emotionclip import EmotionCLIP  # noqa: E402
from emoclip_plugin.models.mlp import MLPEncoder  # noqa: E402
from emoclip_plugin.models.sst_legovit import SSTLegoViT  # noqa: E402
models.EmotionCLIP, models.MLPEncoder, models.SSTLegoViT = EmotionCLIP, MLPEncoder, SSTLegoViT
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
