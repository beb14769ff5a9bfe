"""The generation engine: loaded pipelines in, images out. Plain Python, no Qt.

One Engine holds one text-to-image pipeline and an inpainting pipeline that shares its weights
(``from_pipe``), or a dedicated inpainting model. It is used from one thread at a time (the
app's worker thread); only ``cancel`` (a ``threading.Event``) is touched from other threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from PIL import Image

from desktop.engine.devices import DeviceChoice, MemorySavers, choose_device
from desktop.engine.few_step import FewStepProfile
from desktop.engine.few_step import adapt as adapt_to_few_step
from desktop.engine.few_step import detect as detect_few_step
from desktop.engine.models import classify, load_pipeline
from desktop.engine.preview import latents_to_preview
from desktop.errors import GenerationCancelled, InvalidParameters, ModelNotAvailable, OutOfMemory
from desktop.palette import palette_prompt
from desktop.params import IMG2IMG, INPAINT, TXT2IMG, GenerationParams
from desktop.schedulers import SCHEDULERS


@dataclass(frozen=True)
class Progress:
    """One denoising step of one image of a batch."""

    image_index: int
    image_count: int
    step: int
    total: int
    latents: object

    def preview(self) -> Image.Image:
        """A rough picture of the image so far, at 1/8 of its size; costs one tiny matmul."""
        return latents_to_preview(self.latents)


@dataclass(frozen=True)
class GeneratedImage:
    """One finished image and the exact parameters that reproduce it alone."""

    image: Image.Image
    params: GenerationParams
    index: int


ProgressCallback = Callable[[Progress], None]


class Engine:
    """Loads a model once and makes text-to-image, inpainting and image-to-image results from it."""

    def __init__(
        self,
        device: DeviceChoice | None = None,
        low_memory: bool = False,
        compile_unet: bool = False,
    ) -> None:
        self.device = device or choose_device()
        self.savers = MemorySavers.for_device(self.device, low_memory)
        self.compile_unet = compile_unet  # torch.compile on CUDA: slow first image, faster after
        self.model = ""
        self.inpaint_model = ""
        self._txt2img = None
        self._inpaint = None
        self._img2img = None
        self._scheduler_config = None  # the model's own; every job's sampler is built from it
        self.few_step: FewStepProfile | None = None

    @property
    def loaded(self) -> bool:
        return self._txt2img is not None or self._inpaint is not None

    def pipeline(self, mode: str):
        """The diffusers pipeline that runs ``mode`` (txt2img, inpaint or img2img) for the loaded
        model. Inpainting and image-to-image are built on first use from the loaded weights with
        ``from_pipe`` (no extra memory), unless a dedicated inpainting model is loaded. An
        inpainting-only model answers every mode with its inpainting pipeline (it repaints a blank
        canvas or the whole image). Raises ModelNotAvailable when nothing is loaded."""
        self._require_loaded()
        if mode == TXT2IMG and self._txt2img is not None:
            return self._txt2img
        if mode == IMG2IMG and self._txt2img is not None:
            if self._img2img is None:
                from diffusers import StableDiffusionImg2ImgPipeline

                self._img2img = self._derived(StableDiffusionImg2ImgPipeline)
            return self._img2img
        if self._inpaint is None:
            from diffusers import StableDiffusionInpaintPipeline

            self._inpaint = self._derived(StableDiffusionInpaintPipeline)
        return self._inpaint

    def _derived(self, pipeline_class):
        pipe = pipeline_class.from_pipe(self._txt2img)
        pipe.set_progress_bar_config(disable=True)  # from_pipe does not carry it over
        if self.savers.cpu_offload:
            pipe.enable_model_cpu_offload()
        return pipe

    def load(self, model: str, inpaint_model: str = "") -> None:
        """Load ``model`` (and optionally a dedicated inpainting model), replacing what was loaded.

        Never downloads: a hub model must be in the Hugging Face cache already (see
        ``desktop.engine.downloads``). Raises ModelNotDownloaded, ModelNotAvailable,
        UnsafeModelFormat, ModelLoadError or OutOfMemory.
        """
        _quiet_libraries()
        source = classify(model)
        inpaint_source = classify(inpaint_model) if inpaint_model else None
        self.unload()
        with _translate_oom():
            base = load_pipeline(
                source,
                self.device,
                cpu_offload=self.savers.cpu_offload,
                compile_unet=self.compile_unet,
            )
            self._apply_savers(base)
            if base.unet.config.in_channels == 9:
                # An inpainting-only model still makes images from text: see _generate_one.
                self._txt2img, self._inpaint = None, base
            else:
                self._txt2img = base
            if inpaint_source is not None:
                self._inpaint = load_pipeline(
                    inpaint_source,
                    self.device,
                    cpu_offload=self.savers.cpu_offload,
                    compile_unet=self.compile_unet,
                )
                self._apply_savers(self._inpaint)
        self.model, self.inpaint_model = model, inpaint_model
        self._scheduler_config = base.scheduler.config
        self.few_step = detect_few_step(model, type(base.scheduler).__name__)

    def unload(self) -> None:
        """Drop the loaded pipelines and give their memory back."""
        self._txt2img = self._inpaint = self._img2img = None
        self.model = self.inpaint_model = ""
        self.few_step = None
        _empty_device_cache(self.device)

    def enable_memory_savers(self) -> bool:
        """Turn on every memory saver that applies here; False if they were all on already."""
        wanted = MemorySavers.for_device(self.device, low_memory=True)
        if self.savers == wanted:
            return False
        offload_now = wanted.cpu_offload and not self.savers.cpu_offload
        self.savers = wanted
        for pipe in {id(p): p for p in (self._txt2img, self._inpaint, self._img2img) if p is not None}.values():
            self._apply_savers(pipe)
            if offload_now:
                pipe.enable_model_cpu_offload()
        return True

    def _apply_savers(self, pipe) -> None:
        if self.savers.attention_slicing or self.device.device == "mps":
            pipe.enable_attention_slicing()
        if self.savers.vae_tiling:
            pipe.vae.enable_tiling()

    def adapt(self, params: GenerationParams) -> tuple[GenerationParams, str]:
        """``params`` fitted to a few-step model if one is loaded, and why (see few_step.adapt)."""
        return adapt_to_few_step(params, self.few_step)

    def prompt_warnings(self, params: GenerationParams) -> list[str]:
        """Warnings for prompts longer than the text encoder reads, quoting the words it drops."""
        self._require_loaded()
        tokenizer = (self._txt2img or self._inpaint).tokenizer
        readable = tokenizer.model_max_length - 2  # the start and end markers take two places
        warnings = []
        prompt = palette_prompt(params.prompt, params.colors, params.background)
        for label, text in (("prompt", prompt), ("negative prompt", params.negative_prompt)):
            encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
            if len(encoded.input_ids) > readable:
                dropped = text[encoded.offset_mapping[readable][0] :].strip()
                warnings.append(
                    f"The {label} is longer than the {readable} tokens the model reads; "
                    f"this end is ignored: “{dropped}”"
                )
        return warnings

    def generate(
        self,
        params: GenerationParams,
        *,
        image: Image.Image | None = None,
        mask: Image.Image | None = None,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[GeneratedImage]:
        """Yield the images of ``params``' batch one at a time, each with its own parameters.

        Inpainting needs ``image`` and ``mask`` (white = repaint) of the request's size; pixels
        outside the feathered mask come back exactly as they were. Image-to-image (variations,
        upscaling) needs ``image``; it is resized to the request's size first. Setting ``cancel``
        stops the job within one step, without decoding, by raising GenerationCancelled.

        The request is checked at the call (InvalidParameters, ModelNotAvailable), before the first
        image is asked for.
        """
        self._require_loaded()
        params = params.with_resolved_seed()
        if params.mode == INPAINT:
            image, mask = _check_inpaint_inputs(params, image, mask)
            if self.inpaint_model:  # the saved parameters name the model that made the pixels
                params = replace(params, model=self.inpaint_model)
        elif params.mode == IMG2IMG:
            if image is None:
                raise InvalidParameters("image", "A variation needs the image to start from.")
            image = image.convert("RGB").resize((params.width, params.height), Image.Resampling.LANCZOS)
        return self._images(params, image, mask, on_progress, cancel or threading.Event())

    def _images(self, params, image, mask, on_progress, cancel) -> Iterator[GeneratedImage]:
        for index in range(params.batch_count):
            if cancel.is_set():
                raise GenerationCancelled("Generation was cancelled.")
            one = params.for_image(index)
            result = self._generate_one(one, image, mask, (index, params.batch_count), on_progress, cancel)
            yield GeneratedImage(result, one, index)

    def _generate_one(self, params, image, mask, position, on_progress, cancel) -> Image.Image:
        import torch

        def on_step_end(pipe, step, timestep, tensors):
            if cancel.is_set():
                raise GenerationCancelled("Generation was cancelled.")
            if on_progress is not None:
                on_progress(Progress(*position, step + 1, pipe.num_timesteps, tensors["latents"]))
            return tensors

        arguments = dict(
            prompt=palette_prompt(params.prompt, params.colors, params.background),
            negative_prompt=params.negative_prompt,
            num_inference_steps=params.steps,
            guidance_scale=params.guidance,
            width=params.width,
            height=params.height,
            generator=torch.Generator("cpu").manual_seed(params.seed),
            callback_on_step_end=on_step_end,
        )
        keep_outside = None  # the mask outside which the original pixels are put back
        pipe = self.pipeline(params.mode)
        if pipe is self._img2img:
            arguments.update(image=image, strength=params.strength)
        elif pipe is self._inpaint:
            # Inpainting; or an inpainting-only model doing the other modes by repainting all of
            # a blank canvas (text-to-image) or of the image (image-to-image).
            size = (params.width, params.height)
            strength = params.strength
            if params.mode == TXT2IMG:
                image, strength = Image.new("RGB", size, "white"), 1.0
            if params.mode != INPAINT:
                mask = Image.new("L", size, 255)
            feathered = (
                pipe.mask_processor.blur(mask, params.mask_blur)
                if params.mode == INPAINT and params.mask_blur
                else mask
            )
            only_masked = params.mode == INPAINT and params.inpaint_only_masked
            arguments.update(
                image=image,
                mask_image=feathered,
                strength=strength,
                padding_mask_crop=params.inpaint_padding if only_masked else None,
            )
            keep_outside = feathered
        # From the model's own config, never the last job's: overrides such as trailing timestep
        # spacing must not leak into the next sampler.
        pipe.scheduler = _make_scheduler(params.scheduler, self._scheduler_config)
        with _translate_oom(self.device):
            result = pipe(**arguments).images[0]
        if keep_outside is None:
            return result
        if result.size != image.size:
            result = result.resize(image.size, Image.Resampling.LANCZOS)
        # The VAE round trip alters every pixel; put the original back outside the mask.
        return Image.composite(result, image, keep_outside)

    def _require_loaded(self) -> None:
        if not self.loaded:
            raise ModelNotAvailable("No model is loaded yet. Choose a model first.")


def _check_inpaint_inputs(params, image, mask) -> tuple[Image.Image, Image.Image]:
    if image is None:
        raise InvalidParameters("image", "Inpainting needs an image: open one or pick a gallery item.")
    if mask is None:
        raise InvalidParameters("mask", "Inpainting needs a mask: paint over the part to regenerate.")
    if image.size != (params.width, params.height):
        raise InvalidParameters(
            "image",
            f"The image is {image.width}×{image.height} but the request is {params.width}×{params.height}.",
        )
    if mask.size != image.size:
        raise InvalidParameters(
            "mask", f"The mask is {mask.width}×{mask.height} but the image is {image.width}×{image.height}."
        )
    mask = mask.convert("L")
    if mask.getextrema()[1] == 0:
        raise InvalidParameters("mask", "The mask is empty: paint over the part of the image to regenerate.")
    return image.convert("RGB"), mask


def _make_scheduler(name: str, config):
    import diffusers

    class_name, overrides = SCHEDULERS[name]
    return getattr(diffusers, class_name).from_config(config, **overrides)


def _is_oom(error: BaseException) -> bool:
    import torch

    return isinstance(error, torch.OutOfMemoryError) or "out of memory" in str(error).lower()


class _translate_oom:
    """Turn the device's out-of-memory errors into OutOfMemory with advice, freeing the cache."""

    def __init__(self, device: DeviceChoice | None = None) -> None:
        self.device = device

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None or isinstance(error, (GenerationCancelled,)) or not _is_oom(error):
            return False
        if self.device is not None:
            _empty_device_cache(self.device)
        raise OutOfMemory(
            "The device ran out of memory. Try a smaller size or batch, or turn on the memory savers "
            "(attention slicing, VAE tiling, and CPU offload on NVIDIA GPUs)."
        ) from error


def _empty_device_cache(device: DeviceChoice) -> None:
    import torch

    if device.device == "cuda":
        torch.cuda.empty_cache()
    elif device.device == "mps":
        torch.mps.empty_cache()


def import_pipeline_modules() -> None:
    """Import what loading a model needs (diffusers pipelines, CLIP), so a later load is faster."""
    _quiet_libraries()
    import diffusers.pipelines.stable_diffusion  # noqa: F401
    from diffusers import StableDiffusionInpaintPipeline, StableDiffusionPipeline  # noqa: F401
    from transformers import CLIPTextModel, CLIPTokenizer  # noqa: F401


def _quiet_libraries() -> None:
    """Progress bars and advice on stderr are for notebooks, not for an app's users."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.set_verbosity_error()
    diffusers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
