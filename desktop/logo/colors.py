"""Brand colours as a printer or a web developer needs them: HEX, RGB, a CMYK approximation,
and WCAG 2 contrast, written as ``colors.json`` and ``colors.css`` (no Qt).

Contrast follows WCAG 2.x exactly: each sRGB channel is linearised (``c / 12.92`` up to 0.04045,
else ``((c + 0.055) / 1.055) ** 2.4``), relative luminance is ``0.2126 R + 0.7152 G +
0.0722 B``, and the ratio is ``(L1 + 0.05) / (L2 + 0.05)`` with L1 the lighter colour.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from desktop.errors import InvalidParameters
from desktop.palette import hex_to_rgb

AA_TEXT = 4.5  # WCAG AA, body text
AA_LARGE = 3.0  # WCAG AA, large text (18 pt, or 14 pt bold) and graphics
WHITE, BLACK = "#ffffff", "#000000"
CMYK_NOTE = (
    "CMYK values are a naive conversion from RGB without a colour profile (K = 1 - max(R, G, B)); "
    "ask your printer for a proof or a Pantone match before printing in quantity."
)
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def check_hex(color: str, field: str = "palette") -> str:
    """``color`` as ``#rrggbb`` in lower case; InvalidParameters unless it is written #RRGGBB."""
    text = color.strip()
    if not _HEX.match(text):
        raise InvalidParameters(field, f"{text!r} is not a colour written #RRGGBB.")
    return text.lower()


def linearize(channel: int) -> float:
    """One 0-255 sRGB channel as linear light (0-1), as WCAG 2 defines it."""
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``: 0 for black, 1 for white."""
    r, g, b = (linearize(channel) for channel in hex_to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def to_cmyk(color: str) -> tuple[int, int, int, int]:
    """A naive CMYK approximation of ``#rrggbb`` in whole percent (no colour profile)."""
    r, g, b = (channel / 255 for channel in hex_to_rgb(color))
    k = 1 - max(r, g, b)
    if k >= 1:
        return (0, 0, 0, 100)
    c, m, y = ((1 - value - k) / (1 - k) for value in (r, g, b))
    return tuple(round(value * 100) for value in (c, m, y, k))


def name_color(colors: tuple[str, ...], background: str) -> str:
    """The colour the brand name is set in on ``background``: the brand colour with the most
    contrast if it is readable as text (4.5:1), else black or white, whichever reads better.
    The one rule for the kit's wordmarks and ``logo-studio export --wordmark``."""
    readable = [color for color in colors if contrast_ratio(color, background) >= AA_TEXT]
    if readable:
        return max(readable, key=lambda color: contrast_ratio(color, background))
    return max((BLACK, WHITE), key=lambda color: contrast_ratio(color, background))


def text_color_on(background: str, candidates: tuple[str, ...] = ()) -> str:
    """The candidate (else black or white) with the highest contrast on ``background``."""
    return max((*candidates, BLACK, WHITE), key=lambda color: contrast_ratio(color, background))


@dataclass(frozen=True)
class BrandColor:
    """One colour of the brand: ``role`` says what it is for (Primary, Background, ...)."""

    role: str
    hex: str

    @property
    def rgb(self) -> tuple[int, int, int]:
        return hex_to_rgb(self.hex)

    @property
    def cmyk(self) -> tuple[int, int, int, int]:
        return to_cmyk(self.hex)

    @property
    def css_name(self) -> str:
        return "--brand-" + re.sub(r"[^a-z0-9]+", "-", self.role.lower()).strip("-")


def brand_colors(palette: tuple[str, ...], background: str) -> list[BrandColor]:
    """The brand's colours with their roles: Primary, Secondary, Accent N, then Background.
    Only colours of the brand: black or white used for one-colour logos are not brand colours."""
    roles = ["Primary", "Secondary"] + [f"Accent {n}" for n in range(1, 10)]
    colors = [BrandColor(role, color) for role, color in zip(roles, dict.fromkeys(palette), strict=False)]
    if background:
        colors.append(BrandColor("Background", background))
    return colors


