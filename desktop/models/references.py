"""What a model reference is and where its files are, for every family (Stable Diffusion 1.5, SDXL,
FLUX.1). No torch: loading is ``desktop.engine.loading``.

Three sources: a Hugging Face hub repo id (in the standard HF cache, so models that other tools
fetched are reused; ``desktop.models.downloads`` fetches them), a local diffusers folder, or one
``.safetensors`` checkpoint (A1111 / Civitai style, SD 1.5 or SDXL). Pickle checkpoints are refused:
loading one can run arbitrary code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import ModelLoadError, ModelNotAvailable, ModelNotDownloaded, UnsafeModelFormat
from desktop.models.catalog import COMPONENTS, INPAINT, TXT2IMG, default_model, pipeline_files_complete
from desktop.models.families import ModelInfo, checkpoint_info, folder_info, single_file_config_repo

# The model used when the user has chosen none: the first recommended one (resources/models.json).
DEFAULT_MODEL = default_model()

HUB = "hub"
FOLDER = "folder"
SINGLE_FILE = "file"

PICKLE_SUFFIXES = {".ckpt", ".pt", ".pth", ".bin", ".pkl"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")

# What a pipeline needs from a hub repo: configs, tokenizer files and full-precision safetensors
# weights of the components of any family (a repo holds only its own family's: SDXL adds
# text_encoder_2 and tokenizer_2, FLUX.1 a transformer instead of a UNet); not the safety checker,
# single-file copies at the repo's top, fp16/EMA variants, pickles or other formats.
ALLOW_PATTERNS = ["model_index.json"] + [f"{c}/*" for c in COMPONENTS]
IGNORE_PATTERNS = [
    "*.fp16.*",
    "*.non_ema.*",
    "*.ema.*",
    "*.ckpt",
    "*.bin",
    "*.pt",
    "*.msgpack",
    "*.onnx*",
    "*.pb",
    "openvino_model.*",
]
# The files a single-file checkpoint needs from its family's hub repo: configs and tokenizers.
CONFIG_PATTERNS = ["*.json", "**/*.json", "*.txt", "**/*.txt", "**/*.model"]


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
    """True when ``ref`` can be loaded without a download (a path that exists, or a cached hub model;
    for a LoRA or tiny autoencoder from Hugging Face, its files in the cache)."""
    from desktop.models.assets import asset_available, is_hub_asset

    if is_hub_asset(ref):
        return asset_available(ref)
    try:
        source = classify(ref)
    except (ModelNotAvailable, ModelLoadError):
        return False
    if source.kind != HUB or cached_hub_folder(source.location) is not None or asset_available(ref):
        return True
    from desktop.models.controlnets import cached_controlnet

    return cached_controlnet(source.location) is not None  # a ControlNet for guides


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


def checkpoint_kind(checkpoint: Path) -> str:
    """'inpaint' for an inpainting checkpoint, else 'txt2img'; ModelLoadError for a file that is
    not a readable .safetensors checkpoint of a family Logo Studio runs."""
    return INPAINT if checkpoint_info(checkpoint).inpaint_only else TXT2IMG


def inspect(source: ModelSource) -> tuple[ModelInfo, Path | None]:
    """What ``source`` is (family, inpainting-only) and its local folder (None for a single file),
    read from the files without loading weights. Raises ModelNotDownloaded for a hub model not in
    the cache and ModelLoadError for something that is not a model Logo Studio runs."""
    if source.kind == SINGLE_FILE:
        return checkpoint_info(Path(source.location)), None
    folder = Path(source.location) if source.kind != HUB else cached_hub_folder(source.location)
    if folder is None:
        raise ModelNotDownloaded(source.location)
    return folder_info(folder), folder


def single_file_config_folder(info: ModelInfo) -> Path | None:
    """The cached folder with the model_index.json, configs and tokenizers that describe a
    single-file checkpoint of ``info``'s type, or None when its family's repo is not in the cache."""
    from huggingface_hub import snapshot_download

    repo = single_file_config_repo(info)
    try:
        folder = Path(snapshot_download(repo, allow_patterns=CONFIG_PATTERNS, local_files_only=True))
        folder_info(folder)
    except Exception:  # not cached (or unreadable): diffusers fetches the configs instead
        return None
    return folder
