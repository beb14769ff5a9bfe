"""The generation engine: loaded pipelines in, images out. Plain Python, no Qt.

One Engine holds one text-to-image pipeline of any family (Stable Diffusion 1.5, SDXL, FLUX.1) and
the inpainting and image-to-image pipelines that share its weights (diffusers' family-generic
``AutoPipelineForInpainting`` / ``AutoPipelineForImage2Image.from_pipe``), or a dedicated
inpainting model; for a guided job (``params.guide``), the ControlNet pipelines of each mode built
the same way around one loaded ControlNet (desktop.engine.controlnets). It is used from one
thread at a time (the app's worker thread); only ``cancel`` (a ``threading.Event``) is touched
from other threads.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace

from PIL import Image

from desktop.engine.allocator import release_freed_memory
from desktop.engine.arguments import call_arguments, repaint_arguments
from desktop.engine.controlnets import ControlNets, guide_arguments
from desktop.engine.devices import DeviceChoice, MemoryPlan, MemorySavers, choose_device, device_memory, plan_memory
from desktop.engine.loading import load_pipeline
from desktop.engine.lora_adapters import LoraAdapters, resolve_loras
from desktop.engine.prompts import prompt_warnings
from desktop.engine.results import Progress
from desktop.engine.support import (
    accepted_arguments,
    empty_device_cache,
    import_pipeline_modules,
    make_scheduler,
    quiet_libraries,
    read_in_weights,
    translate_oom,
)
from desktop.engine.tiny_vae import TinyVaes, decoding_with, preview_decoder
from desktop.errors import GenerationCancelled, InvalidParameters, ModelNotAvailable
from desktop.guides import check_guide_family, control_image, require_guide
from desktop.inputs import check_inpaint_inputs, check_size
from desktop.jobs import GeneratedImage
from desktop.models.families import ModelFamily, ModelInfo
from desktop.models.few_step import FewStepProfile
from desktop.models.few_step import adapt as adapt_to_few_step
from desktop.models.few_step import detect as detect_few_step
from desktop.models.loras import apply_prompt_loras, few_step_lora
from desktop.models.references import classify, inspect
from desktop.params import IMG2IMG, INPAINT, TXT2IMG, GenerationParams
from desktop.speed import adapt_speed

__all__ = ["Engine", "import_pipeline_modules"]
FILL_GUIDANCE = 30.0  # what FLUX Fill models are made for; regular FLUX guidance (3.5) leaves them washed out


ProgressCallback = Callable[[Progress], None]


class Engine:
    """Loads a model once and makes text-to-image, inpainting and image-to-image results from it.

    After ``load``: ``family`` (a ModelFamily: defaults, aspect presets, samplers that apply,
    negative prompt support), ``memory_plan`` (precision and memory savers chosen, with
    ``describe()`` for the UI) and ``few_step`` describe what is loaded."""

    def __init__(
        self,
        device: DeviceChoice | None = None,
        low_memory: bool = False,
        compile_unet: bool = False,
    ) -> None:
        self.device = device or choose_device()
        self.low_memory = low_memory
        self.savers = MemorySavers.for_device(self.device, low_memory)
        self.compile_unet = compile_unet  # torch.compile on CUDA: slow first image, faster after
        self.model = ""
        self.inpaint_model = ""
        self.memory_plan: MemoryPlan | None = None
        self.few_step: FewStepProfile | None = None
        self._txt2img = self._inpaint = self._img2img = None
        self._info: ModelInfo | None = None
        self._inpaint_info: ModelInfo | None = None  # a dedicated inpainting model's
        # Each model's own sampler config, from which every job's sampler is built.
        self._scheduler_configs: dict[str, object] = {}
        self._loras: dict[str, LoraAdapters] = {}  # "base" / "inpaint" (a dedicated model): its LoRAs
        self._controlnets = ControlNets()  # the guide's ControlNet and its pipelines
        self.tiny_vaes = TinyVaes(self.device.device, self.device.dtype)

    def describe(self) -> str:
        """Where the jobs run: 'CPU (float32)', 'NVIDIA … (float16)'."""
        return self.device.describe()

    @property
    def loaded(self) -> bool:
        return self._txt2img is not None or self._inpaint is not None

    @property
    def family(self) -> ModelFamily | None:
        """The loaded model's family (None when nothing is loaded): what the window builds its
        size presets, sampler list, step/guidance defaults and negative prompt field from."""
        return self._info.family if self._info else None

    def family_for(self, mode: str) -> ModelFamily | None:
        """The family of the model that runs ``mode``: the dedicated inpainting model's for
        inpainting when one is loaded, else the loaded model's."""
        return self._info_for(mode).family if self.loaded else None

    def _info_for(self, mode: str) -> ModelInfo:
        return self._inpaint_info if mode == INPAINT and self._inpaint_info else self._info

    def pipeline(self, mode: str):
        """The diffusers pipeline that runs ``mode`` (txt2img, inpaint or img2img) for the loaded
        model. Inpainting and image-to-image are built on first use from the loaded weights with
        ``AutoPipelineFor*.from_pipe`` (no extra memory), unless a dedicated inpainting model is
        loaded. An inpainting-only model answers every mode with its inpainting pipeline (it
        repaints a blank canvas or the whole image). Raises ModelNotAvailable when nothing is loaded."""
        self._require_loaded()
        if mode == TXT2IMG and self._txt2img is not None:
            return self._txt2img
        if mode == IMG2IMG and self._txt2img is not None:
            if self._img2img is None:
                from diffusers import AutoPipelineForImage2Image

                self._img2img = self._derived(AutoPipelineForImage2Image)
            return self._img2img
        if self._inpaint is None:
            from diffusers import AutoPipelineForInpainting

            self._inpaint = self._derived(AutoPipelineForInpainting)
        return self._inpaint

    def _derived(self, auto_pipeline):
        pipe = auto_pipeline.from_pipe(self._txt2img)
        pipe.set_progress_bar_config(disable=True)  # from_pipe does not carry it over
        self.savers.offload(pipe)
        return pipe

    def load(self, model: str, inpaint_model: str = "") -> None:
        """Load ``model`` (and optionally a dedicated inpainting model), replacing what was loaded.

        The family is read from the files; the precision and memory savers are chosen for it and
        this device (``memory_plan``). Never downloads: a hub model must be in the Hugging Face
        cache already (see ``desktop.models.downloads``). Raises ModelNotDownloaded,
        ModelNotAvailable, UnsafeModelFormat, ModelLoadError or OutOfMemory.
        """
        quiet_libraries()
        source = classify(model)
        inpaint_source = classify(inpaint_model) if inpaint_model else None
        info = inspect(source)[0]
        inpaint_info = inspect(inpaint_source)[0] if inpaint_source else None
        self.unload()
        memory = device_memory(self.device)
        plans = [
            plan_memory(self.device, i.family.name, i.family.label, self.low_memory, memory)
            for i in (info, inpaint_info)
            if i is not None
        ]
        self.savers = MemorySavers.union(plan.savers for plan in plans)
        self._info, self._inpaint_info = info, inpaint_info
        try:
            with translate_oom():
                base = self._load_one(source, info, plans[0].dtype)
                self._scheduler_configs["base"] = base.scheduler.config
                self._txt2img, self._inpaint = (None, base) if info.inpaint_only else (base, None)
                if inpaint_source is not None:
                    self._inpaint = self._load_one(inpaint_source, inpaint_info, plans[1].dtype)
                    self._scheduler_configs["inpaint"] = self._inpaint.scheduler.config
        except BaseException:
            self.unload()  # nothing half-loaded stays behind
            raise
        self.memory_plan = replace(plans[0], savers=self.savers)
        if (self.tiny_vaes.device, self.tiny_vaes.dtype) != (self.device.device, plans[0].dtype):
            self.tiny_vaes = TinyVaes(self.device.device, plans[0].dtype)
        self.model, self.inpaint_model = model, inpaint_model
        self.few_step = detect_few_step(model, type(base.scheduler).__name__, info.family)

    def _load_one(self, source, info: ModelInfo, dtype: str):
        pipe = load_pipeline(
            source, self.device, dtype=dtype, savers=self.savers, compile_unet=self.compile_unet, info=info
        )
        self.savers.apply(pipe, self.device.device)
        read_in_weights(pipe)
        return pipe

    def unload(self) -> None:
        """Drop the loaded pipelines and give their memory back."""
        self._txt2img = self._inpaint = self._img2img = None
        self._info = self._inpaint_info = self.memory_plan = None
        self._scheduler_configs = {}
        self._loras = {}
        self._controlnets.clear()
        self.model = self.inpaint_model = ""
        self.few_step = None
        empty_device_cache(self.device)
        gc.collect()  # pipelines hold reference cycles: free them before handing the memory back
        release_freed_memory()

    def enable_memory_savers(self) -> bool:
        """Turn on every memory saver that applies here; False if they were all on already."""
        family = self.family.name if self.family else "sd15"
        wanted = MemorySavers.union(
            [self.savers, MemorySavers.for_device(self.device, True, family, device_memory(self.device))]
        )
        if self.savers == wanted:
            return False
        offload_now = (wanted.cpu_offload, wanted.sequential_offload) != (
            self.savers.cpu_offload,
            self.savers.sequential_offload,
        )
        self.savers, self.low_memory = wanted, True
        if self.memory_plan is not None:
            self.memory_plan = replace(self.memory_plan, savers=wanted, reason="the device ran out of memory")
        if offload_now:  # accelerate keeps the weights it finds there: fused LoRAs would stay in every job
            self._unfuse_loras()
        self._controlnets.clear(keep_model=True)  # guided pipelines are built anew with the new savers
        for pipe in {id(p): p for p in (self._txt2img, self._inpaint, self._img2img) if p is not None}.values():
            self.savers.apply(pipe, self.device.device)
            if offload_now:
                self.savers.offload(pipe)
        return True

    def adapt(self, params: GenerationParams) -> tuple[GenerationParams, str]:
        """``params`` fitted to the model that will run them, and why ('' when nothing changed): a
        sampler of another family falls back to this family's default; few-step models and
        few-step LoRAs get their sampler, steps and guidance (see few_step.adapt); Fast requests get
        the family's few-step LoRA (marked ``fast``) and its settings (see speed.adapt_speed); FLUX
        Fill gets the guidance it needs; an "only masked" request on a pipeline that cannot crop
        uses the whole image."""
        if not self.loaded:
            return adapt_to_few_step(params, self.few_step)
        family, notes = self.family_for(params.mode), []
        if params.scheduler not in family.samplers:
            notes.append(
                f"The {params.scheduler} sampler does not apply to {family.label} models; "
                f"using {family.default_sampler}."
            )
            params = replace(params, scheduler=family.default_sampler)
        params, note = adapt_speed(params, family, self.few_step if family is self.family else None)
        notes.append(note)
        if params.mode == INPAINT:
            info = self._info_for(INPAINT)
            if info.family.name == "flux" and info.inpaint_only and params.guidance < FILL_GUIDANCE / 3:
                params = replace(params, guidance=FILL_GUIDANCE)
                notes.append(f"FLUX Fill models need strong guidance: using {FILL_GUIDANCE:g}.")
            crop = accepted_arguments(self.pipeline(INPAINT), {"padding_mask_crop": 0})
            if params.inpaint_only_masked and not crop:
                params = replace(params, inpaint_only_masked=False)
                notes.append(
                    "This inpainting model cannot work on the masked area alone; it repaints with the whole image."
                )
        return params, " ".join(note for note in notes if note)

    def with_prompt_loras(self, params: GenerationParams, folder: str | None) -> GenerationParams:
        """``params`` with the ``<lora:name:weight>`` tags of the prompt as LoRAs of the request,
        each name found in the LoRA ``folder`` on this computer (or on Hugging Face)."""
        return apply_prompt_loras(params, folder)

    def prompt_warnings(self, params: GenerationParams) -> list[str]:
        """Warnings for prompts longer than the text encoder reads, quoting the words it drops, and
        for a negative prompt the model's family does not use."""
        self._require_loaded()
        return prompt_warnings(self.pipeline(params.mode), self.family_for(params.mode), params)

    def generate(
        self,
        params: GenerationParams,
        *,
        image: Image.Image | None = None,
        mask: Image.Image | None = None,
        guide: Image.Image | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[GeneratedImage]:
        """Yield the images of ``params``' batch one at a time, each with its own parameters
        (``family`` and, for inpainting with a dedicated model, ``model`` name what made it).

        Inpainting needs ``image`` and ``mask`` (white = repaint) of the request's size; pixels
        outside the feathered mask come back exactly as they were. Image-to-image (variations,
        upscaling) needs ``image``; it is resized to the request's size first. A guided request
        (``params.guide``) needs the ``guide`` picture: it is made into the control image of the
        guide's kind (desktop.guides, fitted to the request's size) and followed by the guide's
        ControlNet, which must be on this computer and made for the model's family (FLUX.1 has
        none); without ``params.guide`` the picture is ignored. Setting ``cancel``
        stops the job within one step, without decoding, by raising GenerationCancelled.

        The request is checked at the call (InvalidParameters, ModelNotAvailable), before the first
        image is asked for; sizes must be multiples of the family's ``size_multiple``.
        """
        self._require_loaded()
        params = params.with_resolved_seed()
        check_size(params, self.family_for(params.mode))
        if params.mode == INPAINT:
            image, mask = check_inpaint_inputs(params, image, mask)
            if self.inpaint_model:  # the saved parameters name the model that made the pixels
                params = replace(params, model=self.inpaint_model)
        elif params.mode == IMG2IMG:
            if image is None:
                raise InvalidParameters("image", "A variation needs the image to start from.")
            image = image.convert("RGB").resize((params.width, params.height), Image.Resampling.LANCZOS)
        family = self.family_for(params.mode)
        control = None
        if params.guide is not None:
            check_guide_family(family)
            size = (params.width, params.height)
            control = control_image(require_guide(guide), params.guide.kind, size, params.guide.detail)[0]
            self._controlnets.check(params.guide.model, family)  # on this computer, of this family
        loras, recorded = resolve_loras(params.loras, family)  # files here, hashes, the right family
        tiny = self.tiny_vaes.require(family.name) if params.tiny_decode else None
        params = replace(params, family=family.name, loras=recorded)
        return self._images(params, image, mask, control, on_progress, cancel or threading.Event(), loras, tiny)

    def prepare(self, params: GenerationParams, on_work: Callable[[], None] | None = None) -> bool:
        """Get ready for jobs like ``params`` (as ``adapt`` returns them) before one is asked for:
        their LoRAs loaded and applied, fused where jobs fuse them, the family's tiny autoencoder
        and the guide's ControlNet loaded, so that the first such job starts at once (for Fast on a
        CPU, loading and fusing LCM-LoRA takes seconds). ``on_work`` is called first when there is
        something to do; returns False when everything was ready. Raises what ``generate`` would (a
        ControlNet not downloaded yet: ControlNetNotDownloaded, with the ``repo_id`` to offer)."""
        self._require_loaded()
        family = self.family_for(params.mode)
        loras, recorded = resolve_loras(params.loras, family)
        params = replace(params, loras=recorded)
        tiny = self.tiny_vaes
        if params.tiny_decode and not tiny.available(family.name):
            tiny.require(family.name)  # raises: not on this computer
        adapters = self._loras.get(self._slot(params))
        applied = adapters.is_applied(loras, self._fuses(params)) if adapters is not None else not loras
        guide_ready = self._guide_ready(params, family)
        if applied and guide_ready and (tiny.loaded(family.name) or not tiny.available(family.name)):
            return False
        if on_work is not None:
            on_work()
        tiny.get(family.name)  # for Fast drafts and the previews
        self._apply_loras(params, loras)
        if not guide_ready:
            self._controlnet(params.guide.model, family, self.pipeline(params.mode))
        return True

    def _guide_ready(self, params: GenerationParams, family: ModelFamily) -> bool:
        """True when ``params`` has no guide or its ControlNet is the one loaded; raises what
        ``generate`` would for FLUX.1, a missing ControlNet or one of another family."""
        if params.guide is None:
            return True
        check_guide_family(family)
        self._controlnets.check(params.guide.model, family)
        return self._controlnets.model is not None and self._controlnets.ref == params.guide.model

    def _slot(self, params: GenerationParams) -> str:
        return "inpaint" if params.mode == INPAINT and self.inpaint_model else "base"

    def _fuses(self, params: GenerationParams) -> bool:
        # Fused where it pays: few-step LoRAs, and not when memory is short (see lora_adapters).
        short_of_memory = self.low_memory or self.savers.cpu_offload
        return any(few_step_lora(lora.ref) for lora in params.loras) and not short_of_memory

    def _apply_loras(self, params: GenerationParams, loras) -> None:
        slot = self._slot(params)
        pipe = self._inpaint if slot == "inpaint" else self.pipeline(params.mode)
        adapters = self._loras.setdefault(slot, LoraAdapters(pipe))
        was_fused = adapters.fused
        with translate_oom(self.device):
            adapters.apply(loras, fuse=self._fuses(params))
        if was_fused and not adapters.fused:
            release_freed_memory()  # the fused weights' gigabytes, back to the system

    def _unfuse_loras(self) -> None:
        """Put back the model's own weights where LoRAs are fused (they stay loaded, unfused)."""
        if any(adapters.fused for adapters in self._loras.values()):
            for adapters in self._loras.values():
                adapters.unfuse()
            release_freed_memory()

    def _images(self, params, image, mask, control, on_progress, cancel, loras, tiny) -> Iterator[GeneratedImage]:
        self._apply_loras(params, loras)
        small = self.tiny_vaes.get(params.family)
        decoders = (preview_decoder(small) if small is not None else None, tiny)  # preview, final decode
        for index in range(params.batch_count):
            if cancel.is_set():
                raise GenerationCancelled("Generation was cancelled.")
            one = params.for_image(index)
            position = (index, params.batch_count)
            result = self._generate_one(one, image, mask, control, position, on_progress, cancel, decoders)
            yield GeneratedImage(result, one, index)

    def _generate_one(self, params, image, mask, control, position, on_progress, cancel, decoders) -> Image.Image:
        pipe = base = self.pipeline(params.mode)
        dedicated = pipe is self._inpaint and bool(self.inpaint_model)
        family = (self._inpaint_info if dedicated else self._info).family
        latent_format, size = family.latent_format, (params.width, params.height)

        def on_step_end(pipe, step, timestep, tensors):
            if cancel.is_set():
                raise GenerationCancelled("Generation was cancelled.")
            if on_progress is not None:
                latents = tensors["latents"]
                progress = Progress(*position, step + 1, pipe.num_timesteps, latents, latent_format, size, decoders[0])
                on_progress(progress)
            return tensors

        arguments = call_arguments(params, family, on_step_end)
        keep_outside = None  # the mask outside which the original pixels are put back
        kind = TXT2IMG
        if pipe is self._img2img:
            arguments.update(image=image, strength=params.strength)
            kind = IMG2IMG
        elif pipe is self._inpaint:
            repaint, keep_outside = repaint_arguments(params, image, mask)
            arguments.update(repaint)
            image = repaint["image"]
            kind = INPAINT
        if params.guide is not None:
            pipe = self._guided(base, kind, params.guide.model, family)
            arguments.update(guide_arguments(params.guide, control, kind == TXT2IMG))
        # From the model's own config, never the last job's: overrides such as trailing timestep
        # spacing must not leak into the next sampler.
        pipe.scheduler = make_scheduler(params.scheduler, self._scheduler_configs["inpaint" if dedicated else "base"])
        with translate_oom(self.device), decoding_with(pipe, decoders[1]):
            result = pipe(**accepted_arguments(pipe, arguments)).images[0]
        if keep_outside is None:
            return result
        if result.size != image.size:
            result = result.resize(image.size, Image.Resampling.LANCZOS)
        # The VAE round trip alters every pixel; put the original back outside the mask.
        return Image.composite(result, image, keep_outside)

    def _guided(self, base, kind: str, ref: str, family):
        """The ControlNet pipeline of ``kind`` around ``base``, with ControlNet ``ref`` loaded."""
        controlnet = self._controlnet(ref, family, base)
        with translate_oom(self.device):
            return self._controlnets.pipeline(base, kind, controlnet, self.savers, self.device.device)

    def _controlnet(self, ref: str, family, base):
        """ControlNet ``ref``, loaded unless it is the one loaded, checked against ``base``'s UNet."""
        dtype = self.memory_plan.dtype if self.memory_plan else self.device.dtype
        with translate_oom(self.device):
            return self._controlnets.get(ref, family, self.device.device, dtype, self.savers, base.unet)

    def _require_loaded(self) -> None:
        if not self.loaded:
            raise ModelNotAvailable("No model is loaded yet. Choose a model first.")
