"""Preparing an opened picture for the canvas: a size the model accepts, RGB, flat background."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from desktop.errors import InvalidParameters
from desktop.params import SIZE_RANGE


def fit_for_generation(image: Image.Image) -> tuple[Image.Image, str]:
    """Return ``image`` as RGB with sides that are multiples of 8 within the model's range.

    Transparent areas are flattened onto white. Large images are scaled down, tiny ones up, and
    up to 7 px are trimmed from the right/bottom edge. The second value says what changed ("" if
    nothing), so the user can be told.
    """
    low, high = SIZE_RANGE
    original = image.size
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    scale = min(1.0, high / max(image.size))
    scale = max(scale, low / min(image.size))
    if scale != 1.0:
        size = (max(low, round(image.width * scale)), max(low, round(image.height * scale)))
        image = image.resize((min(size[0], high), min(size[1], high)), Image.Resampling.LANCZOS)
    width, height = image.width // 8 * 8, image.height // 8 * 8
    if (width, height) != image.size:
        image = image.crop((0, 0, width, height))
    note = "" if image.size == original else f"Resized from {original[0]}×{original[1]} to {width}×{height}."
    return image, note


def open_image(path: Path | str, field: str = "image") -> Image.Image:
    """Open and fully read an untrusted picture file.

    Raises InvalidParameters (naming ``field``) with a plain message for a missing file, a file
    that is not a readable image (or is truncated), and an image too large to open safely.
    """
    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            return image
    except FileNotFoundError:
        raise InvalidParameters(field, f"No such file: {path}") from None
    except Image.DecompressionBombError:
        raise InvalidParameters(
            field, f"{path.name} is too large to open safely (over {Image.MAX_IMAGE_PIXELS * 2:,} pixels)."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise InvalidParameters(field, f"{path.name} is not a readable image ({error}).") from None
