"""glibc malloc settings for CPU training: keep freed tensor buffers in the process instead of giving them back.

By default glibc serves every allocation above ``M_MMAP_THRESHOLD`` (dynamic, 128 KiB and up) with a fresh ``mmap``
and unmaps it on ``free``, and gives the top of its heap back to the kernel once more than ``M_TRIM_THRESHOLD`` is
free. A training step allocates and frees tens of MB of activations and gradients (EEGNet at batch 64: ``[64, 8, 62,
200]`` float32 maps, 25 MB each), so every step the kernel maps, zeroes and unmaps the same pages again: ~35 k minor
page faults per step, and about a third of the CPU time of a benchmark fold spent in the kernel
(``docs/measurements/2026-12-02-allocator/``). :func:`keep_freed_memory` raises both thresholds so the buffers are
reused: the same results (the allocator does not change any value), no page faults in the steady state, and up to
``trim_threshold`` of freed memory kept by the process.

The benchmark calls it in every process that trains a fold (:func:`emoclip_plugin.benchmark.runner.run_task`); call
it yourself before ``fit`` on a CPU in a notebook. It does nothing (and returns ``False``) where the C library is
not glibc (macOS, Windows, musl).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache

#: glibc's ``mallopt`` parameter numbers (malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: the largest ``M_MMAP_THRESHOLD`` glibc accepts on 64-bit (``HEAP_MAX_SIZE / 2``); allocations above it are mmapped
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
#: freed memory the heap keeps before giving its top back: above what one smoke-size training step frees at once
#: (docs/measurements/2026-12-02-allocator/README.md)
TRIM_THRESHOLD = 256 * 1024 * 1024


@lru_cache(maxsize=None)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.gnu_get_libc_version  # glibc only (musl has mallopt as a stub)
        return libc
    except (OSError, AttributeError):
        return None


def keep_freed_memory(mmap_threshold: int = MMAP_THRESHOLD_MAX, trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Set glibc's ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` (bytes) for this process; ``True`` if both were set.

    Process-wide and idempotent; it changes where freed memory goes, never a computed value."""
    if not 0 < mmap_threshold <= MMAP_THRESHOLD_MAX:
        raise ValueError(f"mmap_threshold={mmap_threshold}: expected 1..{MMAP_THRESHOLD_MAX} bytes (glibc's limit)")
    if trim_threshold <= 0:
        raise ValueError(f"trim_threshold={trim_threshold}: expected a positive number of bytes")
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, int(mmap_threshold))) and \
        bool(libc.mallopt(M_TRIM_THRESHOLD, int(trim_threshold)))


__all__ = ["keep_freed_memory", "MMAP_THRESHOLD_MAX", "TRIM_THRESHOLD"]
