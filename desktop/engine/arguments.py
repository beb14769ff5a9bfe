"""What a diffusers pipeline is called with for one image of a request: the prompt with its colours,
steps, guidance, size, seed and the family's own options; and for inpainting (or an inpainting-only
model doing the other modes) the image, the feathered mask and the strength."""

from __future__ import annotations

from PIL import Image

from desktop.inputs import feather_mask
from desktop.palette import palette_prompt
from desktop.params import INPAINT, TXT2IMG, GenerationParams


def call_arguments(params: GenerationParams, family, on_step_end) -> dict:
    """The arguments every pipeline of ``family`` (a ModelFamily) takes for ``params``' image."""
    import torch

    arguments = dict(
        prompt=palette_prompt(params.prompt, params.colors, params.background),
        num_inference_steps=params.steps,
        guidance_scale=params.guidance,
        width=params.width,
        height=params.height,
        generator=torch.Generator("cpu").manual_seed(params.seed),
        callback_on_step_end=on_step_end,
    )
    if family.supports_negative_prompt:
        arguments["negative_prompt"] = params.negative_prompt or None  # None: the family's own default
    if family.max_sequence_length:
        arguments["max_sequence_length"] = family.max_sequence_length
    return arguments


def repaint_arguments(params: GenerationParams, image, mask) -> tuple[dict, Image.Image]:
    """An inpainting pipeline's own arguments, and the mask outside which the original pixels are
    put back: inpainting ``image`` under ``mask``, or an inpainting-only model repainting all of a
    blank canvas (text-to-image) or of ``image`` (image-to-image)."""
    size, strength = (params.width, params.height), params.strength
    if params.mode == TXT2IMG:
        image, strength = Image.new("RGB", size, "white"), 1.0
    if params.mode != INPAINT:
        mask = Image.new("L", size, 255)
    feathered = feather_mask(mask, params.mask_blur) if params.mode == INPAINT else mask
    only_masked = params.mode == INPAINT and params.inpaint_only_masked
    arguments = dict(
        image=image,
        mask_image=feathered,
        strength=strength,
        padding_mask_crop=params.inpaint_padding if only_masked else None,
    )
    return arguments, feathered
