"""Finding and loading Stable Diffusion models.

Three sources: a Hugging Face hub repo id (in the standard HF cache, so models that other tools
fetched are reused; ``desktop.engine.downloads`` fetches them), a local diffusers folder, or one
``.safetensors`` checkpoint (A1111 / Civitai style). Pickle checkpoints are refused: loading one
can run arbitrary code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from desktop.engine.catalog import COMPONENTS, INPAINT, TXT2IMG, default_model, pipeline_files_complete
from desktop.engine.devices import DeviceChoice
from desktop.errors import ModelLoadError, ModelNotAvailable, ModelNotDownloaded, UnsafeModelFormat

# The model used when the user has chosen none: the first recommended one (resources/models.json).
DEFAULT_MODEL = default_model()

HUB = "hub"
FOLDER = "folder"
SINGLE_FILE = "file"

PICKLE_SUFFIXES = {".ckpt", ".pt", ".pth", ".bin", ".pkl"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")

# What an SD-class pipeline needs from a hub repo: configs, tokenizer files and full-precision
# safetensors weights; not the safety checker, fp16/EMA variants, pickles or other formats.
ALLOW_PATTERNS = ["model_index.json"] + [f"{c}/*" for c in COMPONENTS]
IGNORE_PATTERNS = ["*.fp16.*", "*.non_ema.*", "*.ema.*", "*.ckpt", "*.bin", "*.pt", "*.msgpack", "*.onnx*", "*.pb"]


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: ``kind`` is hub, folder or file; ``location`` the id or path."""

    kind: str
    location: str


def classify(ref: str) -> ModelSource:
    """Decide what kind of model reference ``ref`` is, refusing what cannot be loaded safely.

    Raises ModelNotAvailable for a path that does not exist, UnsafeModelFormat for a pickle
    checkpoint and ModelLoadError for a file that is not a model."""
    ref = ref.strip()
    if not ref:
        raise ModelNotAvailable(
            "No model is chosen. Pick a model folder, a .safetensors file or a Hugging Face model id."
        )
    path = Path(ref).expanduser()
    if path.is_dir():
        return ModelSource(FOLDER, str(path))
    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".safetensors":
            return ModelSource(SINGLE_FILE, str(path))
        if suffix in PICKLE_SUFFIXES:
            raise UnsafeModelFormat(
                f"{path.name} is a {suffix} checkpoint, a pickle format that can run arbitrary code when "
                "loaded, so Logo Studio does not open it. Download the .safetensors version of this model instead."
            )
        raise ModelLoadError(f"{path.name} is not a model: choose a diffusers model folder or a .safetensors file.")
    if is_hub_id(ref):
        return ModelSource(HUB, ref)
    raise ModelNotAvailable(
        f"No model found at {ref}. Check the path, or pick a model folder, a .safetensors file or a Hugging Face id."
    )


def is_hub_id(ref: str) -> bool:
    """True for what looks like a Hugging Face repo id ('owner/name'), whether or not it exists.

    A reference whose first part is a folder here ('models/logo-sd' beside a 'models' folder) is
    a path, even when the rest is missing."""
    if not _HUB_ID.match(ref) or ref.startswith((".", "~")):
        return False
    return not Path(ref.split("/", 1)[0]).is_dir()


def normalize_ref(ref: str) -> str:
    """The form of a model reference that is stored: a local path made absolute (so it means the
    same thing from any folder and tomorrow), a hub id as it is."""
    ref = ref.strip()
    if not ref or is_hub_id(ref):
        return ref
    return str(Path(ref).expanduser().resolve())


def is_available_locally(ref: str) -> bool:
    """True when ``ref`` can be loaded without a download (a path that exists, or a cached hub model)."""
    try:
        source = classify(ref)
    except (ModelNotAvailable, ModelLoadError):
        return False
    return source.kind != HUB or cached_hub_folder(source.location) is not None


def _local_snapshot(repo_id: str) -> Path:
    """The folder of ``repo_id``'s files in the HF cache, whole or not (raises when there is none)."""
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(
            repo_id, allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS, local_files_only=True
        )
    )


