"""Finding, downloading and loading Stable Diffusion models.

Three sources: a Hugging Face hub repo id (downloaded into the standard HF cache, so models that
other tools fetched are reused), a local diffusers folder, or one ``.safetensors`` checkpoint
(A1111 / Civitai style). Pickle checkpoints are refused unless explicitly allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.engine.catalog import default_model
from desktop.engine.devices import DeviceChoice
from desktop.errors import GenerationCancelled, ModelLoadError, ModelNotAvailable, UnsafeModelFormat

# The model used when the user has chosen none: the first recommended one (resources/models.json).
DEFAULT_MODEL = default_model()

HUB = "hub"
FOLDER = "folder"
SINGLE_FILE = "file"

PICKLE_SUFFIXES = {".ckpt", ".pt", ".pth", ".bin", ".pkl"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")

# What an SD-class pipeline needs from a hub repo: configs, tokenizer files and full-precision
# safetensors weights; not the safety checker, fp16/EMA variants, pickles or other formats.
_COMPONENTS = ("scheduler", "text_encoder", "tokenizer", "unet", "vae")
ALLOW_PATTERNS = ["model_index.json"] + [f"{c}/*" for c in _COMPONENTS]
IGNORE_PATTERNS = ["*.fp16.*", "*.non_ema.*", "*.ema.*", "*.ckpt", "*.bin", "*.pt", "*.msgpack", "*.onnx*", "*.pb"]

DownloadCallback = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a hub model downloads."""


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: ``kind`` is hub, folder or file; ``location`` the id or path."""

    kind: str
    location: str


def classify(ref: str, *, allow_pickle: bool = False) -> ModelSource:
    """Decide what kind of model reference ``ref`` is, refusing what cannot be loaded safely."""
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
            if allow_pickle:
                return ModelSource(SINGLE_FILE, str(path))
            raise UnsafeModelFormat(
                f"{path.name} is a {suffix} checkpoint, a pickle format that can run arbitrary code when "
                "loaded, so Logo Studio does not open it. Download the .safetensors version of this model instead."
            )
        raise ModelLoadError(f"{path.name} is not a model: choose a diffusers model folder or a .safetensors file.")
    if _HUB_ID.match(ref) and not ref.startswith((".", "~")):
        return ModelSource(HUB, ref)
    raise ModelNotAvailable(
        f"No model found at {ref}. Check the path, or pick a model folder, a .safetensors file or a Hugging Face id."
    )


def is_available_locally(ref: str) -> bool:
    """True when ``ref`` can be loaded without a download (a path that exists, or a cached hub model)."""
    try:
        source = classify(ref, allow_pickle=True)
    except (ModelNotAvailable, ModelLoadError):
        return False
    return source.kind != HUB or cached_hub_folder(source.location) is not None


def cached_hub_folder(repo_id: str) -> Path | None:
    """The local snapshot of ``repo_id`` in the HF cache if it is complete enough to load, else None."""
    from huggingface_hub import snapshot_download

    try:
        folder = Path(
            snapshot_download(
                repo_id, allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS, local_files_only=True
            )
        )
    except Exception:  # any cache miss or unreadable cache means "not available locally"
        return None
    return folder if (folder / "model_index.json").is_file() else None


def download_hub_model(repo_id: str, on_download: DownloadCallback | None = None) -> Path:
    """The local folder of hub model ``repo_id``, downloading what is missing into the HF cache.

    Reports (bytes done, bytes total) through ``on_download``. Interrupted downloads resume.
    """
    folder = cached_hub_folder(repo_id)
    if folder is not None:
        return folder
    from huggingface_hub import constants, hf_hub_download, snapshot_download
    from huggingface_hub import errors as hub_errors

    if constants.HF_HUB_OFFLINE:
        raise ModelNotAvailable(
            f"The model {repo_id} is not downloaded yet and Hugging Face downloads are switched off "
            "(offline mode). Go online and download it, or pick a local model folder or .safetensors file."
        )
    try:
        plan = snapshot_download(repo_id, allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS, dry_run=True)
        total = sum(item.file_size for item in plan if item.will_download)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if on_download:
                on_download(done, total)

        bar = _byte_counter(advance)
        for item in plan:
            if item.will_download:
                hf_hub_download(repo_id, item.filename, tqdm_class=bar)
        return Path(
            snapshot_download(
                repo_id, allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS, local_files_only=True
            )
        )
    except hub_errors.GatedRepoError as error:
        raise ModelNotAvailable(
            f"The model {repo_id} requires accepting its licence on huggingface.co and logging in "
            "(huggingface-cli login) before it can be downloaded."
        ) from error
    except hub_errors.RepositoryNotFoundError as error:
        raise ModelNotAvailable(f"There is no model called {repo_id} on Hugging Face. Check the spelling.") from error
    except OSError as error:  # connection, DNS, disk and permission errors all land here
        raise ModelNotAvailable(
            f"Could not download {repo_id}: {error}. Check your internet connection and free disk space, "
            "or pick a local model folder or .safetensors file."
        ) from error


def _byte_counter(advance: Callable[[int], None]):
    """A silent tqdm class whose ``update(n)`` reports the downloaded bytes to ``advance``."""
    from tqdm.auto import tqdm

    class ByteCounter(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            advance(int(n or 0))
            return super().update(n)

    return ByteCounter


def _unet_in_channels(checkpoint: Path) -> int:
    """4 for a text-to-image checkpoint, 9 for an inpainting one (read from the header only)."""
    from safetensors import safe_open

    with safe_open(str(checkpoint), framework="pt") as handle:
        key = "model.diffusion_model.input_blocks.0.0.weight"
        names = handle.keys()
        if key not in names:
            return 4
        return handle.get_slice(key).get_shape()[1]


def load_pipeline(
    source: ModelSource,
    device: DeviceChoice,
    *,
    on_download: DownloadCallback | None = None,
    cpu_offload: bool = False,
    compile_unet: bool = False,
):
    """Load a Stable Diffusion pipeline from ``source`` onto ``device``.

    Returns a StableDiffusionPipeline, or a StableDiffusionInpaintPipeline for an inpainting
    (9-channel) model. Errors become ModelNotAvailable / ModelLoadError with advice.
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
            folder = download_hub_model(source.location, on_download) if source.kind == HUB else Path(source.location)
            if not (folder / "model_index.json").is_file():
                raise ModelLoadError(
                    f"{folder} is not a diffusers model folder (it has no model_index.json). "
                    "Choose the folder that contains model_index.json, or a .safetensors file."
                )
            pipe = DiffusionPipeline.from_pretrained(str(folder), dtype=dtype, **no_checker)
    except (ModelLoadError, ModelNotAvailable, GenerationCancelled):
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
    if cpu_offload and device.device == "cuda":
        pipe.enable_model_cpu_offload()
    else:
        pipe.to(device.device)
    if device.device == "cuda":
        from desktop.engine.gpu import tune_for_cuda

        tune_for_cuda(pipe, compile_unet)
    pipe.set_progress_bar_config(disable=True)
    return pipe
