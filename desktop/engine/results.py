"""What the engine reports of each step: its progress and its preview."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from desktop.engine.preview import SD15_LATENTS, LatentFormat, latents_to_preview


@dataclass(frozen=True)
class Progress:
    """One denoising step of one image of a batch. ``latent_format`` and ``size`` (the image's
    width and height) tell ``preview`` how to read the latents of the family that made them;
    ``decoder`` is the family's tiny autoencoder as a function (latents, size) -> image, None
    when it is not on this computer."""

    image_index: int
    image_count: int
    step: int
    total: int
    latents: object
    latent_format: LatentFormat = SD15_LATENTS
    size: tuple[int, int] = (1, 1)
    decoder: Callable[[object, tuple[int, int]], Image.Image] | None = None
    status: str = ""  # words for the window while there is no step to show (not used on this computer)

    def preview(self) -> Image.Image:
        """The image so far: with the family's tiny autoencoder (TAESD) a real small picture (up to
        256 px, a few percent of a step on a CPU), else a rough one, one pixel per latent cell, from
        one tiny matmul."""
        if self.decoder is not None:
            return self.decoder(self.latents, self.size)
        return latents_to_preview(self.latents, self.latent_format, self.size)
