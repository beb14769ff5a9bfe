"""Which models there are: the recommended ones (resources/models.json, per family and per kind of
computer, each with its download size, the memory it needs and its licence in plain words) and
those already in the Hugging Face cache, so a model any other tool downloaded is offered instead of
a new download."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

TXT2IMG = "txt2img"
INPAINT = "inpaint"

# The parts of a pipeline that Logo Studio downloads and loads, for every family: Stable Diffusion
# 1.5 has one text encoder and a UNet, SDXL a second text encoder and tokenizer, FLUX.1 a T5 text
# encoder and tokenizer as the second ones and a transformer instead of the UNet. A repo holds only
# its own family's parts, so allowing the union fetches exactly what its family needs.
WEIGHTED_COMPONENTS = ("text_encoder", "text_encoder_2", "unet", "transformer", "vae")
COMPONENTS = ("scheduler", "tokenizer", "tokenizer_2", *WEIGHTED_COMPONENTS)
_SD_PARTS = ("scheduler", "tokenizer", "text_encoder", "unet", "vae")  # expected when model_index.json is missing


@dataclass(frozen=True)
class RecommendedModel:
    """One recommended model. ``download_bytes`` and ``memory_bytes`` are approximate (the files
    Logo Studio fetches; the GPU memory it runs in without memory savers); ``licence`` is its name,
    ``licence_summary`` what it allows in plain words, ``commercial_use`` whether logos made with
    it may be used commercially."""

    id: str
    name: str
    kind: str
    download_bytes: int
    licence: str
    alternatives: tuple[str, ...]
    family: str = "sd15"
    memory_bytes: int = 0
    licence_summary: str = ""
    commercial_use: bool = False
    licence_url: str = ""
    file: str = ""  # for a LoRA: the one file of the repo that is the LoRA
    server_names: tuple[str, ...] = ()  # for a LoRA: what its file is called in a ComfyUI server's loras folder

    def licence_text(self) -> str:
        """'FLUX.1 [dev] Non-Commercial License: ... Commercial use: no.'"""
        use = "yes" if self.commercial_use else "no"
        summary = f": {self.licence_summary}" if self.licence_summary else ""
        return f"{self.licence}{summary} Logos made with it may be used commercially: {use}."


@dataclass(frozen=True)
class HardwareAdvice:
    """The text-to-image model recommended for a kind of computer, and why."""

    model: RecommendedModel
    reason: str


@dataclass(frozen=True)
class CachedModel:
    id: str
    kind: str
    size_bytes: int
    folder: Path
    family: str = ""


def _data() -> dict:
    return json.loads(resources.files("desktop.resources").joinpath("models.json").read_text(encoding="utf-8"))


def _entry(entry: dict) -> RecommendedModel:
    return RecommendedModel(
        entry["id"],
        entry["name"],
        entry["kind"],
        int(entry["download_bytes"]),
        entry["licence"],
        tuple(entry.get("alternatives", ())),
        entry.get("family", "sd15"),
        int(entry.get("memory_bytes", 0)),
        entry.get("licence_summary", ""),
        bool(entry.get("commercial_use", False)),
        entry.get("licence_url", ""),
        entry.get("file", ""),
        tuple(entry.get("server_names", ())),
    )


def recommended_models() -> list[RecommendedModel]:
    """The recommended models, in the data file's order."""
    return [_entry(entry) for entry in _data()["recommended"]]


def fast_assets() -> list[RecommendedModel]:
    """What Fast mode downloads (models.json "fast"): per family a few-step LoRA (kind "lora",
    ``file`` names the LoRA in its repo) and a tiny autoencoder (kind "tiny-vae")."""
    return [_entry(entry) for entry in _data().get("fast", [])]


def guide_models(family: str | None = None) -> list[RecommendedModel]:
    """The recommended ControlNets for guides (models.json "guides", kind "controlnet"; ``guide``
    names the guide kind each suits best), of ``family`` when given."""
    models = [_entry(entry) for entry in _data().get("guides", [])]
    return [model for model in models if family is None or model.family == family]


def guide_kind(model_id: str) -> str:
    """The guide kind (sketch, edges, lineart) a recommended ControlNet suits best, '' if unknown."""
    entry = next((entry for entry in _data().get("guides", []) if entry["id"] == model_id), None)
    return entry.get("guide", "") if entry else ""


