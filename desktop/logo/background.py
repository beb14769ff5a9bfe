"""Transparent background without a model: find the flat background, then colour-to-alpha.

Colour-to-alpha (as in GIMP) makes the background colour fully transparent and everything else
as opaque as it needs to be to look the same over that colour, so anti-aliased edges keep soft
partial alpha instead of a halo.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from desktop.errors import InvalidParameters
from desktop.palette import hex_to_rgb

FLAT_SHARE = 0.75  # share of border pixels that must be near the background colour
FLAT_DISTANCE = 24  # how far (0-255, max over channels) a border pixel may be from it
NOISE = 0.06  # alpha below this is treated as background noise (generated flats are not perfect)
# Pure colour-to-alpha leaves any colour that is not "far" from the background partly
# transparent (a red on white keeps only ~87% alpha): a washed-out logo on dark backdrops. As
# GIMP's "opacity threshold" does, pixels this far from the background are fully opaque.
OPAQUE = 0.6


def detect_background(image: Image.Image) -> str:
    """The background colour as ``#rrggbb``, from the image's border.

    Raises InvalidParameters when the border is not mostly one flat colour.
    """
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    candidate = np.median(border, axis=0)
    near = np.abs(border - candidate).max(axis=1) <= FLAT_DISTANCE
    if near.mean() < FLAT_SHARE:
        raise InvalidParameters(
            "background",
            f"No flat background found: only {near.mean():.0%} of the border is one colour. Generate on a plain "
            "background (add a background colour to the palette) or pick the background colour yourself.",
        )
    r, g, b = (int(round(v)) for v in np.median(border[near], axis=0))
    return f"#{r:02x}{g:02x}{b:02x}"


def remove_background(image: Image.Image, background: str | None = None) -> Image.Image:
    """An RGBA copy of ``image`` with ``background`` (detected when None) turned transparent."""
    color = np.array(hex_to_rgb(background or detect_background(image)), dtype=np.float64) / 255
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64) / 255
    # Per channel: how far the pixel is from the background, relative to how far it could be.
    above = np.where(rgb > color, (rgb - color) / np.maximum(1 - color, 1e-6), 0)
    below = np.where(rgb < color, (color - rgb) / np.maximum(color, 1e-6), 0)
    alpha = np.maximum(above, below).max(axis=2)
    alpha = np.clip((alpha - NOISE) / (OPAQUE - NOISE), 0, 1)
    safe = np.where(alpha > 0, alpha, 1)[..., None]
    # The colour that, blended over the background at this alpha, gives the original pixel.
    foreground = np.clip((rgb - color) / safe + color, 0, 1)
    out = np.dstack([foreground, alpha]) * 255
    return Image.fromarray(np.round(out).astype(np.uint8), "RGBA")


def checkerboard(size: tuple[int, int], cell: int = 12) -> Image.Image:
    """A light grey checkerboard, the usual backdrop for showing transparency."""
    y, x = np.indices((size[1], size[0]))
    tiles = ((x // cell + y // cell) % 2).astype(np.uint8)
    return Image.fromarray(np.where(tiles[..., None], 204, 255).repeat(3, axis=2).astype(np.uint8), "RGB")


def on_backdrop(image: Image.Image, backdrop: str) -> Image.Image:
    """``image`` (RGBA) shown over 'checkerboard', 'light' (white) or 'dark' (near black)."""
    base = {
        "checkerboard": lambda: checkerboard(image.size),
        "light": lambda: Image.new("RGB", image.size, "#ffffff"),
        "dark": lambda: Image.new("RGB", image.size, "#1e1e1e"),
    }[backdrop]().convert("RGBA")
    return Image.alpha_composite(base, image.convert("RGBA")).convert("RGB")
