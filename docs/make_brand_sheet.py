"""Make docs/brand-sheet.png, the brand sheet shown in the README.

No model weights are needed: a flat, logo-like 512 px image is drawn with Pillow (as a generated
result would look, with its generation parameters stored in it), then the whole brand kit is made
from it exactly as ``logo-studio kit`` makes it, and the sheet is copied here.

    .venv/bin/python docs/make_brand_sheet.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop.logo.brand import BrandKitRequest  # noqa: E402
from desktop.logo.kit import make_brand_kit  # noqa: E402
from desktop.metadata import png_info  # noqa: E402
from desktop.params import GenerationParams  # noqa: E402

TEAL, ORANGE, CREAM = "#0f4c5c", "#e36414", "#fdf6ec"


def draw_logo(size: int = 512) -> Image.Image:
    """A flat badge: a teal disc with a rising orange sun behind cream mountains, anti-aliased
    (drawn four times larger, then reduced) on a cream background."""
    scale = 4
    s = size * scale
    image = Image.new("RGB", (s, s), CREAM)
    draw = ImageDraw.Draw(image)

    def box(x0, y0, x1, y1):
        return [round(v * s) for v in (x0, y0, x1, y1)]

    draw.ellipse(box(0.14, 0.14, 0.86, 0.86), fill=TEAL)
    draw.ellipse(box(0.43, 0.27, 0.61, 0.45), fill=ORANGE)
    peaks = [(0.22, 0.70), (0.42, 0.41), (0.53, 0.56), (0.62, 0.47), (0.80, 0.70)]
    draw.polygon([(round(x * s), round(y * s)) for x, y in peaks], fill=CREAM)
    draw.rectangle(box(0.30, 0.74, 0.70, 0.765), fill=CREAM)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="also keep the whole kit in this folder")
    args = parser.parse_args()
    params = GenerationParams(
        "flat minimal logo, mountain and rising sun badge for a coffee roaster",
        colors=(TEAL, ORANGE),
        background=CREAM,
        seed=1234,
    )
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "summit-roasters.png"
        draw_logo().save(source, pnginfo=png_info(params))
        out = args.keep or Path(folder) / "kit"
        request = BrandKitRequest("Summit Roasters", "Small-batch coffee from the hills")
        started = time.perf_counter()
        written = make_brand_kit(source, out, request, overwrite=True)
        print(f"{len(written.files)} files in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        shutil.copyfile(out / "brand-sheet.png", ROOT / "docs" / "brand-sheet.png")
    print(ROOT / "docs" / "brand-sheet.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
