"""Palette lock: snap every pixel to the nearest brand colour, without dithering."""

from __future__ import annotations

from PIL import Image, ImageFilter

from desktop.errors import InvalidParameters
from desktop.palette import hex_to_rgb


def lock_to_palette(image: Image.Image, colors: list[str] | tuple[str, ...]) -> Image.Image:
    """``image`` with only ``colors`` (``#rrggbb``, at least two: brand colours and background).

    Uses Pillow's quantize to a fixed palette with no dithering, then a 3x3 mode filter that
    removes the isolated pixels anti-aliasing leaves behind, so edges are clean. The alpha
    channel, if any, is kept.
    """
    unique = list(dict.fromkeys(c.lower() for c in colors))
    if len(unique) < 2:
        raise InvalidParameters(
            "palette", "Palette lock needs at least two colours, e.g. a brand colour and the background colour."
        )
    palette_image = Image.new("P", (1, 1))
    flat = [channel for color in unique for channel in hex_to_rgb(color)]
    # Pad with the first colour: quantize considers all 256 entries.
    palette_image.putpalette(flat + flat[:3] * (256 - len(unique)))
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    locked = image.convert("RGB").quantize(palette=palette_image, dither=Image.Dither.NONE)
    locked = locked.filter(ImageFilter.ModeFilter(3)).convert("RGB")
    if alpha is not None:
        locked.putalpha(alpha)
    return locked
