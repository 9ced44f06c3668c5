"""The install contract: the stack imports together; a missing TorchEEG gives one clear message."""
from __future__ import annotations

import subprocess
import sys


def test_stack_imports_together():
    import braindecode  # noqa: F401
    import skorch  # noqa: F401
    import torch_scatter  # noqa: F401
    import torcheeg.models  # noqa: F401
    import transformers  # noqa: F401
    from torcheeg.models import DGCNN

    import emoclip_plugin
    assert DGCNN(in_channels=5, num_electrodes=62, num_classes=3) is not None
    assert emoclip_plugin.__version__


def test_missing_torcheeg_gives_one_clear_message():
    code = ("import sys; sys.modules['torcheeg'] = None\n"
            "import emoclip_plugin\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "MissingDependencyError" in last and "TorchEEG 1.1.3" in last and "README.md" in last
