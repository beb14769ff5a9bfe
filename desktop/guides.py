"""Guides: the shape a logo should follow, made from what the user drew or opened, as the control
image a ControlNet reads (white lines on black, at the job's size). Plain Python: Pillow, numpy
and OpenCV (the filters ControlNet's own annotators use); no Qt, no torch.

- *sketch*: lines drawn dark on a light ground (the sketch layer, or a scan of a drawing); scribble
  ControlNets were trained on white lines on black, so the drawing is inverted.
- *edges*: Canny edges of an opened picture (an existing logo, a letterform); ``detail`` from 0 (the
  strongest outlines only) to 1 (every faint edge).
- *lineart*: a photo of a paper sketch: blurred, then an adaptive threshold keeps the pen lines and
  drops the paper's shading and shadows; small specks are removed.

A guide of another shape than the job is scaled to fit, its aspect kept, centred on black (no
lines), and the note says so.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from desktop.errors import InvalidParameters

SKETCH = "sketch"
EDGES = "edges"
LINEART = "lineart"
GUIDE_KINDS = (SKETCH, EDGES, LINEART)
GUIDE_LABELS = {SKETCH: "Sketch", EDGES: "Edges of a picture", LINEART: "Line art from a photo"}
# Per kind: (strength, follow until): a sketch is rough, so it guides the layout and lets the model
# draw the details; edges and line art are exact outlines worth following further.
DEFAULTS = {SKETCH: (0.8, 0.7), EDGES: (0.9, 0.9), LINEART: (0.85, 0.8)}
MIN_INK = 0.0005  # a guide with less than this share of line pixels has nothing to follow


def _gray(picture: Image.Image) -> np.ndarray:
    """``picture`` as 8-bit grey, transparent areas taken as white paper."""
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        paper = Image.new("RGB", picture.size, "white")
        paper.paste(picture.convert("RGBA"), mask=picture.convert("RGBA").getchannel("A"))
        picture = paper
    return np.asarray(picture.convert("L"))


def sketch_lines(picture: Image.Image) -> np.ndarray:
    """Dark strokes on a light ground -> white lines on black (anti-aliasing kept as grey)."""
    return 255 - _gray(picture)


def edge_lines(picture: Image.Image, detail: float) -> np.ndarray:
    """Canny edges (white on black); more ``detail`` lowers the thresholds."""
    import cv2

    detail = min(max(float(detail), 0.0), 1.0)
    high = int(round(250 - 200 * detail))  # 250 (outlines only) .. 50 (faint edges too)
    blurred = cv2.GaussianBlur(_gray(picture), (3, 3), 0)
    return cv2.Canny(blurred, high // 2, high)


def photo_lines(picture: Image.Image) -> np.ndarray:
    """Pen lines of a photographed paper sketch (white on black), without the paper's shading."""
    import cv2

    gray = _gray(picture)
    block = max(15, (min(gray.shape) // 24) | 1)  # about a stroke's surroundings, odd
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    lines = cv2.adaptiveThreshold(blurred, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
    return cv2.morphologyEx(lines, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


def control_image(
    picture: Image.Image, kind: str, size: tuple[int, int], detail: float = 0.5
) -> tuple[Image.Image, str]:
    """The control image of ``kind`` for a job of ``size`` (width, height), and a note ('' when the
    picture already had that size). InvalidParameters for an unknown kind or a guide with no lines."""
    if kind not in GUIDE_KINDS:
        raise InvalidParameters("guide", f"Unknown guide kind {kind!r}: use one of {', '.join(GUIDE_KINDS)}.")
    lines = (
        {SKETCH: sketch_lines, LINEART: photo_lines}[kind](picture) if kind != EDGES else edge_lines(picture, detail)
    )
    if (lines > 127).mean() < MIN_INK:
        empty = {
            SKETCH: "The sketch is empty: draw the shape first, or open a picture as the guide.",
            EDGES: "No edges were found in the guide picture: raise Detail, or open a picture with clear outlines.",
            LINEART: "No lines were found in the photo: use a darker pen or more light, or choose Sketch.",
        }
        raise InvalidParameters("guide", empty[kind])
    guide = Image.fromarray(lines.astype(np.uint8), "L").convert("RGB")
    if guide.size == tuple(size):
        return guide, ""
    width, height = size
    fitted_size = _fitted_size(guide.size, size)
    fitted = guide.resize(fitted_size, Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (width, height), "black")
    canvas.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    return canvas, fit_note(picture.size, size)


def _fitted_size(picture_size: tuple[int, int], size: tuple[int, int]) -> tuple[int, int]:
    scale = min(size[0] / picture_size[0], size[1] / picture_size[1])
    return max(1, round(picture_size[0] * scale)), max(1, round(picture_size[1] * scale))


def fit_note(picture_size: tuple[int, int], size: tuple[int, int]) -> str:
    """What fitting a guide of ``picture_size`` to a job of ``size`` does, in words ('' when the
    sizes are equal): the note ``control_image`` returns, for a job's warnings."""
    if tuple(picture_size) == tuple(size):
        return ""
    fitted = _fitted_size(picture_size, size)
    return (
        f"The guide is {picture_size[0]}×{picture_size[1]}; it was scaled to {fitted[0]}×{fitted[1]} "
        f"and centred on the {size[0]}×{size[1]} image (its shape kept)."
    )


def require_guide(picture: Image.Image | None) -> Image.Image:
    """The guide's picture, or InvalidParameters when a guided request comes without one."""
    if picture is None:
        raise InvalidParameters("guide", "This request follows a guide but has no guide picture: draw or open one.")
    return picture


def check_guide_family(family) -> None:
    """InvalidParameters for a model family (a ModelFamily) that guides do not work with: FLUX.1 has
    no ControlNet whose licence allows commercial logos, so none is offered."""
    if family.name == "flux":
        raise InvalidParameters(
            "guide",
            "FLUX.1 has no ControlNet whose licence allows logos for commercial use, so guides work with "
            "Stable Diffusion 1.5 and SDXL models. Choose one of those, or turn the guide off.",
        )
