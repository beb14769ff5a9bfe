"""Checks and preparation of a job's inputs that every engine makes alike (this computer's and a
ComfyUI server's): sizes the model family accepts, the inpainting image and mask, the mask's
feathering and the region "only masked" inpainting works on, and a negative prompt that the
family ignores. Plain Python (Pillow, numpy)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from desktop.errors import InvalidParameters


def check_inpaint_inputs(params, image, mask) -> tuple[Image.Image, Image.Image]:
    """The image (RGB) and mask (L) of an inpainting request, or InvalidParameters naming the problem."""
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


def check_size(params, family) -> None:
    """InvalidParameters when the request's sides are not multiples of what ``family`` needs
    (16 px for FLUX.1: its latents are packed in 2×2 patches)."""
    step = family.size_multiple
    for name in ("width", "height"):
        value = getattr(params, name)
        if value % step:
            raise InvalidParameters(
                name,
                f"{family.label} models need sides that are multiples of {step} px; the {name} is {value} "
                f"(try {max(step, value // step * step)}).",
            )


def feather_mask(mask: Image.Image, blur: int) -> Image.Image:
    """``mask`` softened by a Gaussian blur of radius ``blur`` px (diffusers' own mask blur, so both
    engines feather alike); outside the feathered mask the original pixels are kept exactly."""
    return mask.filter(ImageFilter.GaussianBlur(blur)) if blur else mask


def masked_region(mask: Image.Image, width: int, height: int, padding: int) -> tuple[int, int, int, int]:
    """The box (left, top, width, height) that "only masked" inpainting works on: the mask's
    bounding box grown by ``padding`` px, then widened or heightened to the request's aspect
    ``width``:``height`` and kept inside the image (as diffusers' ``padding_mask_crop`` does)."""
    pixels = np.asarray(mask.convert("L"))
    rows, columns = np.nonzero(pixels.any(axis=1))[0], np.nonzero(pixels.any(axis=0))[0]
    if not len(rows):
        return 0, 0, mask.width, mask.height
    left, right = max(int(columns[0]) - padding, 0), min(int(columns[-1]) + 1 + padding, mask.width)
    top, bottom = max(int(rows[0]) - padding, 0), min(int(rows[-1]) + 1 + padding, mask.height)
    if (right - left) / (bottom - top) > width / height:
        grow = int((right - left) * height / width - (bottom - top))
        top, bottom = _grow(top, bottom, grow, mask.height)
    else:
        grow = int((bottom - top) * width / height - (right - left))
        left, right = _grow(left, right, grow, mask.width)
    return left, top, right - left, bottom - top


def _grow(start: int, end: int, amount: int, limit: int) -> tuple[int, int]:
    """``start``..``end`` grown by ``amount`` (half on each side), shifted and clipped to 0..``limit``."""
    start, end = start - amount // 2, end + amount - amount // 2
    if end > limit:
        start, end = start - (end - limit), limit
    if start < 0:
        end, start = min(end - start, limit), 0
    return start, end


def negative_prompt_warning(family, params) -> str:
    """A warning when ``params`` has a negative prompt and ``family`` (a ModelFamily) takes none ('' otherwise)."""
    if family.supports_negative_prompt or not params.negative_prompt.strip():
        return ""
    return (
        f"{family.label} models have no negative prompt, so it is left out. "
        "Say what you want instead (e.g. “plain white background”)."
    )