def default_controlnet(family: str, kind: str) -> str:
    """The recommended ControlNet for guides of ``kind`` on ``family`` models: the one made for that
    kind, else the family's first (SDXL line art follows the Sketch ControlNet); '' when none."""
    models = guide_models(family)
    chosen = next((model for model in models if guide_kind(model.id) == kind), models[0] if models else None)
    return chosen.id if chosen else ""


def no_guides_reason(family: str) -> str:
    """Why no ControlNet is offered for ``family`` (models.json "guides_none"), '' when some are."""
    return _data().get("guides_none", {}).get(family, "")


def recommended_for(device: str, gpu_memory: int | None = None) -> HardwareAdvice:
    """The text-to-image model to recommend on ``device`` (cpu, mps or cuda) with ``gpu_memory``
    bytes of GPU memory: the first rule of models.json's "hardware" list that fits."""
    models = {model.id: model for model in recommended_models()}
    gib = (gpu_memory or 0) / 2**30
    for rule in _data()["hardware"]:
        if rule["device"] == device and gib >= rule.get("min_gpu_gb", 0):
            return HardwareAdvice(models[rule["model"]], rule["reason"])
    return HardwareAdvice(models[default_model()], "")


def default_model(kind: str = TXT2IMG) -> str:
    """The first recommended model of ``kind``."""
    return next(model.id for model in recommended_models() if model.kind == kind)


def cached_models(cache_dir: Path | None = None) -> list[CachedModel]:
    """Pipelines of every supported family in the Hugging Face cache (default: the standard one),
    with their size on disk, kind and family. Anything unreadable is skipped, never raised."""
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
            folder = Path(revision.snapshot_path)
            kind = pipeline_kind(folder)
            if kind:
                found.append(CachedModel(repo.repo_id, kind, repo.size_on_disk, folder, pipeline_family(folder)))
                break
    return sorted(found, key=lambda model: model.id.lower())


def pipeline_kind(folder: Path) -> str:
    """'txt2img' or 'inpaint' for a complete pipeline folder of a supported family, else ''."""
    from desktop.errors import ModelLoadError
    from desktop.models.families import folder_info

    try:
        info = folder_info(folder)
    except ModelLoadError:
        return ""
    if not pipeline_files_complete(folder):
        return ""
    return INPAINT if info.inpaint_only else TXT2IMG


def pipeline_family(folder: Path) -> str:
    """sd15, sdxl or flux for a pipeline folder of a supported family, else ''."""
    from desktop.errors import ModelLoadError
    from desktop.models.families import folder_info

    try:
        return folder_info(folder).family.name
    except ModelLoadError:
        return ""


def pipeline_files_complete(folder: Path) -> bool:
    """True when a pipeline folder has every part it needs (see ``missing_pipeline_files``)."""
    return not missing_pipeline_files(folder)


def missing_pipeline_files(folder: Path) -> list[str]:
    """What a pipeline folder lacks of what it needs: model_index.json, and for each part it
    declares (those of its family: see COMPONENTS) the scheduler config, tokenizer files, or a config
    with safetensors weights (every shard of a sharded one). A download that stopped part way leaves
    some of them out (huggingface_hub links a file in only once it is whole)."""
    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
        parts = [part for part in COMPONENTS if isinstance(index.get(part), list) and index[part][0] is not None]
        missing = []
    except (OSError, ValueError, AttributeError):
        parts, missing = list(_SD_PARTS), ["model_index.json"]
    for part in parts:
        if part == "scheduler":
            if not (folder / "scheduler" / "scheduler_config.json").is_file():
                missing.append("scheduler/scheduler_config.json")
        elif part.startswith("tokenizer"):
            if not any((folder / part).glob("*")):
                missing.append(f"{part}/")
        else:
            missing += _missing_weights(folder, part)
    return missing


def _missing_weights(folder: Path, part: str) -> list[str]:
    missing = [] if (folder / part / "config.json").is_file() else [f"{part}/config.json"]
    weights = list((folder / part).glob("*.safetensors"))
    if not weights:
        return [*missing, f"{part}/*.safetensors"]
    for index_file in (folder / part).glob("*.safetensors.index.json"):
        try:
            shards = set(json.loads(index_file.read_text(encoding="utf-8"))["weight_map"].values())
        except (OSError, ValueError, KeyError, AttributeError):
            shards = set()
        missing += [f"{part}/{shard}" for shard in sorted(shards) if not (folder / part / shard).is_file()]
    return missing


