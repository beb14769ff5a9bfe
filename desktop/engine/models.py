"""Finding, downloading and loading Stable Diffusion models.

Three sources: a Hugging Face hub repo id (downloaded into the standard HF cache, so models that
other tools fetched are reused), a local diffusers folder, or one ``.safetensors`` checkpoint
(A1111 / Civitai style). Pickle checkpoints are refused unless explicitly allowed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.engine.catalog import (
    COMPONENTS,
    INPAINT,
    TXT2IMG,
    default_model,
    missing_pipeline_files,
    pipeline_files_complete,
)
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
ALLOW_PATTERNS = ["model_index.json"] + [f"{c}/*" for c in COMPONENTS]
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
    if is_hub_id(ref):
        return ModelSource(HUB, ref)
    raise ModelNotAvailable(
        f"No model found at {ref}. Check the path, or pick a model folder, a .safetensors file or a Hugging Face id."
    )


def is_hub_id(ref: str) -> bool:
    """True for what looks like a Hugging Face repo id ('owner/name'), whether or not it exists."""
    return bool(_HUB_ID.match(ref)) and not ref.startswith((".", "~"))


def is_available_locally(ref: str) -> bool:
    """True when ``ref`` can be loaded without a download (a path that exists, or a cached hub model)."""
    try:
        source = classify(ref, allow_pickle=True)
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


def download_hub_model(repo_id: str, on_download: DownloadCallback | None = None) -> Path:
    """The local folder of hub model ``repo_id``, downloading what is missing into the HF cache.

    Reports (bytes done, bytes total) through ``on_download``; an exception raised there (e.g.
    GenerationCancelled) stops the download. A stopped, failed or killed download resumes where it
    stopped: finished files are kept, and the file in progress continues with an HTTP Range request.
    """
    folder = cached_hub_folder(repo_id)
    if folder is not None:
        return folder
    from huggingface_hub import constants, snapshot_download

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
            # The dry run counts a file as cached when its blob is there, but a download killed
            # between storing the blob and linking it leaves the snapshot without that file.
            if item.will_download or not os.path.exists(item.local_path):
                _download_file(repo_id, item.filename, item.commit_hash, bar)
        folder = _local_snapshot(repo_id) if plan else None  # None: no diffusers file at all (e.g. only a .ckpt)
    except GenerationCancelled:
        raise
    except Exception as error:
        raise download_error(repo_id, error) from error
    missing = missing_pipeline_files(folder) if folder else ["model_index.json"]
    if missing:
        raise ModelNotAvailable(
            f"{repo_id} on Hugging Face is not a Stable Diffusion model that Logo Studio can use: it has no "
            f"{', '.join(missing)}. Choose a model in diffusers format with .safetensors weights."
        )
    return folder


def _download_file(repo_id: str, filename: str, commit: str, bar) -> None:
    """Download one file into the Hugging Face cache so that it survives being stopped.

    huggingface_hub (2.x) deletes a partial file when a download stops, so a cancelled or killed
    multi-gigabyte download would start that file over. Here the bytes go to our own
    ``blobs/<etag>.partial``, which is kept and continued with a Range request next time. A whole
    file is checked against its size (and SHA-256 for large files), moved into place as the blob,
    and huggingface_hub then links it into the snapshot as if it had downloaded it itself.
    """
    import hashlib
    import os

    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_download, hf_hub_url
    from huggingface_hub.file_download import http_get, repo_folder_name
    from huggingface_hub.utils import WeakFileLock, build_hf_headers

    metadata = get_hf_file_metadata(hf_hub_url(repo_id, filename, revision=commit))
    repo_folder = repo_folder_name(repo_id=repo_id, repo_type="model")
    blob = Path(constants.HF_HUB_CACHE) / repo_folder / "blobs" / metadata.etag
    if not blob.exists():
        blob.parent.mkdir(parents=True, exist_ok=True)
        partial = blob.with_name(blob.name + ".partial")
        # Beside huggingface_hub's own locks, under a name of our own (it locks "<etag>.lock" itself).
        lock = Path(constants.HF_HUB_CACHE) / ".locks" / repo_folder / f"{metadata.etag}.partial.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        with WeakFileLock(lock):
            if partial.exists() and metadata.size is not None and partial.stat().st_size > metadata.size:
                partial.unlink()  # not a prefix of this file: start over
            with open(partial, "ab") as handle:
                done = handle.tell()
                if metadata.size is None or done < metadata.size:
                    http_get(
                        metadata.location,
                        handle,
                        resume_size=done,
                        headers=build_hf_headers(),
                        expected_size=metadata.size,
                        tqdm_class=bar,
                    )
                elif done:
                    bar(initial=done, total=metadata.size)  # whole already: count it once
            if len(metadata.etag) == 64:  # an LFS file: its etag is the SHA-256 of the content
                digest = hashlib.sha256()
                with open(partial, "rb") as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(chunk)
                if digest.hexdigest() != metadata.etag:
                    partial.unlink()
                    raise OSError(f"{filename} arrived damaged (checksum mismatch); it will be downloaded again")
            os.replace(partial, blob)
    hf_hub_download(repo_id, filename, revision=commit)  # links the blob into the snapshot


def download_error(repo_id: str, error: BaseException) -> ModelNotAvailable:
    """The plain-words message for what went wrong while downloading ``repo_id``: no connection,
    a server error, an unknown or gated model, a full disk or a folder without write permission."""
    import errno

    import httpx2
    from huggingface_hub import constants
    from huggingface_hub import errors as hub_errors

    if isinstance(error, hub_errors.DryRunError) and error.__cause__ is not None:
        return download_error(repo_id, error.__cause__)  # the hub's own answer, wrapped by the dry run
    cache = constants.HF_HUB_CACHE
    resumes = "The download resumes where it stopped when you try again."
    if isinstance(error, hub_errors.GatedRepoError):
        return ModelNotAvailable(
            f"The model {repo_id} requires accepting its licence on huggingface.co and logging in "
            "(huggingface-cli login) before it can be downloaded."
        )
    if isinstance(error, hub_errors.RepositoryNotFoundError):
        return ModelNotAvailable(f"There is no model called {repo_id} on Hugging Face. Check the spelling.")
    if isinstance(error, hub_errors.HfHubHTTPError):
        status = error.response.status_code if getattr(error, "response", None) is not None else "unknown"
        return ModelNotAvailable(
            f"Hugging Face answered with an error (HTTP {status}) while downloading {repo_id}; the site may be busy. "
            f"Try again in a few minutes. {resumes}"
        )
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return ModelNotAvailable(
            f"The disk is full: {repo_id} could not be saved into {cache}. Free some space and try again. {resumes}"
        )
    if isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ModelNotAvailable(
            f"Logo Studio may not write into {cache} (permission denied), so {repo_id} could not be downloaded. "
            "Fix the folder's permissions, or set HF_HOME to a folder you own."
        )
    if isinstance(error, (httpx2.TransportError, hub_errors.DryRunError, hub_errors.LocalEntryNotFoundError)):
        return ModelNotAvailable(
            f"Could not reach Hugging Face to download {repo_id}: the connection failed or was cut off. "
            f"Check your internet connection. {resumes}"
        )
    return ModelNotAvailable(f"Could not download {repo_id}: {error}. {resumes}")


def _byte_counter(advance: Callable[[int], None]):
    """A silent tqdm class whose ``update(n)`` reports the downloaded bytes to ``advance``."""
    from tqdm.auto import tqdm

    class ByteCounter(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            advance(int(kwargs.get("initial") or 0))  # bytes resumed from an earlier, interrupted download

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
