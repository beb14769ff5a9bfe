"""Icon sets: exact brand colours in flat areas, the same frames in the PNGs and favicon.ico,
and a 1024 px icon as sharp as the vector it is rendered from."""

import numpy as np
import pytest
from no_network_child import run_python
from PIL import Image, ImageDraw

from desktop.logo.icons import FAVICON_SIZES, ICON_SIZES, icon, square
from desktop.logo.pipeline import LogoExport, export_logo

BRAND = (0x14, 0x28, 0xA0)  # #1428A0
RED = (224, 32, 32)
SIDE = 256
BLOCK = (24, 40, 136, 216)  # the brand-blue rectangle: left, top, right, bottom (exclusive)


def brand_logo() -> Image.Image:
    """256 px: a flat #1428A0 rectangle and an anti-aliased red disc on white."""
    big = Image.new("RGB", (SIDE * 4, SIDE * 4), "white")
    ImageDraw.Draw(big).ellipse((600, 360, 960, 720), fill=RED)
    image = big.resize((SIDE, SIDE), Image.Resampling.BOX)
    ImageDraw.Draw(image).rectangle((BLOCK[0], BLOCK[1], BLOCK[2] - 1, BLOCK[3] - 1), fill=BRAND)
    return image


def interior(size: int, margin: int = 1) -> tuple[slice, slice]:
    """The icon pixels well inside the brand rectangle (``margin`` pixels in from its edges)."""
    scale = size / SIDE
    left, top = (int(np.ceil(v * scale)) + margin for v in BLOCK[:2])
    right, bottom = (int(np.floor(v * scale)) - margin for v in BLOCK[2:])
    assert right > left and bottom > top
    return slice(top, bottom), slice(left, right)


def assert_brand_inside(image: Image.Image, margin: int = 1) -> None:
    pixels = np.asarray(image.convert("RGBA"))[interior(image.width, margin)]
    colours = {tuple(pixel) for pixel in pixels.reshape(-1, 4)}
    assert colours == {(*BRAND, 255)}, f"{image.width} px: {sorted(colours)[:4]}"


@pytest.fixture
def exported(tmp_path):
    source = tmp_path / "brand.png"
    brand_logo().save(source)
    written = export_logo(source, tmp_path / "out", LogoExport(icon_set=True, background="#ffffff"))
    return tmp_path / "out" / "brand-icons", written


def test_every_icon_keeps_the_exact_brand_colour_in_flat_areas(exported):
    folder, _ = exported
    for size in ICON_SIZES:
        with Image.open(folder / f"icon-{size}.png") as image:
            assert image.size == (size, size)
            assert_brand_inside(image)
    with Image.open(folder / "favicon.ico") as favicon:
        for size in FAVICON_SIZES:
            assert_brand_inside(favicon.ico.getimage((size, size)))


def test_favicon_holds_the_very_frames_of_the_png_icons(exported):
    folder, _ = exported
    with Image.open(folder / "favicon.ico") as favicon:
        assert sorted(favicon.info["sizes"]) == [(s, s) for s in FAVICON_SIZES]
        for size in FAVICON_SIZES:
            with Image.open(folder / f"icon-{size}.png") as png:
                frame = np.asarray(favicon.ico.getimage((size, size)).convert("RGBA"))
                assert np.array_equal(frame, np.asarray(png.convert("RGBA")))


def test_the_1024_icon_is_sharp_not_an_enlarged_256_px_image(exported):
    folder, _ = exported
    with Image.open(folder / "icon-1024.png") as image:
        row = np.asarray(image.convert("RGB"), dtype=int)[(BLOCK[1] + BLOCK[3]) * 2]
    # Across the rectangle's left edge (x = 96 at 1024 px) the row goes from white to brand
    # blue in at most one blended pixel, with no colour beyond the two (no ringing).
    edge = row[80:112]
    white = (edge == 255).all(axis=1)
    blue = (edge == BRAND).all(axis=1)
    assert (~white & ~blue).sum() <= 1
    assert white[:14].all() and blue[-14:].all()


def test_transparent_icons_keep_the_brand_colour_and_a_clear_background(tmp_path):
    source = tmp_path / "brand.png"
    brand_logo().save(source)
    export_logo(source, tmp_path / "out", LogoExport(icon_set=True, transparent=True, background="#ffffff"))
    for size in ICON_SIZES:
        with Image.open(tmp_path / "out" / "brand-icons" / f"icon-{size}.png") as image:
            assert_brand_inside(image)
            assert image.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("size", ICON_SIZES)
def test_resampled_icons_never_overshoot(size):
    """Without a vector, icons are resampled: no channel leaves the range of the source's
    values (Lanczos rings past them: #1428A0 turned #0029AF), and flat areas stay exact."""
    result = icon(square(brand_logo()), size)
    assert result.size == (size, size)
    pixels = np.asarray(result.convert("RGB"), dtype=int).reshape(-1, 3)
    source = np.asarray(brand_logo(), dtype=int).reshape(-1, 3)
    assert (pixels >= source.min(axis=0)).all() and (pixels <= source.max(axis=0)).all()
    # Enlarging blends across one source pixel: that many icon pixels from the edges.
    assert_brand_inside(result, margin=1 + -(-size // SIDE))


def test_logo_package_works_without_qt(tmp_path):
    """desktop.logo is plain Python: an icon set and a wordmark are made with Qt blocked."""
    source = tmp_path / "brand.png"
    brand_logo().save(source)
    code = (
        "import sys; sys.modules['PySide6'] = None\n"
        "from desktop.logo.pipeline import LogoExport, export_logo\n"
        "from desktop.logo.wordmark import WordmarkStyle\n"
        f"export_logo({str(source)!r}, {str(tmp_path / 'out')!r}, LogoExport(icon_set=True, svg=True, "
        "background='#ffffff', wordmark=WordmarkStyle('AVATAR Tokyo')))\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "brand-icons" / "favicon.ico").exists()
