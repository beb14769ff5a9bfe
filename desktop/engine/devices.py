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


GIB = 2**30

# GPU memory (GiB, as torch reports it) below which a family needs its savers on CUDA: the weights
# in half precision plus room for a 1024 px image. FLUX.1's transformer alone is about 22 GiB in
# bfloat16, so below FLUX_WHOLE_TRANSFORMER_GIB even model offload cannot hold it and only
# sequential offload (one layer on the GPU at a time: slow, but it works on 12–16 GB GPUs) fits.
SAVERS_BELOW_GIB = {"sd15": 4, "sdxl": 10, "flux": 40}
FLUX_WHOLE_TRANSFORMER_GIB = 23
NEEDS_GIB = {"sd15": 4, "sdxl": 10, "flux": 34}  # comfortable without savers


@dataclass(frozen=True)
class MemorySavers:
    """Trade-offs of speed for memory. Build them with ``for_device``, so that no saver is ever on
    where it cannot work (CPU offload needs CUDA; diffusers raises on a CPU-only machine).

    ``cpu_offload`` keeps each model on the CPU until it runs (model offload);
    ``sequential_offload`` goes further, one layer at a time (for models bigger than the GPU)."""

    attention_slicing: bool = False
    vae_tiling: bool = False
    cpu_offload: bool = False
    sequential_offload: bool = False

    @classmethod
    def for_device(
        cls, device: DeviceChoice, low_memory: bool, family: str = "sd15", device_memory: int | None = None
    ) -> MemorySavers:
        """The savers for ``family``'s models on ``device``: every saver that applies when
        ``low_memory`` is asked for (or after running out of memory); otherwise those the family
        needs on a CUDA GPU with ``device_memory`` bytes (None: unknown, none), and VAE tiling for
        the 1024 px families on Apple MPS (shared memory)."""
        cuda = device.device == "cuda"
        gib = (device_memory or 0) / GIB
        too_big = family == "flux" and cuda and (low_memory or 0 < gib < FLUX_WHOLE_TRANSFORMER_GIB)
        if low_memory:
            return cls(attention_slicing=True, vae_tiling=True, cpu_offload=cuda, sequential_offload=too_big)
        if cuda and device_memory and gib < SAVERS_BELOW_GIB.get(family, 0):
            return cls(vae_tiling=True, cpu_offload=True, sequential_offload=too_big)
        if device.device == "mps" and family in ("sdxl", "flux"):
            return cls(vae_tiling=True)
        return cls()

    @classmethod
    def union(cls, savers) -> MemorySavers:
        """Every saver that any of ``savers`` has on."""
        savers = list(savers)
        return cls(**{name: any(getattr(s, name) for s in savers) for name in cls.__dataclass_fields__})

    def apply(self, pipe, device: str) -> None:
        """Turn on attention slicing (always on Apple MPS) and VAE tiling where these savers ask."""
        if self.attention_slicing or device == "mps":
            pipe.enable_attention_slicing()
        if self.vae_tiling:
            pipe.vae.enable_tiling()

    def offload(self, pipe) -> bool:
        """Turn on the CPU offload these savers ask for (accelerate's hooks, through diffusers);
        False when they ask for none."""
        if self.sequential_offload:
            pipe.enable_sequential_cpu_offload()
        elif self.cpu_offload:
            pipe.enable_model_cpu_offload()
        else:
            return False
        return True

    def describe(self) -> str:
        """'model CPU offload, VAE tiling', or 'no memory savers'."""
        names = [
            "sequential CPU offload" if self.sequential_offload else "model CPU offload" if self.cpu_offload else "",
            "attention slicing" if self.attention_slicing else "",
            "VAE tiling" if self.vae_tiling else "",
        ]
        return ", ".join(name for name in names if name) or "no memory savers"


@dataclass(frozen=True)
class MemoryPlan:
    """What the engine chose for the loaded model on this device, and why, in words."""

    dtype: str
    savers: MemorySavers
    reason: str = ""

    def describe(self) -> str:
        """One line for the status bar and the CLI, e.g. 'bfloat16 · sequential CPU offload, VAE
        tiling: the GPU has 16 GB; FLUX.1 needs about 34 GB without savers'."""
        text = f"{self.dtype} · {self.savers.describe()}"
        return f"{text}: {self.reason}" if self.reason else text


def dtype_for(device: DeviceChoice, family: str) -> str:
    """The precision to run ``family`` in on ``device``: the device's own choice (fp16 on CUDA, fp32
    on the CPU and for SD on MPS), except FLUX.1, which runs in bfloat16 on GPUs that support it
    (its weights ship in bf16; fp16 overflows in its T5 encoder)."""
    if family != "flux" or device.device == "cpu":
        return device.dtype
    if device.device == "mps":
        return "bfloat16"
    import torch

    return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"


def device_memory(device: DeviceChoice) -> int | None:
    """Total memory of a CUDA GPU in bytes; None elsewhere (the CPU and MPS share system memory)."""
    if device.device != "cuda":
        return None
    import torch

    return int(torch.cuda.get_device_properties(0).total_memory)


def plan_memory(device: DeviceChoice, family: str, label: str, low_memory: bool, memory: int | None) -> MemoryPlan:
    """The precision and memory savers for ``family`` (shown as ``label``) on ``device`` with
    ``memory`` bytes of GPU memory, with the reason in words when savers are on."""
    savers = MemorySavers.for_device(device, low_memory, family, memory)
    reason = ""
    if low_memory and savers != MemorySavers():
        reason = "memory savers asked for (low memory, or the device ran out of memory)"
    elif memory and savers != MemorySavers():
        reason = f"the GPU has {memory / GIB:.0f} GB; {label} needs about {NEEDS_GIB[family]} GB without savers"
    elif device.device == "cpu" and family == "flux":
        reason = "FLUX.1 on a CPU is very slow and needs about 64 GB of memory; an NVIDIA GPU is recommended"
    return MemoryPlan(dtype_for(device, family), savers, reason)


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
