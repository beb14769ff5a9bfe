"""Exporting gallery items as PNG files, keeping their embedded parameters."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from desktop.errors import ExportConflict, ExportError
from desktop.files import atomic_save_png, os_error_message

MAX_NAME = 60


def default_export_name(prompt: str) -> str:
    """A file name from the prompt: lower-case words joined by dashes, safe on every OS."""
    words = re.findall(r"[a-z0-9]+", prompt.lower())
    name = ""
    for word in words:
        if len(name) + len(word) + 1 > MAX_NAME:
            break
        name = f"{name}-{word}" if name else word
    return f"{name or 'logo'}.png"


def export_png(source: Path, destination: Path, size: int | None = None, *, overwrite: bool = False) -> Path:
    """Write ``source`` to ``destination`` as PNG, scaled so its longer side is ``size`` if given.

    The PNG text chunks (generation parameters) are kept. An existing file is replaced only with
    ``overwrite=True``; the write is atomic, so a failed export never leaves half a file.
    """
    from PIL import PngImagePlugin

    destination = Path(destination)
    if destination.suffix.lower() != ".png":
        destination = destination.with_name(destination.name + ".png")
    if destination.exists() and not overwrite:
        raise ExportConflict(f"{destination.name} already exists in {destination.parent}; choose another name.")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(source) as image:
            image.load()
            info = PngImagePlugin.PngInfo()
            for key, value in image.text.items():
                info.add_itxt(key, value)
            if size and max(image.size) != size:
                scale = size / max(image.size)
                image = image.resize(
                    (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS
                )
            atomic_save_png(image, destination, pnginfo=info)
    except OSError as error:
        raise ExportError(os_error_message("export the image", destination.parent, error)) from error
    return destination
