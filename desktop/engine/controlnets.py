"""The ControlNet a guided job follows: loaded once and kept while jobs ask for the same one, and the
ControlNet pipelines of each mode built from the loaded pipeline's components with diffusers'
``AutoPipelineFor*.from_pipe(pipe, controlnet=...)`` (StableDiffusionControlNet*Pipeline and the
SDXL ones: text-to-image, image-to-image, inpainting), so the model's weights are not loaded twice.

Where a ControlNet's files are and which family it was made for is ``desktop.models.controlnets``
(no torch); the control image itself is made by ``desktop.guides``.
"""

from __future__ import annotations

from pathlib import Path

from desktop.errors import ModelLoadError, ModelNotAvailable
from desktop.models.controlnets import check_controlnet_family, locate_controlnet
from desktop.params import Guide


def guide_arguments(guide: Guide, control, text_to_image: bool) -> dict:
    """What a ControlNet pipeline is called with for ``guide``: the control image (``image`` for
    text-to-image, ``control_image`` where ``image`` is the picture to start from), its strength
    (``controlnet_conditioning_scale``) and the share of the steps it guides."""
    return {
        "image" if text_to_image else "control_image": control,
        "controlnet_conditioning_scale": float(guide.strength),
        "control_guidance_start": float(guide.start),
        "control_guidance_end": float(guide.end),
    }


class ControlNets:
    """One loaded ControlNet (the last one asked for) and the guided pipelines built around it.

    ``pipeline(base, kind, ...)`` answers the ControlNet pipeline of ``kind`` (txt2img, img2img or
    inpaint) sharing ``base``'s components; they are built on first use and kept until another
    ControlNet is asked for, the memory savers change, or the model is unloaded (``clear``)."""

    def __init__(self) -> None:
        self.ref = ""
        self.model = None
        self._location: Path | None = None
        self._pipelines: dict[tuple[int, str], object] = {}

    def clear(self, keep_model: bool = False) -> None:
        """Forget the guided pipelines (and the ControlNet itself unless ``keep_model``)."""
        self._pipelines = {}
        if not keep_model:
            self.ref, self.model, self._location = "", None, None

    def check(self, ref: str, family) -> Path:
        """Where ControlNet ``ref`` is, after checking it is on this computer and made for
        ``family``: ControlNetNotDownloaded, ModelNotAvailable or ModelLoadError otherwise. Reads
        only the files' headers, so a job is refused before it starts."""
        location = locate_controlnet(ref)
        check_controlnet_family(ref, location, family)
        return location

    def get(self, ref: str, family, device: str, dtype: str, savers, unet=None):
        """The ControlNetModel of ``ref`` on ``device`` in ``dtype``, loading it unless it is the
        one already loaded. ``unet`` (the model's) lets a ControlNet of another size be refused in
        words instead of failing inside the first step."""
        location = self.check(ref, family)
        if self.model is not None and self.ref == ref and self._location == location:
            return self.model
        self.clear()  # the previous ControlNet's memory goes before the next one loads
        model = _load(location, ref, dtype)
        if unet is not None:
            _check_fits(model, unet, ref)
        if not (savers.cpu_offload or savers.sequential_offload):
            model.to(device)
        self.ref, self.model, self._location = ref, model, location
        return model

    def pipeline(self, base, kind: str, controlnet, savers, device: str):
        """The ControlNet pipeline of ``kind`` made from ``base`` (the loaded pipeline of that mode)."""
        key = (id(base), kind)
        pipe = self._pipelines.get(key)
        if pipe is None or pipe.controlnet is not controlnet:
            import diffusers

            auto = {
                "txt2img": diffusers.AutoPipelineForText2Image,
                "img2img": diffusers.AutoPipelineForImage2Image,
                "inpaint": diffusers.AutoPipelineForInpainting,
            }[kind]
            try:
                pipe = auto.from_pipe(base, controlnet=controlnet)
            except ValueError as error:  # diffusers has no ControlNet pipeline for this one
                raise ModelLoadError(
                    f"Guides do not work with this model ({type(base).__name__}): {error}. Turn the guide off, "
                    "or choose a Stable Diffusion 1.5 or SDXL model."
                ) from error
            pipe.set_progress_bar_config(disable=True)  # from_pipe does not carry it over
            savers.apply(pipe, device)
            savers.offload(pipe)
            self._pipelines[key] = pipe
        return pipe


def _load(location: Path, ref: str, dtype: str):
    import torch
    from diffusers import ControlNetModel

    torch_dtype = getattr(torch, dtype)
    try:
        if location.is_dir():
            return ControlNetModel.from_pretrained(str(location), dtype=torch_dtype)
        return ControlNetModel.from_single_file(str(location), dtype=torch_dtype)
    except OSError as error:
        detail = str(error).lower()
        if not location.is_dir() and ("offline" in detail or "connect" in detail or "resolve" in detail):
            raise ModelNotAvailable(
                f"Loading the ControlNet file {location.name} needs its configuration from Hugging Face once, and it "
                "could not be fetched. Go online once, or use a ControlNet folder (config.json and "
                "diffusion_pytorch_model.safetensors)."
            ) from error
        raise ModelLoadError(f"Could not load the ControlNet {ref}: {error}") from error
    except Exception as error:
        if "out of memory" in str(error).lower():
            raise
        raise ModelLoadError(f"Could not load the ControlNet {ref}: {error}") from error


def _check_fits(controlnet, unet, ref: str) -> None:
    """ModelLoadError when the ControlNet's text and time inputs do not match the model's UNet."""
    ours, theirs = controlnet.config, unet.config
    for name in ("cross_attention_dim", "addition_embed_type", "projection_class_embeddings_input_dim"):
        if ours.get(name) != theirs.get(name):
            raise ModelLoadError(
                f"The ControlNet {ref} does not fit this model (its {name.replace('_', ' ')} is {ours.get(name)}, the "
                f"model's {theirs.get(name)}): it was made for another kind of model. Choose a ControlNet made for "
                "this model's family."
            )
