"""ControlNet models for guides, on this computer: where a ControlNet reference's files are and
which model family it was made for, read from its files (no torch).

A ControlNet reference is a Hugging Face repo id (found in the standard cache, offline, like every
model: the recommended ones are in resources/models.json "guides"), a local diffusers folder
(``config.json`` and ``diffusion_pytorch_model.safetensors``) or one ``.safetensors`` file.
Loading it is ``desktop.engine.controlnets``.
"""

from __future__ import annotations

import json
from pathlib import Path

from desktop.errors import ModelLoadError, ModelNotAvailable, ModelNotDownloaded
from desktop.models.catalog import RecommendedModel, guide_models
from desktop.models.families import FAMILY_LABELS

CONTROLNET_FILES = ("config.json", "diffusion_pytorch_model.safetensors")
SAFETENSORS = ".safetensors"


class ControlNetNotDownloaded(ModelNotDownloaded):
    """A ControlNet from Hugging Face that is not in the cache yet; ``repo_id`` is what to download."""

    def __init__(self, repo_id: str) -> None:
        known = known_controlnet(repo_id)
        name = f"{known.name} ({repo_id})" if known else repo_id
        Exception.__init__(
            self,
            f"The guide's ControlNet {name} is not downloaded yet. Download it first (the window offers it, or "
            f"logo-studio download {repo_id}), or choose a ControlNet that is on this computer.",
        )
        self.repo_id = repo_id


def known_controlnet(ref: str) -> RecommendedModel | None:
    """The models.json "guides" entry for ``ref``, if it is a recommended ControlNet."""
    return next((model for model in guide_models() if model.id == ref), None)


def cached_controlnet(repo_id: str) -> Path | None:
    """The cached folder of ControlNet repo ``repo_id`` with its config and weights, or None."""
    from desktop.models.assets import cached_file

    files = [cached_file(repo_id, name) for name in CONTROLNET_FILES]
    return files[0].parent if all(files) else None


def locate_controlnet(ref: str) -> Path:
    """The folder (or single ``.safetensors`` file) of ControlNet ``ref`` on this computer.

    Raises ControlNetNotDownloaded for a hub id that is not in the cache, ModelNotAvailable for a
    path that does not exist, and the errors of ``references.classify`` for unsafe formats."""
    from desktop.models.references import FOLDER, HUB, classify

    try:
        source = classify(ref)
    except ModelNotAvailable as error:
        raise ModelNotAvailable(
            f"No ControlNet found at {ref.strip() or '(none)'}. Choose a ControlNet folder, a .safetensors file "
            "or a Hugging Face id."
        ) from error
    if source.kind == HUB:
        folder = cached_controlnet(source.location)
        if folder is None:
            raise ControlNetNotDownloaded(source.location)
        return folder
    path = Path(source.location)
    if source.kind == FOLDER and not (path / "config.json").is_file():
        raise ModelLoadError(
            f"{path.name} is not a ControlNet folder (it has no config.json): choose a diffusers ControlNet folder "
            "or a .safetensors file."
        )
    return path


def controlnet_family(location: Path) -> str:
    """Which model family (sd15, sdxl, flux, or another name) the ControlNet at ``location`` was
    made for, read from its config.json (folder) or its tensor names (single file)."""
    if location.is_dir():
        try:
            config = json.loads((location / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelLoadError(f"The ControlNet's config.json in {location} cannot be read: {error}") from error
        name = str(config.get("_class_name", "ControlNetModel"))
        if name.startswith("Flux"):
            return "flux"
        if name.startswith("SD3"):
            return "sd3"
        if name == "ControlNetUnionModel":
            return "sdxl-union"
        return "sdxl" if config.get("addition_embed_type") == "text_time" else "sd15"
    try:
        from safetensors import safe_open

        with safe_open(str(location), framework="pt") as handle:
            keys = list(handle.keys())
    except Exception as error:  # not a readable safetensors file
        raise ModelLoadError(f"{location.name} is not a readable ControlNet file: {error}") from error
    if any("add_embedding" in key or "label_emb" in key for key in keys):
        return "sdxl"
    if any(key.startswith(("controlnet_blocks", "controlnet_single_blocks", "transformer_blocks")) for key in keys):
        return "flux" if any("single" in key for key in keys) else "sd3"
    return "sd15"


def family_label(name: str) -> str:
    """'SDXL', 'Stable Diffusion 1.5', or the name itself for families Logo Studio does not run."""
    return {"sdxl-union": "SDXL (a ControlNet Union model)", "sd3": "Stable Diffusion 3"}.get(
        name, FAMILY_LABELS.get(name, name)
    )


def check_controlnet_family(ref: str, location: Path, family) -> None:
    """ModelLoadError when the ControlNet at ``location`` was made for another family than the
    model's (``family``, a ModelFamily), named in words with what to choose instead."""
    found = controlnet_family(location)
    if found == family.name:
        return
    offered = [model.id for model in guide_models() if model.family == family.name]
    advice = f" For example: {', '.join(offered[:3])}." if offered else ""
    if found == "sdxl-union":
        problem = f"The ControlNet {ref} is a ControlNet Union model, which Logo Studio does not use yet."
    else:
        problem = f"The ControlNet {ref} was made for {family_label(found)} models, not {family.label}."
    raise ModelLoadError(f"{problem} Choose a {family.label} ControlNet for this guide.{advice}")