@dataclass(frozen=True)
class DownloadPlan:
    """What the user is asked before a download: what, how big, under which licence (and whether
    logos made with it may be used commercially), how much memory it needs, where it goes.
    ``model`` is the recommended model's entry, None for a model Logo Studio knows nothing about."""

    id: str
    name: str
    download_bytes: int | None
    licence: str
    folder: Path
    free_bytes: int
    model: RecommendedModel | None = None

    def size_text(self) -> str:
        return f"about {human_size(self.download_bytes)}" if self.download_bytes else "several GB"

    def licence_sentence(self) -> str:
        if self.model is not None:
            return f"Licence: {self.model.licence_text()}"
        return f"Licence: {self.licence}." if self.licence else "Check its licence on huggingface.co."

    def question(self) -> str:
        memory = ""
        if self.model is not None and self.model.memory_bytes:
            memory = f" It runs best with about {self.model.memory_bytes / 1e9:.0f} GB of GPU memory."
        return (
            f"{self.name} is not on this computer yet. Download it now from Hugging Face? It needs {self.size_text()} "
            f"of disk space ({self.free_bytes / 1e9:.1f} GB free) and goes into the shared Hugging Face cache at "
            f"{self.folder}, where other tools can use it too.{memory} {self.licence_sentence()}"
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


@dataclass(frozen=True)
class JointDownloadPlan:
    """Several downloads that one job needs (Fast's LoRA and tiny decoder, say), asked about in one
    question with their total size. Reads like a DownloadPlan to whoever asks."""

    plans: tuple[DownloadPlan, ...]

    @property
    def id(self) -> str:
        return " ".join(plan.id for plan in self.plans)

    @property
    def name(self) -> str:
        names = [plan.name for plan in self.plans]
        return f"{', '.join(names[:-1])} and {names[-1]}"

    @property
    def download_bytes(self) -> int | None:
        sizes = [plan.download_bytes for plan in self.plans]
        return None if None in sizes else sum(sizes)

    def question(self) -> str:
        first = self.plans[0]
        each = "\n".join(f"• {plan.name}: {plan.size_text()}. {plan.licence_sentence()}" for plan in self.plans)
        total = f"about {human_size(self.download_bytes)}" if self.download_bytes else "several GB"
        return (
            f"{len(self.plans)} downloads this needs are not on this computer yet:\n{each}\n\nDownload them now from "
            f"Hugging Face? Together they need {total} of disk space ({first.free_bytes / 1e9:.1f} GB free) and go "
            f"into the shared Hugging Face cache at {first.folder}, where other tools can use them too."
        )

    def space_problem(self) -> str:
        first = self.plans[0]
        total = self.download_bytes
        if total and first.free_bytes < total * 1.1:
            return (
                f"Not enough disk space to download {self.name}: together they need about {total / 1e9:.1f} GB and "
                f"only {first.free_bytes / 1e9:.1f} GB is free at {first.folder}. Free some space, or choose a model "
                "already on this computer."
            )
        return ""


def confirm_download(model_id: str, ask: Callable[[DownloadPlan], bool]) -> bool:
    """The one consent step before a download, for the window and the CLI alike: raises
    NotEnoughDiskSpace when the model would not fit, else returns ``ask(plan)`` (True: go ahead).
    Makes no network request."""
    return confirm_downloads([model_id], ask)


def confirm_downloads(model_ids: list[str], ask: Callable[[DownloadPlan | JointDownloadPlan], bool]) -> bool:
    """``confirm_download`` for everything one job needs: one question, with the total size."""
    from desktop.errors import NotEnoughDiskSpace

    plans = tuple(download_plan(model_id) for model_id in model_ids)
    plan = plans[0] if len(plans) == 1 else JointDownloadPlan(plans)
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
    known = {model.id: model for model in (*recommended_models(), *fast_assets(), *guide_models())}
    if model_id in known:
        model = known[model_id]
        return DownloadPlan(model.id, model.name, model.download_bytes, model.licence, folder, free, model)
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
