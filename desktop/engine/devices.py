"""Which torch device and dtype to run on.

Precedence: an explicit choice (CLI flag), then the ``LOGO_STUDIO_DEVICE`` environment variable,
then the saved setting, then automatic: CUDA, else Apple MPS, else the CPU.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from desktop.errors import DeviceNotAvailable

DEVICE_ENV = "LOGO_STUDIO_DEVICE"
DEVICE_CHOICES = ("auto", "cuda", "mps", "cpu")


@dataclass(frozen=True)
class DeviceChoice:
    """A torch device name and the dtype the pipelines run in on it."""

    device: str
    dtype: str
    name: str

    def describe(self) -> str:
        """Short text for the status bar and ``--check``: device, name and precision."""
        return f"{self.device.upper() if self.device != 'mps' else 'Apple MPS'} · {self.name} · {self.dtype}"


@dataclass(frozen=True)
class MemorySavers:
    """Trade-offs of speed for memory. Build them with ``for_device``, so that no saver is ever on
    where it cannot work (model CPU offload needs CUDA; diffusers raises on a CPU-only machine)."""

    attention_slicing: bool = False
    vae_tiling: bool = False
    cpu_offload: bool = False

    @classmethod
    def for_device(cls, device: DeviceChoice, low_memory: bool) -> MemorySavers:
        """None, or every saver that applies on ``device`` when ``low_memory`` is asked for."""
        if not low_memory:
            return cls()
        return cls(attention_slicing=True, vae_tiling=True, cpu_offload=device.device == "cuda")


def device_preference(flag: str | None = None, setting: str | None = None) -> str:
    """The preference in force: flag, else environment variable, else setting, else 'auto'."""
    preference = (flag or os.environ.get(DEVICE_ENV) or setting or "auto").strip().lower()
    if preference not in DEVICE_CHOICES:
        raise DeviceNotAvailable(f"Unknown device {preference!r}; choose one of {', '.join(DEVICE_CHOICES)}.")
    return preference


def choose_device(preference: str = "auto") -> DeviceChoice:
    """Resolve a preference to an available device.

    fp16 on CUDA (the speed everyone expects), fp32 on the CPU (fp16 there is ~10x slower) and
    fp32 on MPS (fp16 on MPS is what gives black/NaN images with SD 1.x VAEs).
    """
    import torch

    preference = device_preference(preference)
    has_cuda = torch.cuda.is_available()
    has_mps = torch.backends.mps.is_available()
    if preference == "cuda" and not has_cuda:
        raise DeviceNotAvailable(
            "CUDA was chosen but no NVIDIA GPU with a CUDA build of PyTorch is available. Choose auto or cpu."
        )
    if preference == "mps" and not has_mps:
        raise DeviceNotAvailable("Apple MPS was chosen but is not available on this computer. Choose auto or cpu.")
    device = preference
    if preference == "auto":
        device = "cuda" if has_cuda else "mps" if has_mps else "cpu"
    if device == "cuda":
        return DeviceChoice("cuda", "float16", torch.cuda.get_device_name(0))
    if device == "mps":
        return DeviceChoice("mps", "float32", "Apple GPU")
    return DeviceChoice("cpu", "float32", f"{os.cpu_count() or 1} cores")
