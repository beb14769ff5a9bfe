"""Brand colours in words a Stable Diffusion text encoder understands.

CLIP knows colour names, not hex codes, so each palette colour is named by its nearest entry in a
small table of common colour words, and the names are added to the prompt.
"""

from __future__ import annotations

# Names chosen from words common in image captions (what CLIP was trained on).
COLOR_WORDS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "charcoal grey": (54, 69, 79),
    "grey": (128, 128, 128),
    "silver": (192, 192, 192),
    "white": (255, 255, 255),
    "cream": (255, 253, 208),
    "beige": (225, 198, 153),
    "brown": (139, 69, 19),
    "maroon": (128, 0, 0),
    "red": (220, 20, 30),
    "coral": (255, 127, 80),
    "pink": (255, 150, 180),
    "magenta": (255, 0, 255),
    "purple": (128, 0, 128),
    "lavender": (181, 126, 220),
    "navy blue": (0, 0, 128),
    "dark blue": (0, 35, 75),
    "blue": (30, 80, 220),
    "sky blue": (135, 206, 235),
    "teal": (0, 128, 128),
    "turquoise": (64, 224, 208),
    "mint green": (152, 255, 152),
    "green": (34, 160, 34),
    "dark green": (0, 90, 30),
    "olive green": (128, 128, 0),
    "lime green": (150, 230, 20),
    "yellow": (255, 220, 0),
    "gold": (212, 175, 55),
    "orange": (255, 130, 0),
}


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` to an (r, g, b) tuple."""
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def color_word(color: str) -> str:
    """The nearest colour word for ``#rrggbb``, by the 'redmean' perceptual distance."""
    r, g, b = hex_to_rgb(color)

    def distance(reference: tuple[int, int, int]) -> float:
        mean_red = (r + reference[0]) / 2
        dr, dg, db = r - reference[0], g - reference[1], b - reference[2]
        return (2 + mean_red / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean_red) / 256) * db * db

    return min(COLOR_WORDS, key=lambda name: distance(COLOR_WORDS[name]))


def palette_prompt(prompt: str, colors: tuple[str, ...], background: str) -> str:
    """``prompt`` with the palette in words, e.g. ``"fox logo, orange and navy blue colors, on a plain
    white background"``. Returns ``prompt`` unchanged when there is no palette."""
    parts = [prompt.strip()]
    names = list(dict.fromkeys(color_word(color) for color in colors))
    if names:
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"{listed} colors")
    if background:
        parts.append(f"on a plain {color_word(background)} background")
    return ", ".join(parts)
