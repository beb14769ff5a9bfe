"""Icon sets: square PNGs for favicons, app stores and touch icons, plus a multi-size favicon.ico.

Every size is made once (:func:`icon_frames`) and the same images go into the PNGs and into
favicon.ico. With the traced SVG at hand, each size is rendered from the vector, crisp at every
size and never enlarged from a small bitmap. Without one the bitmap is resampled by area
averaging (bilinear when enlarging): every output pixel is a blend of input pixels, so there is
no ringing and flat areas keep their exact colour, which Lanczos does not do.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
from fontTools.misc.transform import Transform
from PIL import Image, ImageFilter

from desktop.logo.raster import render_svg

ICON_SIZES = (16, 32, 48, 64, 128, 180, 192, 256, 512, 1024)
FAVICON_SIZES = (16, 32, 48)
SHARPEN_UP_TO = 48  # px: resampled icons this small are lightly sharpened


def square(image: Image.Image, background: str = "") -> Image.Image:
    """``image`` centred on a square RGBA canvas (transparent unless ``background``)."""
    side = max(image.size)
    canvas = Image.new("RGBA", (side, side), background or (0, 0, 0, 0))
    canvas.alpha_composite(image.convert("RGBA"), ((side - image.width) // 2, (side - image.height) // 2))
    return canvas


def icon(image: Image.Image, size: int) -> Image.Image:
    """A ``size`` px icon resampled from the square ``image`` without overshoot: area
    averaging to shrink, bilinear to enlarge; at favicon sizes, lightly sharpened, each pixel
    kept within the range of its neighbours so the sharpening adds no new colours."""
    current = image.convert("RGBA")
    while current.width >= size * 4:
        current = current.reduce(2)
    resample = Image.Resampling.BOX if current.width >= size else Image.Resampling.BILINEAR
    result = current.resize((size, size), resample)
    if size <= SHARPEN_UP_TO:
        result = _sharpen_within_neighbours(result)
    return result


def _sharpen_within_neighbours(image: Image.Image) -> Image.Image:
    sharpened = np.asarray(image.filter(ImageFilter.UnsharpMask(radius=0.6, percent=70, threshold=0)))
    low = np.asarray(image.filter(ImageFilter.MinFilter(3)))
    high = np.asarray(image.filter(ImageFilter.MaxFilter(3)))
    return Image.fromarray(np.clip(sharpened, low, high).astype(np.uint8), "RGBA")


def vector_icon(svg: str, image_size: tuple[int, int], size: int, background: str = "") -> Image.Image:
    """A ``size`` px icon rendered from ``svg``, the trace of an image of ``image_size``,
    centred as :func:`square` centres the image (on ``background``, or transparent)."""
    width, height = image_size
    side = max(width, height)
    scale = size / side
    transform = Transform().scale(scale).translate((side - width) // 2, (side - height) // 2)
    return render_svg(svg, (size, size), transform, background)


def icon_frames(
    image: Image.Image, background: str = "", svg: str = "", sizes: tuple[int, ...] = ICON_SIZES
) -> dict[int, Image.Image]:
    """Every icon size of ``image`` (RGBA, square), from ``svg`` (its trace) when given."""
    if svg:
        return {size: vector_icon(svg, image.size, size, background) for size in sizes}
    base = square(image, background)
    return {size: icon(base, size) for size in sizes}


def save_favicon(frames: dict[int, Image.Image], handle: BinaryIO, sizes: tuple[int, ...] = FAVICON_SIZES) -> None:
    """Write favicon.ico holding exactly ``frames`` at ``sizes`` (Pillow would otherwise
    shrink one image itself, with Lanczos)."""
    chosen = [frames[size] for size in sorted(sizes)]
    # Pillow writes no frame larger than the image it is called on: call it on the largest.
    chosen[-1].save(handle, format="ICO", sizes=[image.size for image in chosen], append_images=chosen[:-1])


def icon_files(folder: Path) -> list[Path]:
    """The files an icon set in ``folder`` consists of (without the SVG)."""
    return [folder / f"icon-{size}.png" for size in ICON_SIZES] + [folder / "favicon.ico"]
