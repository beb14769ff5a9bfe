"""Running one generation job: the one place that the window's worker and the CLI both call, so
that a fix to how a job runs reaches both. Plain Python, no Qt.

A job's ``<lora:name:weight>`` prompt tags become LoRAs found in its LoRA folder, then it is fitted
to the loaded model (a sampler of another model family falls back to the family's own, few-step
models and LoRAs get their sampler, steps and guidance, Fast gets the family's few-step LoRA: see
``Engine.adapt``),
its long-prompt warnings are reported, and its images are made one at a time, each saved into the
gallery as soon as it exists. When the device runs out of memory the memory savers are turned on
and the images not yet made are tried once more. Setting ``job.cancel`` stops it within one step.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from PIL import Image

from desktop.errors import OutOfMemory
from desktop.gallery import GalleryItem, GalleryStore
from desktop.params import FAST, GenerationParams

_job_ids = itertools.count(1)

WarningCallback = Callable[[str], None]
SavedCallback = Callable[[GalleryItem, Image.Image], None]
OUT_OF_MEMORY_RETRY = "Ran out of memory, so the memory savers are now on (slower, but smaller); trying again."


@dataclass(frozen=True)
class GeneratedImage:
    """One finished image of an engine, the exact parameters that reproduce it alone, and PNG text
    chunks that go with it (a ComfyUI server's API graph as ``prompt``, as ComfyUI writes it)."""

    image: Image.Image
    params: GenerationParams
    index: int
    extra_text: dict[str, str] = field(default_factory=dict)


@dataclass
class Job:
    """One request: parameters with the seed already chosen, and the canvas for inpainting.

    ``lora_dir`` is the user's LoRA folder, where ``<lora:name:weight>`` tags of the prompt are
    looked up; ``family`` is the family of ``params.model`` when the caller knows it (the window
    knows the loaded one): it lets ``models()`` list what a Fast job downloads."""

    params: GenerationParams
    image: Image.Image | None = None
    mask: Image.Image | None = None
    parent_id: str | None = None
    inpaint_model: str = ""  # a dedicated inpainting model, loaded alongside params.model
    id: int = field(default_factory=lambda: next(_job_ids))
    cancel: threading.Event = field(default_factory=threading.Event)
    lora_dir: str = ""
    family: str = ""
    guide: Image.Image | None = None  # the picture params.guide is made from (a sketch, a logo, a photo)

    def models(self) -> list[str]:
        """What this job needs on this computer: its models, its LoRAs and its guide's ControlNet from
        Hugging Face, and for a Fast job of a known family the few-step LoRA and tiny autoencoder (download them with
        ``desktop.models.downloads.download_hub_model`` after ``catalog.confirm_download``).
        Nothing for a job that runs on a ComfyUI server (``params.server``)."""
        from desktop.models.assets import fast_downloads, tiny_vae_id
        from desktop.models.loras import few_step_lora, is_hub_lora
        from desktop.models.references import is_hub_id

        if self.params.server:
            return []
        refs = [ref for ref in (self.params.model, self.inpaint_model) if ref]
        refs += [lora.ref for lora in self.params.user_loras if is_hub_lora(lora.ref)]
        if self.params.guide is not None and is_hub_id(self.params.guide.model):
            refs.append(self.params.guide.model)  # the guide's ControlNet
        if self.params.speed == FAST and self.family:
            few_step_chosen = any(few_step_lora(lora.ref) for lora in self.params.user_loras)
            refs += [tiny_vae_id(self.family)] if few_step_chosen else fast_downloads(self.family)
        return list(dict.fromkeys(ref for ref in refs if ref))


def run_job(
    engine,
    store: GalleryStore,
    job: Job,
    *,
    on_progress: Callable | None = None,
    on_warning: WarningCallback | None = None,
    on_saved: SavedCallback | None = None,
) -> list[GalleryItem]:
    """Make ``job``'s images with ``engine`` (its model already loaded) and save each into
    ``store``; returns the saved items in order.

    ``on_progress`` gets the engine's Progress for every step, ``on_warning`` one-line notices
    (few-step adjustments, long prompts, memory savers), ``on_saved`` each item with its image as
    soon as it is saved. ``job.params`` is replaced by the parameters actually used. Raises
    GenerationCancelled, OutOfMemory (when the retry also runs out) and other LogoStudioErrors.
    """
    warn = on_warning or (lambda _text: None)
    params = engine.with_prompt_loras(job.params.with_resolved_seed(), job.lora_dir or None)
    job.params, note = engine.adapt(params)
    if note:
        warn(note)
    for warning in engine.prompt_warnings(job.params):
        warn(warning)
    if job.params.guide is not None and job.guide is not None:
        from desktop.guides import fit_note

        note = fit_note(job.guide.size, (job.params.width, job.params.height))
        if note:
            warn(note)  # a guide of another shape: scaled to the job, its aspect kept
    params, saved = job.params, []
    for attempt in range(2):
        try:
            images = engine.generate(
                params, image=job.image, mask=job.mask, guide=job.guide, on_progress=on_progress, cancel=job.cancel
            )
            for result in images:
                guide = job.guide if result.params.guide is not None else None
                item = store.add(result.image, result.params, job.parent_id, result.extra_text, guide)
                saved.append(item)
                if on_saved is not None:
                    on_saved(item, result.image)
            return saved
        except OutOfMemory:
            if attempt or not engine.enable_memory_savers():
                raise
            warn(OUT_OF_MEMORY_RETRY)
            done = len(saved)
            params = replace(job.params, seed=job.params.seed + done, batch_count=job.params.batch_count - done)
    return saved
