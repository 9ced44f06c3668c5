"""glibc's malloc settings for CPU training (emoclip_plugin.training.allocator)."""
import json
import subprocess
import sys
import textwrap

import pytest

from emoclip_plugin.training.allocator import MMAP_THRESHOLD_MAX, _libc, keep_freed_memory

glibc_only = pytest.mark.skipif(_libc() is None, reason="the settings are glibc's (Linux); elsewhere a no-op")

# one "training step": twelve 8-24 MB buffers live at once (~190 MB, as a step's activations and gradients), then
# all freed; glibc's dynamic thresholds do not absorb this pattern, so by default the pages go back to the kernel
_CHURN = textwrap.dedent("""
    import json, resource, sys
    import numpy as np
    from emoclip_plugin.training.allocator import keep_freed_memory
    if sys.argv[1] == "1":
        assert keep_freed_memory()
    def step():
        buffers = [np.ones(1_000_000 * (1 + i % 3)) for i in range(12)]
        del buffers
    step()  # warm-up
    r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        step()
    print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0))
""")


def _faults(keep: bool) -> int:
    out = subprocess.run([sys.executable, "-c", _CHURN, "1" if keep else "0"], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@glibc_only
def test_freed_buffers_are_reused_without_page_faults():
    default, kept = _faults(False), _faults(True)
    # glibc's defaults: about 6,000 pages faulted in again per step (measured 59,574-64,684 over 10 steps)
    assert default > 10 * 2_000
    assert kept < default / 20, (default, kept)


@glibc_only
def test_settings_are_accepted():
    assert keep_freed_memory() is True
    assert keep_freed_memory(1024 * 1024, 64 * 1024 * 1024) is True
    assert keep_freed_memory() is True  # back to the benchmark's values


@pytest.mark.parametrize("kwargs, message", [({"mmap_threshold": 0}, "mmap_threshold=0"),
                                             ({"mmap_threshold": MMAP_THRESHOLD_MAX + 1}, "glibc's limit"),
                                             ({"trim_threshold": -1}, "trim_threshold=-1")])
def test_bad_values_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keep_freed_memory(**kwargs)
