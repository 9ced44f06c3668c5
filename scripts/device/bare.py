"""Device launcher: run a script with ``emoclip_plugin`` importable WITHOUT its TorchEEG / braindecode stack.

The lent GPU machines have PyTorch but no TorchEEG (it needs a torch-scatter build for their torch) and no network.
This launcher registers the packages ``emoclip_plugin`` and ``emoclip_plugin.models`` without running their
``__init__`` files (which import TorchEEG and braindecode), exposing the model classes the estimators import.
Everything measured (the models, the estimators' training loop, skorch, torch) is the real code; only TorchEEG's
loaders and models are absent.

    python3 scripts/device/bare.py benchmarks/gpu_throughput.py --device cuda ...

``EMOCLIP_BARE_BLOCK=torcheeg,braindecode`` makes those imports fail, so a full machine can check that a script runs
as it would on the device (``tests/test_device_scripts.py``).
"""
import importlib.abc
import os
import runpy
import sys
import types
from pathlib import Path

blocked = {name.strip() for name in os.environ.get("EMOCLIP_BARE_BLOCK", "").split(",") if name.strip()}


class _Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by EMOCLIP_BARE_BLOCK)")
        return None


if blocked:
    sys.meta_path.insert(0, _Blocked())
root = Path(__file__).resolve().parents[2] / "emoclip_plugin"
for name, path in (("emoclip_plugin", root), ("emoclip_plugin.models", root / "models"),
                   ("emoclip_plugin.benchmark", root / "benchmark")):
    mod = types.ModuleType(name)
    mod.__path__ = [str(path)]
    mod.__package__ = name
    sys.modules[name] = mod
models = sys.modules["emoclip_plugin.models"]
from emoclip_plugin.models.emotionclip import EmotionCLIP  # noqa: E402
from emoclip_plugin.models.mlp import MLPEncoder  # noqa: E402
from emoclip_plugin.models.sst_legovit import SSTLegoViT  # noqa: E402
models.EmotionCLIP, models.MLPEncoder, models.SSTLegoViT = EmotionCLIP, MLPEncoder, SSTLegoViT
sys.path.insert(0, str(root.parent))
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
