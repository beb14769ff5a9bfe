"""Business card sizes for the brand kit's print folder (plain data, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

BLEED_MM = 3.0  # colour runs this far past the cut on every side
MARKS_MM = 6.0  # room outside the bleed for the crop marks (a 2 mm gap and 4 mm long lines)


@dataclass(frozen=True)
class CardSize:
    """A card's trimmed size in millimetres and how it is named."""

    label: str
    width_mm: float
    height_mm: float


CARDS = {
    "business-card-85x55mm.pdf": CardSize("85 × 55 mm", 85.0, 55.0),
    "business-card-3.5x2in.pdf": CardSize("3.5 × 2 in", 88.9, 50.8),
}
