"""Draw the app icon: desktop/resources/icons/logo-studio.png (512 px), the source of every other
icon format (the build script makes .ico and .icns from it).

Run with: .venv/bin/python packaging/make_icon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 512
SCALE = 4  # drawn at 4x and scaled down, for smooth edges
OUT = Path(__file__).resolve().parent.parent / "desktop" / "resources" / "icons" / "logo-studio.png"

TOP, BOTTOM = (79, 70, 229), (147, 51, 234)  # indigo to violet
SWATCHES = [(245, 158, 11), (16, 185, 129), (244, 63, 94)]  # amber, emerald, rose: brand colours


def draw() -> Image.Image:
    big = SIZE * SCALE
    gradient = Image.new("RGB", (1, big))
    for y in range(big):
        t = y / (big - 1)
        gradient.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True)))
    gradient = gradient.resize((big, big))

    margin, radius = big * 0.06, big * 0.22
    shape = Image.new("L", (big, big), 0)
    ImageDraw.Draw(shape).rounded_rectangle((margin, margin, big - margin, big - margin), radius, fill=255)
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    icon.paste(gradient, mask=shape)

    draw = ImageDraw.Draw(icon)
    # A four-pointed spark: generation.
    cx, cy, long, short = big * 0.42, big * 0.42, big * 0.26, big * 0.07
    draw.polygon(
        [
            (cx, cy - long),
            (cx + short, cy - short),
            (cx + long, cy),
            (cx + short, cy + short),
            (cx, cy + long),
            (cx - short, cy + short),
            (cx - long, cy),
            (cx - short, cy - short),
        ],
        fill=(255, 255, 255, 255),
    )
    # Three swatches: the brand palette.
    r = big * 0.065
    for i, colour in enumerate(SWATCHES):
        x, y = big * (0.56 + i * 0.12), big * 0.75
        draw.ellipse((x - r - big * 0.012, y - r - big * 0.012, x + r + big * 0.012, y + r + big * 0.012), fill="white")
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    return icon.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    draw().save(OUT, optimize=True)
    print(OUT)
