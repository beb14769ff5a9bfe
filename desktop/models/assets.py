"""Small hub files that are not models: LoRAs and tiny autoencoders (TAESD), and what Fast mode
needs per model family (resources/models.json "fast").

A hub asset reference is a repo id (``owner/name``: a repo holding one LoRA, or a TAESD repo) or one
file of a repo (``owner/name/path/file.safetensors``). Looking them up only reads the Hugging Face
cache; downloading goes through ``desktop.models.downloads`` after the user agreed
(``catalog.confirm_download``), like models. No torch import here.
"""

from __future__ import annotations

import re
from pathlib import Path

from desktop.errors import ModelNotDownloaded
from desktop.models.catalog import RecommendedModel, fast_assets, guide_models

LORA = "lora"
TINY_VAE = "tiny-vae"
CONTROLNET = "controlnet"
TINY_VAE_FILES = ("config.json", "diffusion_pytorch_model.safetensors")
FOLDER_KINDS = (TINY_VAE, CONTROLNET)  # assets fetched as these two files of their repo
DEFAULT_LORA_FILE = "pytorch_lora_weights.safetensors"  # what diffusers' save_lora_weights writes
_FILE_REF = re.compile(r"^([A-Za-z0-9][\w.\-]*/[\w.\-]+)/((?:[\w.\-]+/)*[\w.\-]+\.safetensors)$")


class AssetNotDownloaded(ModelNotDownloaded):
    """A LoRA or tiny autoencoder from Hugging Face that is not in the cache yet. ``repo_id`` is the
    reference to download (``desktop.models.downloads.download_hub_model`` takes it, after
    ``catalog.confirm_download``); ``what`` says what it is for."""

    def __init__(self, ref: str, what: str = "The LoRA") -> None:
        Exception.__init__(
            self,
            f"{what} {ref} is not downloaded yet. Download it first (the window offers it, or "
            f"logo-studio download {ref}), or choose a file that is on this computer.",
        )
        self.repo_id = ref
        self.what = what

    @classmethod
    def for_fast(cls, ref: str) -> AssetNotDownloaded:
        """The same, said for Fast draft: the user chose Fast, not the LoRA or decoder it uses."""
        error = cls(ref)
        name = asset.name if (asset := known_asset(ref)) else ref
        Exception.__init__(error, f"Fast draft needs {name}, which is not on this computer yet.")
        return error


def split_file_ref(ref: str) -> tuple[str, str] | None:
    """(repo id, file path in the repo) for ``owner/name/file.safetensors``, else None."""
    match = _FILE_REF.match(ref.strip())
    if match is None or Path(ref.split("/", 1)[0]).is_dir():  # a local folder named like an owner
        return None
    return match.group(1), match.group(2)


def known_asset(ref: str) -> RecommendedModel | None:
    """The models.json "fast" or "guides" entry for ``ref`` (a few-step LoRA, tiny autoencoder or
    recommended ControlNet), if any."""
    return next((asset for asset in (*fast_assets(), *guide_models()) if asset.id == ref), None)


def is_hub_asset(ref: str) -> bool:
    """True for a reference that only ``download_hub_asset`` can fetch: a known LoRA or tiny
    autoencoder repo, or one file of a repo."""
    return known_asset(ref) is not None or split_file_ref(ref) is not None


def fast_kit(family: str) -> tuple[RecommendedModel | None, RecommendedModel | None]:
    """(few-step LoRA, tiny autoencoder) that Fast mode uses for ``family`` (sd15, sdxl, flux);
    either may be None (FLUX.1 has no few-step LoRA here: FLUX.1 schnell is the fast FLUX model)."""
    assets = [asset for asset in fast_assets() if asset.family == family]
    lora = next((a for a in assets if a.kind == LORA), None)
    return lora, next((a for a in assets if a.kind == TINY_VAE), None)


def fast_downloads(family: str) -> list[str]:
    """The hub ids Fast mode needs on this computer for ``family``: what the window's download
    gate asks about before a Fast job (see ``Job.models``)."""
    return [asset.id for asset in fast_kit(family) if asset is not None]


def tiny_vae_id(family: str) -> str:
    """The tiny autoencoder repo for ``family`` ('' when there is none)."""
    asset = fast_kit(family)[1]
    return asset.id if asset else ""


def _snapshot(repo_id: str) -> Path | None:
    """The cached snapshot folder of ``repo_id``'s main revision, whole or not. Read from the cache
    layout (part of huggingface_hub's documented contract): ``snapshot_download`` offline refuses a
    snapshot that lacks any file of the repo, and a LoRA repo is downloaded one file at a time."""
    from huggingface_hub import constants

    repo = Path(constants.HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}"
    try:
        commit = (repo / "refs" / "main").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    folder = repo / "snapshots" / commit
    return folder if commit and folder.is_dir() else None


def cached_file(repo_id: str, filename: str) -> Path | None:
    """``filename`` of ``repo_id`` from the Hugging Face cache, or None."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, filename)
    except Exception:  # a malformed id or an unreadable cache: not there
        return None
    return Path(found) if isinstance(found, str) and Path(found).is_file() else None


def choose_lora_file(files: list[str]) -> str | None:
    """The LoRA of a repo, from its file list: diffusers' default name, else its only .safetensors
    at the top level; None when there is none or several (then the file must be named)."""
    tops = [name for name in files if name.endswith(".safetensors") and "/" not in name]
    if DEFAULT_LORA_FILE in tops:
        return DEFAULT_LORA_FILE
    return tops[0] if len(tops) == 1 else None


def hub_lora_location(ref: str) -> tuple[str, str | None]:
    """(repo id, file in it or None when it must be found) for a hub LoRA reference."""
    split = split_file_ref(ref)
    if split is not None:
        return split
    asset = known_asset(ref)
    return ref, (asset.file if asset is not None and asset.file else None)


def cached_hub_lora(ref: str) -> Path | None:
    """The local file of hub LoRA ``ref`` (``owner/name`` or ``owner/name/file.safetensors``) in
    the Hugging Face cache, or None when it is not downloaded."""
    repo_id, filename = hub_lora_location(ref)
    if filename is not None:
        return cached_file(repo_id, filename)
    folder = _snapshot(repo_id)
    if folder is None:
        return None
    chosen = choose_lora_file([p.name for p in folder.glob("*.safetensors") if p.is_file()])
    return folder / chosen if chosen else None


def cached_tiny_vae(repo_id: str) -> Path | None:
    """The cached folder of a tiny autoencoder repo with its config and weights, or None."""
    files = [cached_file(repo_id, name) for name in TINY_VAE_FILES]
    return files[0].parent if all(files) else None


def asset_available(ref: str) -> bool:
    """True when hub asset ``ref`` (LoRA or tiny autoencoder) is in the Hugging Face cache."""
    asset = known_asset(ref)
    if asset is not None and asset.kind in FOLDER_KINDS:
        return cached_tiny_vae(ref) is not None  # a ControlNet repo: the same two files
    return cached_hub_lora(ref) is not None


def download_patterns(ref: str, files: list[str] | None = None) -> tuple[str, list[str]] | None:
    """(repo id, files to fetch) for hub asset ``ref``; ``files`` is the repo's file list, needed
    only for a LoRA repo without a known file. None when the LoRA in the repo cannot be told."""
    asset = known_asset(ref)
    if asset is not None and asset.kind in FOLDER_KINDS:
        return ref, list(TINY_VAE_FILES)
    repo_id, filename = hub_lora_location(ref)
    if filename is None:
        filename = choose_lora_file(files or [])
    return (repo_id, [filename]) if filename else None