def cached_hub_folder(repo_id: str) -> Path | None:
    """The local snapshot of ``repo_id`` in the HF cache if it is complete enough to load, else None."""
    try:
        folder = _local_snapshot(repo_id)
    except Exception:  # any cache miss or unreadable cache means "not available locally"
        return None
    return folder if pipeline_files_complete(folder) else None


def _unet_in_channels(checkpoint: Path) -> int:
    """4 for a text-to-image checkpoint, 9 for an inpainting one (read from the header only)."""
    from safetensors import safe_open

    with safe_open(str(checkpoint), framework="pt") as handle:
        key = "model.diffusion_model.input_blocks.0.0.weight"
        names = handle.keys()
        if key not in names:
            return 4
        return handle.get_slice(key).get_shape()[1]


def checkpoint_kind(checkpoint: Path) -> str:
    """'inpaint' for a 9-channel checkpoint, else 'txt2img'; ModelLoadError for a file that is not
    a readable .safetensors checkpoint."""
    try:
        return INPAINT if _unet_in_channels(checkpoint) == 9 else TXT2IMG
    except Exception as error:  # safetensors raises its own errors for damaged or foreign files
        raise ModelLoadError(f"{checkpoint.name} is not readable as a .safetensors checkpoint: {error}") from error


def load_pipeline(
    source: ModelSource,
    device: DeviceChoice,
    *,
    cpu_offload: bool = False,
    compile_unet: bool = False,
):
    """Load a Stable Diffusion pipeline from ``source`` onto ``device``.

    Returns a StableDiffusionPipeline, or a StableDiffusionInpaintPipeline for an inpainting
    (9-channel) model. A hub model must already be in the Hugging Face cache (ModelNotDownloaded
    otherwise). ``cpu_offload`` comes from ``MemorySavers.for_device``, so it is only ever asked for
    on CUDA. Errors become ModelNotAvailable / ModelLoadError with advice.
    """
    import torch
    from diffusers import DiffusionPipeline, StableDiffusionInpaintPipeline, StableDiffusionPipeline

    dtype = getattr(torch, device.dtype)
    no_checker = {"safety_checker": None, "requires_safety_checker": False}
    try:
        if source.kind == SINGLE_FILE:
            path = Path(source.location)
            cls = StableDiffusionInpaintPipeline if _unet_in_channels(path) == 9 else StableDiffusionPipeline
            pipe = cls.from_single_file(str(path), dtype=dtype, **no_checker)
        else:
            folder = Path(source.location) if source.kind != HUB else cached_hub_folder(source.location)
            if folder is None:
                raise ModelNotDownloaded(source.location)
            if not (folder / "model_index.json").is_file():
                raise ModelLoadError(
                    f"{folder} is not a diffusers model folder (it has no model_index.json). "
                    "Choose the folder that contains model_index.json, or a .safetensors file."
                )
            pipe = DiffusionPipeline.from_pretrained(str(folder), dtype=dtype, **no_checker)
    except (ModelLoadError, ModelNotAvailable):
        raise
    except OSError as error:
        detail = str(error).lower()
        if source.kind == SINGLE_FILE and ("offline" in detail or "connect" in detail):
            raise ModelNotAvailable(
                f"Loading {Path(source.location).name} needs its model configuration from Hugging Face once, "
                "and it could not be fetched. Go online once, or use a diffusers model folder."
            ) from error
        raise ModelLoadError(f"Could not load the model from {source.location}: {error}") from error
    except Exception as error:
        if "out of memory" in str(error).lower():
            raise
        raise ModelLoadError(f"Could not load the model from {source.location}: {error}") from error
    if not isinstance(pipe, (StableDiffusionPipeline, StableDiffusionInpaintPipeline)):
        raise ModelLoadError(
            f"{source.location} is a {type(pipe).__name__}; Logo Studio runs Stable Diffusion 1.x/2.x models."
        )
    if cpu_offload:
        pipe.enable_model_cpu_offload()
    else:
        pipe.to(device.device)
    if device.device == "cuda":
        from desktop.engine.gpu import tune_for_cuda

        tune_for_cuda(pipe, compile_unet)
    pipe.set_progress_bar_config(disable=True)
    return pipe
