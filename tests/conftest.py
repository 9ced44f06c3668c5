"""Shared fixtures: small SEED-format folders written by our generator (once per test session)."""
from __future__ import annotations

import logging
import os

# scikit-learn's check_array_api_input (run on EmotionCLIPClassifier in test_estimators.py) needs SciPy's array-API
# mode, which is read once when SciPy is first imported; without it that check skips itself.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest  # noqa: E402

from emoclip_plugin.data.synthetic import write_folder  # noqa: E402

logging.getLogger("torcheeg").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def seed_root(tmp_path_factory):
    """Raw SEED: 3 subjects x 3 sessions x 15 trials of 12 s."""
    return write_folder(tmp_path_factory.mktemp("seed") / "Preprocessed_EEG", "seed", subjects=3, seconds=12, seed=3)


@pytest.fixture(scope="session")
def seed_root_long(tmp_path_factory):
    """Raw SEED: 3 subjects x 3 sessions x 15 trials of 24 s (enough seconds for the paper's 32 shots of 2 s)."""
    return write_folder(tmp_path_factory.mktemp("seedlong") / "Preprocessed_EEG", "seed", subjects=3, seconds=24,
                        seed=7)


@pytest.fixture(scope="session")
def seed_iv_root(tmp_path_factory):
    """Raw SEED-IV: 2 subjects x 3 sessions x 24 trials of 12 s."""
    return write_folder(tmp_path_factory.mktemp("seed_iv") / "eeg_raw_data", "seed-iv", subjects=2, seconds=12, seed=4)


@pytest.fixture(scope="session")
def seed_feature_root(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("seedf") / "ExtractedFeatures", "seed", layout="features",
                        subjects=2, seconds=10, seed=5)


@pytest.fixture(scope="session")
def seed_iv_feature_root(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("seedivf") / "eeg_feature_smooth", "seed-iv", layout="features",
                        subjects=2, seconds=16, seed=6)


@pytest.fixture()
def cache_dir(tmp_path):
    return tmp_path / "cache"


@pytest.fixture()
def cpu_host(monkeypatch):
    """This test's expectations are for a host without CUDA: the CUDA probes answer as on one, whatever the machine
    running the suite has (so ``make test`` passes on a GPU workstation too)."""
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


@pytest.fixture()
def gpu_host(monkeypatch):
    """The CUDA probes answer as on a host with two bf16-capable GPUs (nothing is run on them)."""
    import torch
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "NVIDIA H100 80GB HBM3")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)


def pytest_terminal_summary(terminalreporter):
    """The suite's own count of its tests (the README points here instead of typing a number)."""
    stats = terminalreporter.stats
    counted = {k: len(v) for k, v in stats.items() if k in ("passed", "failed", "skipped", "error", "xfailed")}
    terminalreporter.write_line(f"emoclip-plugin test suite: {sum(counted.values())} tests ran "
                                + ", ".join(f"{n} {k}" for k, n in counted.items()))
