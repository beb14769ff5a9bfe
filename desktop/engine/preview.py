"""A cheap live preview straight from the latents, with no extra weights.

Latents map almost linearly to RGB; the factors per family are the widely used approximations (as in
ComfyUI's latent formats). One tiny matrix product per step, at latent resolution. FLUX.1 keeps its
latents "packed" (each 2×2 patch of 16 channels as one 64-value token); they are unpacked first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class LatentFormat:
    """How a family's latents look: channel -> RGB factors, an RGB bias, and whether they are packed."""

    rgb_factors: tuple[tuple[float, float, float], ...]
    rgb_bias: tuple[float, float, float] = (0.0, 0.0, 0.0)
    packed: bool = False


SD15_LATENTS = LatentFormat(
    (
        (0.3512, 0.2297, 0.3227),
        (0.3250, 0.4974, 0.2350),
        (-0.2829, 0.1762, 0.2721),
        (-0.2120, -0.2616, -0.7177),
    )
)
SDXL_LATENTS = LatentFormat(
    (
        (0.3651, 0.4232, 0.4341),
        (-0.2533, -0.0042, 0.1068),
        (0.1076, 0.1111, -0.0362),
        (-0.3165, -0.2492, -0.2188),
    ),
    (0.1084, -0.0175, -0.0011),
)
FLUX_LATENTS = LatentFormat(
    (
        (-0.0346, 0.0244, 0.0681),
        (0.0034, 0.0210, 0.0687),
        (0.0275, -0.0668, -0.0433),
        (-0.0174, 0.0160, 0.0617),
        (0.0859, 0.0721, 0.0329),
        (0.0004, 0.0383, 0.0115),
        (0.0405, 0.0861, 0.0915),
        (-0.0236, -0.0185, -0.0259),
        (-0.0245, 0.0250, 0.1180),
        (0.1008, 0.0755, -0.0421),
        (-0.0515, 0.0201, 0.0011),
        (0.0428, -0.0012, -0.0036),
        (0.0817, 0.0765, 0.0749),
        (-0.1264, -0.0522, -0.1103),
        (-0.0280, -0.0881, -0.0499),
        (-0.1262, -0.0982, -0.0778),
    ),
    (-0.0329, -0.0718, -0.0851),
    packed=True,
)


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