def color_record(color: BrandColor, background: str) -> dict:
    """``color`` as a JSON-ready dict: codes, contrast on white and black, and on ``background``."""
    on_background = round(contrast_ratio(color.hex, background), 2)
    record = {
        "name": color.role,
        "hex": color.hex.upper(),
        "rgb": list(color.rgb),
        "cmyk": list(color.cmyk),
        "contrast": {
            "on_white": round(contrast_ratio(color.hex, WHITE), 2),
            "on_black": round(contrast_ratio(color.hex, BLACK), 2),
            "on_background": on_background,
        },
        "aa_text_on_background": on_background >= AA_TEXT,
        "aa_large_text_on_background": on_background >= AA_LARGE,
        "warning": None,
    }
    if color.hex != background:
        record["warning"] = contrast_warning(color.hex, background)
    return record


def contrast_warning(color: str, background: str) -> str | None:
    """A sentence when text in ``color`` on ``background`` fails WCAG AA, else None."""
    ratio = contrast_ratio(color, background)
    if ratio >= AA_TEXT:
        return None
    where = f"{color.upper()} text on the background {background.upper()}"
    if ratio >= AA_LARGE:
        return f"{where} is {ratio:.2f}:1: fails AA for body text (4.5:1); use it for large text or graphics only."
    return f"{where} is {ratio:.2f}:1: fails AA even for large text (3:1); do not set text in it on the background."


def colors_document(colors: list[BrandColor], background: str, brand: str, generation: str = "") -> dict:
    """The content of colors.json; ``generation`` is the image's parameters as JSON text, if any."""
    document = {
        "brand": brand,
        "background": background.upper(),
        "colors": [color_record(color, background) for color in colors],
        "notes": {
            "contrast": "WCAG 2 contrast ratio (L1 + 0.05) / (L2 + 0.05) from relative luminance of linearised "
            "sRGB. AA needs 4.5:1 for body text and 3:1 for large text.",
            "cmyk": CMYK_NOTE,
        },
    }
    if generation:
        document["generation"] = json.loads(generation)
    return document


def colors_json(colors: list[BrandColor], background: str, brand: str, generation: str = "") -> str:
    """colors.json as text (see :func:`colors_document`)."""
    return json.dumps(colors_document(colors, background, brand, generation), indent=2, ensure_ascii=False) + "\n"


def colors_css(colors: list[BrandColor], background: str, brand: str, text: str = "") -> str:
    """colors.css: one custom property per colour (HEX, and its RGB channels for ``rgb(... / a)``),
    with its contrast on the background in a comment; ``--brand-text`` is ``text`` (default: the
    colour with the most contrast on the background)."""
    lines = [
        f"/* {_comment(brand)} brand colours, from Logo Studio. Contrast is WCAG 2 on the background. */",
        ":root {",
    ]
    for color in colors:
        r, g, b = color.rgb
        ratio = contrast_ratio(color.hex, background)
        if color.role == "Background":
            note = "the background"
        elif ratio >= AA_TEXT:
            note = f"{ratio:.2f}:1 on the background, fine for text"
        elif ratio >= AA_LARGE:
            note = f"{ratio:.2f}:1 on the background, large text and graphics only"
        else:
            note = f"{ratio:.2f}:1 on the background, not for text"
        lines.append(f"  {color.css_name}: {color.hex.upper()}; /* {color.role}: {note} */")
        lines.append(f"  {color.css_name}-rgb: {r} {g} {b};")
    text = text or text_color_on(background, tuple(c.hex for c in colors))
    lines.append(f"  --brand-text: {text.upper()}; /* {contrast_ratio(text, background):.2f}:1 on the background */")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return text.replace("*/", "* /")
