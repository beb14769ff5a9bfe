"""Icon sets: square PNGs for favicons, app stores and touch icons, plus a multi-size favicon.ico."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageFilter

ICON_SIZES = (16, 32, 48, 64, 128, 180, 192, 256, 512, 1024)
FAVICON_SIZES = (16, 32, 48)


def square(image: Image.Image, background: str = "") -> Image.Image:
    """``image`` centred on a square RGBA canvas (transparent unless ``background``)."""
    side = max(image.size)
    canvas = Image.new("RGBA", (side, side), background or (0, 0, 0, 0))
    canvas.alpha_composite(image.convert("RGBA"), ((side - image.width) // 2, (side - image.height) // 2))
    return canvas


def icon(image: Image.Image, size: int) -> Image.Image:
    """A ``size`` px icon: halved with box filtering, finished with Lanczos, and lightly
    sharpened at favicon sizes, where plain resizing leaves a blur."""
    current = image
    while current.width >= size * 4:
        current = current.reduce(2)
    result = current.resize((size, size), Image.Resampling.LANCZOS)
    if size <= 48:
        result = result.filter(ImageFilter.UnsharpMask(radius=0.6, percent=70, threshold=0))
    return result


def icon_files(folder: Path) -> list[Path]:
    """The files an icon set in ``folder`` consists of (without the SVG)."""
    return [folder / f"icon-{size}.png" for size in ICON_SIZES] + [folder / "favicon.ico"]
