"""Which models there are: the recommended ones (resources/models.json) and those already in the
Hugging Face cache, so a model any other tool downloaded is offered instead of a new download."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

TXT2IMG = "txt2img"
INPAINT = "inpaint"


@dataclass(frozen=True)
class RecommendedModel:
    id: str
    name: str
    kind: str
    download_bytes: int
    licence: str
    alternatives: tuple[str, ...]


@dataclass(frozen=True)
class CachedModel:
    id: str
    kind: str
    size_bytes: int
    folder: Path


def recommended_models() -> list[RecommendedModel]:
    """The recommended models, in the data file's order."""
    text = resources.files("desktop.resources").joinpath("models.json").read_text(encoding="utf-8")
    return [
        RecommendedModel(
            entry["id"],
            entry["name"],
            entry["kind"],
            int(entry["download_bytes"]),
            entry["licence"],
            tuple(entry["alternatives"]),
        )
        for entry in json.loads(text)["recommended"]
    ]


def default_model(kind: str = TXT2IMG) -> str:
    """The first recommended model of ``kind``."""
    return next(model.id for model in recommended_models() if model.kind == kind)


def cached_models(cache_dir: Path | None = None) -> list[CachedModel]:
    """Stable Diffusion pipelines in the Hugging Face cache (default: the standard one), with
    their size on disk and kind. Anything unreadable is skipped, never raised."""
    from huggingface_hub import scan_cache_dir

    try:
        info = scan_cache_dir(cache_dir)
    except Exception:  # no cache yet, or unreadable: nothing cached to offer
        return []
    found = []
    for repo in info.repos:
        if repo.repo_type != "model":
            continue
        for revision in sorted(repo.revisions, key=lambda r: r.last_modified, reverse=True):
            kind = _pipeline_kind(Path(revision.snapshot_path))
            if kind:
                found.append(CachedModel(repo.repo_id, kind, repo.size_on_disk, Path(revision.snapshot_path)))
                break
    return sorted(found, key=lambda model: model.id.lower())


def _pipeline_kind(folder: Path) -> str:
    """'txt2img' or 'inpaint' for a Stable Diffusion pipeline folder with weights, else ''."""
    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
        unet = json.loads((folder / "unet" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not str(index.get("_class_name", "")).startswith("StableDiffusion"):
        return ""
    if not any((folder / "unet").glob("*.safetensors")):
        return ""
    return INPAINT if unet.get("in_channels") == 9 else TXT2IMG
