"""Loading a model's pipeline of every family (Stable Diffusion 1.5, SDXL, FLUX.1) onto a device.

Folders load through diffusers' family-generic ``AutoPipelineForText2Image`` (or, for an
inpainting-only model, the pipeline class it declares); single ``.safetensors`` checkpoints through
their family's ``from_single_file``. What a reference is and where its files are is
``desktop.models.references``.
"""

from __future__ import annotations

from pathlib import Path

from desktop.engine.devices import DeviceChoice, MemorySavers
from desktop.errors import ModelLoadError, ModelNotAvailable
from desktop.models.families import ModelInfo, single_file_config_repo
from desktop.models.references import SINGLE_FILE, ModelSource, inspect, single_file_config_folder

_OPTIONAL_PARTS = ("safety_checker", "feature_extractor", "image_encoder")


def load_pipeline(
    source: ModelSource,
    device: DeviceChoice,
    *,
    dtype: str | None = None,
    savers: MemorySavers | None = None,
    compile_unet: bool = False,
    info: ModelInfo | None = None,
):
    """Load the pipeline of ``source`` onto ``device`` in ``dtype`` (default: the device's).

    Returns the text-to-image pipeline (StableDiffusionPipeline, StableDiffusionXLPipeline,
    FluxPipeline), or for an inpainting-only model the inpainting pipeline it declares. A hub
    model must already be in the Hugging Face cache (ModelNotDownloaded otherwise). ``savers``
    come from ``MemorySavers.for_device``, so CPU offload is only ever asked for on CUDA. Errors
    become ModelNotAvailable / ModelLoadError with advice.
    """
    import torch

    if info is None:
        info, folder = inspect(source)
    else:
        folder = None if source.kind == SINGLE_FILE else inspect(source)[1]
    savers = savers or MemorySavers()
    torch_dtype = getattr(torch, dtype or device.dtype)
    try:
        if source.kind == SINGLE_FILE:
            pipe = _from_single_file(Path(source.location), info, torch_dtype)
        else:
            pipe = _from_folder(folder, info, torch_dtype)
    except (ModelLoadError, ModelNotAvailable):
        raise
    except OSError as error:
        detail = str(error).lower()
        if source.kind == SINGLE_FILE and ("offline" in detail or "connect" in detail or "resolve" in detail):
            raise ModelNotAvailable(
                f"Loading {Path(source.location).name} needs the configuration and tokenizer files of "
                f"{single_file_config_repo(info)} (a few MB) from Hugging Face once, and they could not be "
                "fetched. Go online once, download that model, or use a diffusers model folder."
            ) from error
        raise ModelLoadError(f"Could not load the model from {source.location}: {error}") from error
    except Exception as error:
        if "out of memory" in str(error).lower():
            raise
        raise ModelLoadError(f"Could not load the model from {source.location}: {error}") from error
    if not savers.offload(pipe):
        pipe.to(device.device)
    if device.device == "cuda":
        from desktop.engine.gpu import tune_for_cuda

        tune_for_cuda(pipe, compile_unet)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _from_folder(folder: Path, info: ModelInfo, dtype):
    """A text-to-image model through diffusers' family-generic AutoPipelineForText2Image; an
    inpainting-only one (9-channel UNet, FLUX Fill) as the pipeline class it declares."""
    from diffusers import AutoPipelineForText2Image, DiffusionPipeline

    loader = DiffusionPipeline if info.inpaint_only else AutoPipelineForText2Image
    return loader.from_pretrained(str(folder), dtype=dtype, **_absent_parts(folder))


def _absent_parts(folder: Path) -> dict:
    """None for each optional part the folder declares but does not have (downloads skip the safety
    checker and its feature extractor), so that loading does not look for them."""
    import json

    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    absent = {
        part: None
        for part in _OPTIONAL_PARTS
        if isinstance(index.get(part), list) and index[part][0] is not None and not (folder / part).is_dir()
    }
    if "safety_checker" in index:
        absent.update(safety_checker=None, requires_safety_checker=False)
    return absent


def _from_single_file(path: Path, info: ModelInfo, dtype):
    """An A1111/Civitai checkpoint, read by the diffusers class of its family. Its configuration and
    tokenizers come from its family's hub repo in the HF cache when there (offline), else diffusers
    fetches those few MB once."""
    import diffusers

    config = single_file_config_folder(info)
    cls = getattr(diffusers, info.pipeline_class)
    extra = {"config": str(config), **_absent_parts(config)} if config else {}
    if config is None and info.family.name == "sd15":
        extra.update(safety_checker=None, requires_safety_checker=False)
    return cls.from_single_file(str(path), dtype=dtype, **extra)
