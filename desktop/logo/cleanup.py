"""A logo cleaned up once, for logo files and the brand kit alike (no Qt): scaled to a working
size, analysed (:mod:`desktop.logo.analysis`), its colours matched to the brand palette,
optionally locked to them and keyed out of its background, plus the flat image the vector
trace is made from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from desktop.logo.analysis import ColorAnalysis, analyse, working_image
from desktop.logo.background import key_out
from desktop.logo.palette_lock import nearest_indices
from desktop.logo.vector import TRACE_SIDE
from desktop.palette import hex_to_rgb

MATCH = 64.0  # RGB distance: a colour found this close to a palette colour is that brand colour


@dataclass(frozen=True)
class CleanLogo:
    """``image``: the logo as it will be written (RGBA); ``flat``: the same with every visible
    pixel exactly one of its colours and alpha 0 or 255 (what the vector is traced from);
    ``colors``: the mark's colours as written (brand colours where they match); ``background``:
    the background as written ('' when transparent); ``found_background``: the one found in
    the image ('' when it is transparent); ``warnings``: what the user should know."""

    image: Image.Image
    flat: Image.Image
    colors: tuple[str, ...]
    background: str
    found_background: str
    analysis: ColorAnalysis
    warnings: tuple[str, ...]

    @property
    def opaque(self) -> bool:
        return self.image.getchannel("A").getextrema()[0] == 255


def match_palette(found: tuple[str, ...], palette: tuple[str, ...]) -> tuple[str, ...]:
    """Each found colour as the nearest ``palette`` colour within MATCH, else as it is."""
    if not palette:
        return found
    references = np.array([hex_to_rgb(color) for color in palette], dtype=float)
    matched = []
    for color in found:
        distance = np.linalg.norm(references - np.array(hex_to_rgb(color), dtype=float), axis=1)
        matched.append(palette[int(distance.argmin())] if distance.min() <= MATCH else color)
    return tuple(matched)


def clean_logo(
    image: Image.Image,
    *,
    palette: tuple[str, ...] = (),
    background: str = "",
    lock: bool = False,
    transparent: bool = False,
    clear_holes: bool = False,
) -> CleanLogo:
    """Clean ``image`` up (see the module's docstring).

    ``palette``: brand colours the found colours are matched to when ``lock`` is on (else the
    logo keeps its own exact colours); ``background``: the background colour, else found;
    ``transparent``: key it out (holes inside the mark stay unless ``clear_holes``).
    InvalidParameters when there is no logo to find, or no background to key out.
    """
    working, notes = working_image(image)
    analysis = analyse(working, background)
    pixels = np.array(working)
    found = analysis.colors
    matched = match_palette(found, palette) if lock else found
    found_background = analysis.background
    keyed = None
    if transparent and not analysis.transparent:
        found_background = analysis.require_background()
        keyed = key_out(pixels, found_background, found, clear_holes)
    written_background = ""
    if found_background:
        written_background = (match_palette((found_background,), palette) if lock else (found_background,))[0]
    sources = found + ((found_background,) if found_background else ())
    targets = np.array([hex_to_rgb(c) for c in matched + ((written_background,) if written_background else ())])
    colors = tuple(dict.fromkeys(matched))  # two shades of one brand colour are that colour once
    if lock:
        pixels[..., :3] = targets[nearest_indices(pixels, sources)]
    if keyed is not None:
        pixels[..., 3] = keyed.alpha
        edge = keyed.edge
        pixels[edge, :3] = targets[keyed.edge_color[edge]]
        pixels[keyed.alpha == 0, :3] = 0
        written_background = ""
    flat = _flat(working, pixels[..., 3], sources, targets)
    warnings = list(notes) + analysis.warnings()
    if lock and palette:
        extra = [color.upper() for color in colors if color not in palette]
        if extra:
            warnings.append(
                f"{', '.join(extra)}: flat colour{'s' if len(extra) > 1 else ''} of the logo not in the palette, "
                "kept as found."
            )
    return CleanLogo(
        image=Image.fromarray(pixels, "RGBA"),
        flat=flat,
        colors=colors,
        background=written_background,
        found_background=found_background,
        analysis=analysis,
        warnings=tuple(warnings),
    )


def _flat(working: Image.Image, alpha: np.ndarray, sources: tuple[str, ...], targets: np.ndarray) -> Image.Image:
    """The image the vector is traced from, TRACE_SIDE px on its longer side: the original
    enlarged smoothly (or reduced by area) and then snapped to its colours, so edges fall where
    the anti-aliasing says they are, to a fraction of a pixel; alpha 0 or 255 from ``alpha``."""
    scale = TRACE_SIDE / max(working.size)
    size = (max(1, round(working.width * scale)), max(1, round(working.height * scale)))
    resample = Image.Resampling.BICUBIC if scale > 1 else Image.Resampling.BOX
    rgb = np.asarray(working.convert("RGB").resize(size, resample))
    mask = Image.fromarray(alpha).resize(size, Image.Resampling.BILINEAR if scale > 1 else Image.Resampling.BOX)
    visible = np.where(np.asarray(mask) >= 128, 255, 0).astype(np.uint8)
    return Image.fromarray(np.dstack([targets[nearest_indices(rgb, sources)].astype(np.uint8), visible]), "RGBA")
