"""Which models there are: the recommended ones (resources/models.json) and those already in the
Hugging Face cache, so a model any other tool downloaded is offered instead of a new download."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

TXT2IMG = "txt2img"
INPAINT = "inpaint"

# The parts of a Stable Diffusion pipeline that Logo Studio downloads and loads.
WEIGHTED_COMPONENTS = ("text_encoder", "unet", "vae")
COMPONENTS = ("scheduler", "tokenizer", *WEIGHTED_COMPONENTS)


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
    from huggingface_hub import constants, scan_cache_dir

    try:
        info = scan_cache_dir(cache_dir or constants.HF_HUB_CACHE)  # read now: its default is fixed at import
    except Exception:  # no cache yet, or unreadable: nothing cached to offer
        return []
    found = []
    for repo in info.repos:
        if repo.repo_type != "model":
            continue
        for revision in sorted(repo.revisions, key=lambda r: r.last_modified, reverse=True):
            kind = pipeline_kind(Path(revision.snapshot_path))
            if kind:
                found.append(CachedModel(repo.repo_id, kind, repo.size_on_disk, Path(revision.snapshot_path)))
                break
    return sorted(found, key=lambda model: model.id.lower())


def pipeline_kind(folder: Path) -> str:
    """'txt2img' or 'inpaint' for a complete Stable Diffusion pipeline folder, else ''."""
    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
        unet = json.loads((folder / "unet" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not str(index.get("_class_name", "")).startswith("StableDiffusion") or not pipeline_files_complete(folder):
        return ""
    return INPAINT if unet.get("in_channels") == 9 else TXT2IMG


def pipeline_files_complete(folder: Path) -> bool:
    """True when a pipeline folder has every part it needs (see ``missing_pipeline_files``)."""
    return not missing_pipeline_files(folder)


def missing_pipeline_files(folder: Path) -> list[str]:
    """What a pipeline folder lacks of what it needs: model_index.json, scheduler and tokenizer
    files, and a config with safetensors weights for the text encoder, UNet and VAE. A download that
    stopped part way leaves some of them out (huggingface_hub links a file in only once it is whole)."""
    missing = [
        name for name in ("model_index.json", "scheduler/scheduler_config.json") if not (folder / name).is_file()
    ]
    if not any((folder / "tokenizer").glob("*")):
        missing.append("tokenizer/")
    for part in WEIGHTED_COMPONENTS:
        if not (folder / part / "config.json").is_file():
            missing.append(f"{part}/config.json")
        if not any((folder / part).glob("*.safetensors")):
            missing.append(f"{part}/*.safetensors")
    return missing


@dataclass(frozen=True)
class DownloadPlan:
    """What the user is asked before a download: what, how big, under which licence, where."""

    id: str
    name: str
    download_bytes: int | None
    licence: str
    folder: Path
    free_bytes: int

    def question(self) -> str:
        size = f"about {self.download_bytes / 1e9:.1f} GB" if self.download_bytes else "several GB"
        licence = f" Licence: {self.licence}." if self.licence else " Check its licence on huggingface.co."
        return (
            f"{self.name} is not on this computer yet. Download it now from Hugging Face? It needs {size} of disk "
            f"space ({self.free_bytes / 1e9:.1f} GB free) and goes into the shared Hugging Face cache at "
            f"{self.folder}, where other tools can use it too.{licence}"
        )

    def space_problem(self) -> str:
        """A message when the disk is too full for this download (10% margin), else ''."""
        if self.download_bytes and self.free_bytes < self.download_bytes * 1.1:
            return (
                f"Not enough disk space to download {self.name}: it needs about {self.download_bytes / 1e9:.1f} GB "
                f"and only {self.free_bytes / 1e9:.1f} GB is free at {self.folder}. Free some space, or choose a "
                "model already on this computer."
            )
        return ""


def confirm_download(model_id: str, ask: Callable[[DownloadPlan], bool]) -> bool:
    """The one consent step before a download, for the window and the CLI alike: raises
    NotEnoughDiskSpace when the model would not fit, else returns ``ask(plan)`` (True: go ahead).
    Makes no network request."""
    from desktop.errors import NotEnoughDiskSpace

    plan = download_plan(model_id)
    if plan.space_problem():
        raise NotEnoughDiskSpace(plan.space_problem())
    return ask(plan)


def download_plan(model_id: str) -> DownloadPlan:
    """The plan for downloading hub model ``model_id`` into the standard cache."""
    import shutil

    from huggingface_hub import constants

    folder = Path(constants.HF_HUB_CACHE)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    free = shutil.disk_usage(existing).free
    known = {model.id: model for model in recommended_models()}
    if model_id in known:
        model = known[model_id]
        return DownloadPlan(model.id, model.name, model.download_bytes, model.licence, folder, free)
    return DownloadPlan(model_id, model_id, None, "", folder, free)


def human_size(size_bytes: int) -> str:
    """'4.3 GB', '8 MB': sizes as people read them."""
    return f"{size_bytes / 1e9:.1f} GB" if size_bytes >= 1e9 else f"{max(size_bytes / 1e6, 1):.0f} MB"


class DownloadMeter:
    """Turns a download's (bytes done, bytes total) reports into what people want to read:
    how far, how fast, how long. Speed counts from the first report, so bytes resumed from an
    earlier session do not inflate it."""

    def __init__(self) -> None:
        self._first: tuple[float, int] | None = None

    def text(self, done: int, total: int, now: float | None = None) -> str:
        import time

        now = time.monotonic() if now is None else now
        if self._first is None:
            self._first = (now, done)
        started_at, started_bytes = self._first
        elapsed = now - started_at
        speed = (done - started_bytes) / elapsed if elapsed > 0 else 0.0
        parts = [f"{human_size(done)} of {human_size(total)}" if total else human_size(done)]
        if elapsed >= 1:
            parts.append(f"{speed / 1e6:.1f} MB/s")
            if speed > 0 and total > done:
                parts.append(f"{format_duration((total - done) / speed)} left")
        return " · ".join(parts)


def format_duration(seconds: float) -> str:
    """'4:05', '1:02:09': a duration as clocks show it."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
