"""Compute devices and numeric precision: what ``device=`` and ``precision=`` mean, what a machine can do, and how
parallel workers share its GPUs.

``device``: ``"auto"`` (CUDA when available, else the CPU), ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
``precision`` (the names PyTorch Lightning uses): ``"32"`` (float32), ``"bf16"`` (bfloat16 autocast),
``"16-mixed"`` (float16 autocast with a gradient scaler, CUDA only) or ``"auto"``: ``"bf16"`` on a CUDA device that
supports it, else ``"32"``. Every check raises :class:`DeviceError` (a ``ValueError``) with one line that says what
this machine has.
"""
from __future__ import annotations

import os
import platform

import torch

PRECISIONS = ("32", "bf16", "16-mixed")
#: autocast dtype per precision (``None``: no autocast)
AUTOCAST_DTYPES = {"32": None, "bf16": torch.bfloat16, "16-mixed": torch.float16}

#: Dense peak tensor throughput in TFLOP/s by GPU name fragment and precision, from the vendors' data sheets (SXM
#: parts; "32" is TF32 tensor-core peak, which float32 matrix products reach only with TF32 enabled, else the
#: FP32 peak in brackets is the ceiling). Used only to print a model's share of the peak.
PEAK_TFLOPS = {
    "H200": {"bf16": 989.0, "16-mixed": 989.0, "32": 494.0, "fp32": 67.0},
    "H100": {"bf16": 989.0, "16-mixed": 989.0, "32": 494.0, "fp32": 67.0},
    "A100": {"bf16": 312.0, "16-mixed": 312.0, "32": 156.0, "fp32": 19.5},
    "L40S": {"bf16": 362.0, "16-mixed": 362.0, "32": 183.0, "fp32": 91.6},
    "A10": {"bf16": 125.0, "16-mixed": 125.0, "32": 62.5, "fp32": 31.2},
    "V100": {"16-mixed": 125.0, "32": 15.7, "fp32": 15.7},
}


class DeviceError(ValueError):
    """A device or precision this machine cannot provide; the message names what it has."""


def available() -> str:
    """One line: the devices this machine offers, e.g. ``"cpu and 2 CUDA device(s): cuda:0 NVIDIA H100 ..."``."""
    if not torch.cuda.is_available():
        return "cpu only (torch.cuda.is_available() is False)"
    names = [f"cuda:{i} {torch.cuda.get_device_name(i)}" for i in range(torch.cuda.device_count())]
    return f"cpu and {len(names)} CUDA device(s): {', '.join(names)}"


def resolve_device(device: str) -> str:
    """``device`` as torch understands it (``"auto"`` resolved); :class:`DeviceError` if this machine lacks it."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not isinstance(device, str) or not (device == "cpu" or device == "cuda" or (
            device.startswith("cuda:") and device[5:].isdigit())):
        raise DeviceError(f"device={device!r}; expected 'auto', 'cpu', 'cuda' or 'cuda:N'")
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(f"device={device!r} but this machine has {available()}; use 'cpu' or 'auto'")
        index = int(device[5:]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise DeviceError(f"device={device!r} but this machine has {available()}")
    return device


def resolve_precision(precision: str, device: str) -> str:
    """``precision`` for the resolved ``device`` (``"auto"`` resolved); :class:`DeviceError` if it cannot run there."""
    if precision != "auto" and precision not in PRECISIONS:
        raise DeviceError(f"precision={precision!r}; expected 'auto' or one of {', '.join(PRECISIONS)}")
    cuda = device.startswith("cuda")
    bf16_ok = (not cuda) or torch.cuda.is_bf16_supported(including_emulation=False)
    if precision == "auto":
        return "bf16" if cuda and bf16_ok else "32"
    if precision == "16-mixed" and not cuda:
        raise DeviceError(f"precision='16-mixed' needs a CUDA device (device={device!r}); on the CPU use '32' or "
                          "'bf16'")
    if precision == "bf16" and not bf16_ok:
        raise DeviceError(f"precision='bf16' is not supported by {torch.cuda.get_device_name(device)}; use "
                          "'16-mixed' or '32'")
    return precision


def resolve_device_precision(device: str, precision: str) -> tuple[str, str]:
    """``(device, precision)`` with ``"auto"`` resolved in both (:func:`resolve_device`, then
    :func:`resolve_precision` on that device); :class:`DeviceError` when either cannot run here."""
    resolved = resolve_device(device)
    return resolved, resolve_precision(precision, resolved)


def describe(device: str) -> dict:
    """What a result was computed on: ``{"device", "device_name", "torch", "cuda"}`` for a resolved ``device``."""
    if device.startswith("cuda"):
        name = torch.cuda.get_device_name(device)
    else:
        name = f"CPU ({_cpu_model()})"
    return {"device": device, "device_name": name, "torch": torch.__version__, "cuda": torch.version.cuda}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def peak_tflops(device_name: str, precision: str) -> float | None:
    """The dense peak TFLOP/s of a known GPU at ``precision`` (``None`` for CPUs and unknown GPUs)."""
    for fragment, peaks in PEAK_TFLOPS.items():
        if fragment in device_name:
            return peaks.get(precision)
    return None


def worker_devices(jobs: int, device: str, n_gpus: int) -> list[str]:
    """The device of each of ``jobs`` worker processes: ``"cuda"`` spreads workers round robin over ``n_gpus``
    visible GPUs (``cuda:0, cuda:1, ..., cuda:0, ...``); an explicit ``"cuda:N"`` or ``"cpu"`` is kept for all."""
    if jobs < 1:
        raise ValueError(f"jobs={jobs}; expected >= 1")
    if device == "cuda" and n_gpus >= 1:
        return [f"cuda:{i % n_gpus}" for i in range(jobs)]
    return [device] * jobs


def threads_per_worker(jobs: int, cores: int | None = None) -> int:
    """CPU threads for each of ``jobs`` workers so that together they do not oversubscribe ``cores``."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores // max(1, jobs))


#: The device a worker process was given by :func:`set_worker_device` (``None`` in the main process).
_WORKER_DEVICE: str | None = None


def set_worker_device(device: str | None) -> None:
    """Process-pool initializer: every task in this worker that asks for ``"cuda"`` runs on ``device``."""
    global _WORKER_DEVICE
    _WORKER_DEVICE = device
    if device and device.startswith("cuda:") and torch.cuda.is_available():
        torch.cuda.set_device(int(device[5:]))


def pool_initializer(queue) -> None:
    """Process-pool initializer: take this worker's device from ``queue`` (filled from :func:`worker_devices`).

    Workers ignore Ctrl-C (SIGINT reaches the whole process group): the main process handles it and ends them,
    so an interrupted run prints one line, not a traceback per worker."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_worker_device(queue.get())


def task_device(device: str) -> str:
    """The device a task runs on in this process: a generic ``"cuda"`` becomes this worker's GPU, if it has one."""
    if device == "cuda" and _WORKER_DEVICE is not None:
        return _WORKER_DEVICE
    return device
