"""A cheap live preview straight from the latents, with no extra weights.

Latents map almost linearly to RGB; the factors per family are the widely used approximations (as in
ComfyUI's latent formats). One tiny matrix product per step, at latent resolution. FLUX.1 keeps its
latents "packed" (each 2×2 patch of 16 channels as one 64-value token); they are unpacked first.
"""

from __future__ import annotations

import math

from PIL import Image

from desktop.models.families import SD15_LATENTS, LatentFormat


def unpack(latents, aspect: tuple[int, int]):
    """FLUX's packed latents (batch, tokens, channels × 4) as (batch, channels, height, width).

    The tokens are the image's 2×2 latent patches row by row; ``aspect`` (the image's width and
    height) gives the grid's shape."""
    batch, tokens, packed_channels = latents.shape
    width, height = aspect
    rows = max(1, round(math.sqrt(tokens * height / max(width, 1))))
    while tokens % rows:
        rows -= 1
    columns = tokens // rows
    grid = latents.reshape(batch, rows, columns, packed_channels // 4, 2, 2)
    return grid.permute(0, 3, 1, 4, 2, 5).reshape(batch, packed_channels // 4, rows * 2, columns * 2)


def latents_to_preview(latents, latent_format: LatentFormat = SD15_LATENTS, aspect: tuple[int, int] = (1, 1)):
    """An RGB image approximating the first image in ``latents`` (one pixel per latent cell: 1/8 of
    the output size for full-size models). Latents whose channel count the format does not describe
    (tiny test models) are shown as grey levels of their mean."""
    import torch

    if latents.ndim == 3:
        latents = unpack(latents, aspect)
    first = latents[0].detach().float()
    if first.shape[0] == len(latent_format.rgb_factors):
        factors = torch.tensor(latent_format.rgb_factors, dtype=first.dtype, device=first.device)
        bias = torch.tensor(latent_format.rgb_bias, dtype=first.dtype, device=first.device)
        rgb = torch.einsum("chw,cr->hwr", first, factors) + bias
    else:
        mean = first.mean(dim=0)
        rgb = (mean / (mean.abs().max() + 1e-6)).unsqueeze(-1).expand(*mean.shape, 3)
    pixels = ((rgb + 1.0) * 127.5).clamp(0, 255).to(torch.uint8).cpu().numpy()
    return Image.fromarray(pixels, "RGB")
