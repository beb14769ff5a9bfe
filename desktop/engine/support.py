"""Helpers of the engine that hold no state: samplers, out-of-memory translation,
the arguments a pipeline accepts, and quieting the libraries. Plain Python, no Qt."""

from __future__ import annotations

import functools
import inspect

from desktop.engine.devices import DeviceChoice
from desktop.errors import GenerationCancelled, OutOfMemory
from desktop.schedulers import SCHEDULERS


def make_scheduler(name: str, config):
    """A fresh sampler ``name`` built from a model's own scheduler ``config``."""
    import diffusers

    class_name, overrides = SCHEDULERS[name]
    return getattr(diffusers, class_name).from_config(config, **overrides)


@functools.cache
def _call_parameters(pipeline_class) -> frozenset[str]:
    return frozenset(inspect.signature(pipeline_class.__call__).parameters)


def accepted_arguments(pipe, arguments: dict) -> dict:
    """The ``arguments`` that ``pipe``'s call takes (an SDXL image-to-image pipeline has no size,
    FLUX Fill no "only masked" crop); the rest would be a TypeError."""
    accepted = _call_parameters(type(pipe))
    return {key: value for key, value in arguments.items() if key in accepted}


def is_oom(error: BaseException) -> bool:
    import torch

    return isinstance(error, torch.OutOfMemoryError) or "out of memory" in str(error).lower()


class translate_oom:
    """Turn the device's out-of-memory errors into OutOfMemory with advice, freeing the cache."""

    def __init__(self, device: DeviceChoice | None = None) -> None:
        self.device = device

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, (GenerationCancelled,)) or not is_oom(error):
            return False
        if self.device is not None:
            empty_device_cache(self.device)
        raise OutOfMemory(
            "The device ran out of memory. Try a smaller size or batch, or turn on the memory savers "
            "(attention slicing, VAE tiling, and CPU offload on NVIDIA GPUs)."
        ) from error


def empty_device_cache(device: DeviceChoice) -> None:
    import torch

    if device.device == "cuda":
        torch.cuda.empty_cache()
    elif device.device == "mps":
        torch.mps.empty_cache()


def import_pipeline_modules() -> None:
    """Import what loading a model needs (diffusers' pipelines of every family, CLIP and T5), so a
    later load is faster."""
    quiet_libraries()
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting, AutoPipelineForText2Image  # noqa: F401
    from transformers import CLIPTextModel, CLIPTokenizer, T5EncoderModel  # noqa: F401


def quiet_libraries() -> None:
    """Progress bars and advice on stderr are for notebooks, not for an app's users."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.set_verbosity_error()
    diffusers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()


def read_in_weights(pipe) -> None:
    """Read every weight of ``pipe`` that stays in main memory, once. diffusers maps a model's
    ``.safetensors`` files into memory and each weight is read from the file when a step first
    uses it, so on a CPU the first image paid for reading the model (from disk, after a restart):
    1.4-3.5 s of its first step for SD 1.5 on the development machine, with the file in the page
    cache. Read at load, "Model ready" means ready and the first Generate starts at full speed.
    Weights copied to a GPU were read already."""
    import itertools

    import torch

    with torch.inference_mode():
        for module in {id(c): c for c in pipe.components.values() if isinstance(c, torch.nn.Module)}.values():
            for tensor in itertools.chain(module.parameters(), module.buffers()):
                if tensor.device.type == "cpu":
                    tensor.sum()  # touches every page
