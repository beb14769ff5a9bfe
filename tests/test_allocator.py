"""The engine's processes keep the memory a step frees for the next step (glibc on Linux)."""

import sys

import pytest
from no_network_child import run_python

PROBE = """
import sys
from desktop.engine.allocator import keep_freed_memory

def resident_kb():
    status = open("/proc/self/status").read()
    return int(status.split("VmRSS:")[1].split()[0])

tuned = keep_freed_memory() if sys.argv[1] == "tuned" else False
before = resident_kb()
block = bytearray(20 * 1024 * 1024)  # an activation-sized block, every page touched
del block
print(tuned, resident_kb() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator settings are Linux-only")
def test_freed_activation_sized_blocks_stay_with_the_process_for_the_next_step():
    def run(mode):
        done = run_python(PROBE, mode, timeout=60, check=True)
        tuned, kept_kb = done.stdout.split()
        return tuned == "True", int(kept_kb)

    tuned, kept_kb = run("tuned")
    assert tuned and kept_kb > 15 * 1024  # kept: the next step reuses it without faulting pages in
    _, default_kb = run("default")
    assert default_kb < 5 * 1024  # glibc's default hands it straight back to the system
