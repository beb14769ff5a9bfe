"""Tiny autoencoders (TAESD: diffusers' ``AutoencoderTiny``; ``madebyollin/taesd`` for Stable
Diffusion 1.5, ``taesdxl`` for SDXL, ``taef1`` for FLUX.1, MIT, about 10 MB each).

They decode latents into a real small picture in a fraction of a step: the live preview of every
step, and in Fast mode the final decode of a draft (a full SD VAE decode at 512 px costs about as
much as four few-step steps on a CPU). They read the latents as the denoiser sees them, scaled and,
for FLUX.1, normalised, so a preview needs no scaling. Loaded from the Hugging Face cache only;
``desktop.models.downloads`` fetches them after the user agreed. No torch import at module level.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PIL import Image

from desktop.engine.preview import unpack
from desktop.models.assets import AssetNotDownloaded, cached_tiny_vae, tiny_vae_id

PREVIEW_CELLS = 32  # latent cells per side at most (256 px): ~0.17 s on 2 CPU cores, a few % of a step


class TinyVaes:
    """The tiny autoencoders of each family, loaded on first use from the cache and kept."""

    def __init__(self, device: str = "cpu", dtype: str = "float32") -> None:
        self.device, self.dtype = device, dtype
        self._loaded: dict[str, object] = {}

    def loaded(self, family: str) -> bool:
        """True when ``family``'s tiny autoencoder is loaded."""
        return family in self._loaded

    def available(self, family: str) -> bool:
        """True when ``family``'s tiny autoencoder is loaded or in the Hugging Face cache."""
        repo = tiny_vae_id(family)
        return family in self._loaded or bool(repo and cached_tiny_vae(repo))

    def get(self, family: str):
        """``family``'s AutoencoderTiny, or None when it is not on this computer."""
        if family in self._loaded:
            return self._loaded[family]
        repo = tiny_vae_id(family)
        folder = cached_tiny_vae(repo) if repo else None
        if folder is None:
            return None
        import torch
        from diffusers import AutoencoderTiny

        vae = AutoencoderTiny.from_pretrained(str(folder), dtype=getattr(torch, self.dtype)).to(self.device).eval()
        self._loaded[family] = vae
        return vae

    def require(self, family: str):
        """``family``'s AutoencoderTiny; AssetNotDownloaded naming the repo when it is not here."""
        vae = self.get(family)
        if vae is None:
            raise AssetNotDownloaded.for_fast(tiny_vae_id(family) or f"(none for {family})")
        return vae


def preview_decoder(vae) -> Callable[[object, tuple[int, int]], Image.Image]:
    """A function (latents, image size) -> a small RGB picture of the first image, decoded by
    ``vae`` from the latents shrunk to at most PREVIEW_CELLS per side."""

    def decode(latents, size: tuple[int, int]) -> Image.Image:
        import torch

        with torch.inference_mode():
            if latents.ndim == 3:  # FLUX.1 packs its latents into 2x2 patches
                latents = unpack(latents, size)
            first = latents[:1].to(device=vae.device, dtype=vae.dtype)
            height, width = first.shape[-2:]
            scale = PREVIEW_CELLS / max(height, width)
            if scale < 1:
                target = (max(1, round(height * scale)), max(1, round(width * scale)))
                first = torch.nn.functional.interpolate(first, size=target, mode="area")
            pixels = vae.decode(first).sample[0]
            pixels = ((pixels.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        return Image.fromarray(pixels.permute(1, 2, 0).cpu().numpy(), "RGB")

    return decode


@contextlib.contextmanager
def decoding_with(pipe, vae):
    """Within the block, ``pipe`` encodes and decodes with ``vae`` (a tiny autoencoder), as
    diffusers documents for TAESD (``pipe.vae = AutoencoderTiny...``); its own comes back after."""
    if vae is None:
        yield pipe
        return
    own = pipe.vae
    pipe.vae = vae
    try:
        yield pipe
    finally:
        pipe.vae = own
