"""Plain-Python diffusion engine (no Qt) for Stable Diffusion 1.5, SDXL and FLUX.1: devices,
model families, models, generation."""

from desktop.engine.devices import DeviceChoice, MemoryPlan, MemorySavers, choose_device, device_preference
from desktop.engine.engine import Engine
from desktop.engine.results import Progress
from desktop.models.families import AspectPreset, ModelFamily
from desktop.models.references import DEFAULT_MODEL, classify

__all__ = [
    "DEFAULT_MODEL",
    "AspectPreset",
    "DeviceChoice",
    "Engine",
    "MemoryPlan",
    "MemorySavers",
    "ModelFamily",
    "Progress",
    "choose_device",
    "classify",
    "device_preference",
]
