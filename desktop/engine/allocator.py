"""Keeping the memory one denoising step frees for the next one (Linux, glibc).

A step on the CPU allocates and frees hundreds of activation buffers of a few MB. glibc hands
such blocks back to the system as soon as they are freed at the top of the heap (its trim
threshold starts at 128 KB and only learns over a first image), so every step asked the kernel
for fresh pages again, and each fresh page is faulted in and zeroed. Measured on the 2-core
development machine (full-size SD 1.5, Fast, 512 px): the first image after loading took 19.2 s
and later ones 16.6 s; with the thresholds below the first took 16.6 s as well. The cost: freed
memory stays with the engine's process (up to TRIM_THRESHOLD at the top of each heap, and free
blocks further down until they are reused), so the engine gives it back on purpose when a large
amount is freed at once (``release_freed_memory``: after unloading a model, or unfusing a LoRA).
Elsewhere (macOS, Windows, other C libraries) nothing changes.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD = 32 * 1024 * 1024  # the largest glibc allows: blocks below it come from the heap
TRIM_THRESHOLD = 1024 * 1024 * 1024  # freed memory kept at the top of the heap before it goes back


def keep_freed_memory() -> bool:
    """Tune glibc's allocator of this process as above; True when it took the settings."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def release_freed_memory() -> None:
    """Give the memory this process has freed back to the system now (glibc's ``malloc_trim``)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt, libc.malloc_trim  # noqa: B018 - both are glibc's; another C library may lack them
    except (OSError, AttributeError):
        return None
    return libc
