"""Plain-Python Stable Diffusion engine (no Qt): devices, models, generation."""

from desktop.engine.devices import DeviceChoice, MemorySavers, choose_device, device_preference
from desktop.engine.engine import Engine, GeneratedImage, Progress
from desktop.engine.models import DEFAULT_MODEL, classify

__all__ = [
    "DEFAULT_MODEL",
    "DeviceChoice",
    "Engine",
    "GeneratedImage",
    "MemorySavers",
    "Progress",
    "choose_device",
    "classify",
    "device_preference",
]
