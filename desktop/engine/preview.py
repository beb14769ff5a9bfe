"""A cheap live preview straight from the latents, with no extra weights.

SD 1.x latents map almost linearly to RGB; these factors are the widely used approximation
(as in ComfyUI's SD15 latent format). One tiny matrix product per step, at latent resolution.
"""

from __future__ import annotations

from PIL import Image

_SD15_LATENT_RGB = (
    (0.3512, 0.2297, 0.3227),
    (0.3250, 0.4974, 0.2350),
    (-0.2829, 0.1762, 0.2721),
    (-0.2120, -0.2616, -0.7177),
)


def latents_to_preview(latents) -> Image.Image:
    """An RGB image (1/8 of the output size) approximating the first image in ``latents``."""
    import torch

    first = latents[0, :4].detach().float()
    factors = torch.tensor(_SD15_LATENT_RGB, dtype=first.dtype, device=first.device)
    rgb = torch.einsum("chw,cr->hwr", first, factors)
    pixels = ((rgb + 1.0) * 127.5).clamp(0, 255).to(torch.uint8).cpu().numpy()
    return Image.fromarray(pixels, "RGB")
