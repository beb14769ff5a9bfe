"""Logo-ready output on synthetic images with known answers."""

import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PIL import Image, ImageDraw

from desktop.errors import ExportConflict, InvalidParameters
from desktop.logo.analysis import analyse
from desktop.logo.background import KEY_DISTANCE, on_backdrop
from desktop.logo.cleanup import clean_logo
from desktop.logo.icons import ICON_SIZES
from desktop.logo.pipeline import LogoExport, export_logo, parse_palette
from desktop.logo.vector import SINGLE, trace_svg
from desktop.logo.wordmark import WordmarkStyle, compose_wordmark, find_font
from desktop.metadata import png_info, read_params
from desktop.params import GenerationParams

RED, NAVY, WHITE = "#e02020", "#1b2a4a", "#ffffff"


def red_disc(size=128, background=(255, 255, 255)) -> Image.Image:
    """An anti-aliased red disc (drawn 4x larger, then reduced) on a flat background."""
    big = Image.new("RGB", (size * 4, size * 4), background)
    ImageDraw.Draw(big).ellipse((size, size, size * 3, size * 3), fill=(224, 32, 32))
    return big.resize((size, size), Image.Resampling.LANCZOS)


def two_colour_mark(size=128) -> Image.Image:
    image = red_disc(size)
    ImageDraw.Draw(image).rectangle((size // 2 - 12, size // 2 - 12, size // 2 + 12, size // 2 + 12), fill=(27, 42, 74))
    return image


def render_svg(svg: str, size: tuple[int, int]) -> np.ndarray:
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from desktop.ui.qtimage import qimage_to_pil

    renderer = QSvgRenderer(QByteArray(svg.encode()))
    assert renderer.isValid()
    target = QImage(size[0], size[1], QImage.Format.Format_RGBA8888)
    target.fill(0)
    painter = QPainter(target)
    renderer.render(painter)
    painter.end()
    return np.asarray(qimage_to_pil(target)).astype(np.int16)


def remove_background(image: Image.Image) -> Image.Image:
    return clean_logo(image, transparent=True).image


def test_background_is_detected_from_the_border():
    assert analyse(red_disc()).background == WHITE
    assert analyse(red_disc(background=(240, 230, 200))).background == "#f0e6c8"


def test_busy_image_has_no_flat_background():
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    noise[20:44, 20:44] = (224, 32, 32)  # a flat square, but no flat border
    with pytest.raises(InvalidParameters, match="No flat background found") as caught:
        analyse(Image.fromarray(noise)).require_background()
    assert caught.value.field == "background"


def test_transparent_background_keeps_soft_edges():
    result = np.asarray(remove_background(red_disc()))
    alpha = result[..., 3]
    assert alpha[0, 0] == 0 and alpha[127, 127] == 0
    assert alpha[64, 64] == 255
    assert tuple(result[64, 64, :3]) == (224, 32, 32)
    partial = (alpha > 0) & (alpha < 255)
    y, x = np.nonzero(partial)
    radius = np.hypot(x + 0.5 - 64, y + 0.5 - 64)
    assert partial.sum() > 40  # a soft ring all around the disc...
    assert radius.min() > 29 and radius.max() < 35  # ...at its edge (Lanczos rings a pixel either side)
    assert {tuple(p) for p in result[partial][:, :3]} == {(224, 32, 32)}  # edges in the disc's own colour
    # Over the original background it looks as before (but for faint ringing within the key distance).
    restored = np.asarray(on_backdrop(remove_background(red_disc()), "light")).astype(int)
    difference = np.abs(restored - np.asarray(red_disc()).astype(int))
    assert difference.max() <= KEY_DISTANCE and difference.mean() < 0.5


def test_backdrops_for_preview():
    transparent = remove_background(red_disc())
    assert on_backdrop(transparent, "dark").getpixel((0, 0)) == (30, 30, 30)
    board = on_backdrop(transparent, "checkerboard")
    assert {board.getpixel((0, 0)), board.getpixel((12, 0))} == {(255, 255, 255), (204, 204, 204)}


def test_palette_lock_leaves_only_palette_colours_and_matches_them():
    mark = np.array(two_colour_mark())
    mark[(mark == (224, 32, 32)).all(axis=2)] = (230, 40, 28)  # the model's near miss of the brand red
    clean = clean_logo(Image.fromarray(mark), palette=(RED, NAVY), lock=True)
    colours = {tuple(c) for c in np.asarray(clean.image).reshape(-1, 4)}
    assert colours == {(224, 32, 32, 255), (27, 42, 74, 255), (255, 255, 255, 255)}
    assert clean.colors == (RED, NAVY) and clean.background == WHITE


def test_svg_parses_uses_the_palette_and_renders_close_to_the_png():
    clean = clean_logo(two_colour_mark(), lock=True)
    svg = trace_svg(clean.flat, size=clean.image.size, metadata='{"prompt": "a & b"}', title="Fox & co")
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 128 128"
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Fox & co"
    fills = {element.get("fill") for element in root.iter() if element.get("fill")}
    assert fills == {RED, NAVY, WHITE}
    metadata = root.find("{http://www.w3.org/2000/svg}metadata")
    assert metadata is not None and metadata.text == '{"prompt": "a & b"}'
    rendered = render_svg(svg, clean.image.size)[..., :3]
    error = np.abs(rendered - np.asarray(clean.image)[..., :3].astype(np.int16)).max(axis=2)
    assert (error > 64).mean() < 0.03  # only along edges
    assert len(svg) < 12_000


def test_single_colour_svg_traces_the_silhouette_in_one_colour():
    clean = clean_logo(red_disc(), transparent=True)
    svg = trace_svg(clean.flat, mode=SINGLE, single_color=NAVY, size=clean.image.size)
    fills = {element.get("fill") for element in ElementTree.fromstring(svg).iter() if element.get("fill")}
    assert fills == {NAVY}
    rendered = render_svg(svg, (128, 128))
    assert rendered[64, 64, 3] == 255 and rendered[2, 2, 3] == 0


def test_wordmark_png_contains_the_text_in_the_chosen_colour():
    mark = remove_background(red_disc())
    horizontal = compose_wordmark(mark, WordmarkStyle("Foxly", color=NAVY))
    assert horizontal.width > 2 * horizontal.height
    pixels = np.asarray(horizontal)
    # The disc is red, so every navy pixel is the typeset name, all right of the disc.
    navy = (np.abs(pixels[..., :3].astype(int) - [27, 42, 74]).max(axis=2) < 10) & (pixels[..., 3] > 200)
    assert navy.sum() > 300
    red_columns = np.nonzero(((pixels[..., 0] > 200) & (pixels[..., 3] > 200)).any(axis=0))[0]
    assert np.nonzero(navy.any(axis=0))[0].min() > red_columns.max()
    assert pixels[5, 5, 3] == 0  # transparent background
    stacked = compose_wordmark(mark, WordmarkStyle("Foxly", color=NAVY, layout="stacked"))
    assert stacked.height > stacked.width * 0.9


def test_unknown_font_is_a_clear_error():
    with pytest.raises(InvalidParameters, match="could not be found"):
        find_font("No Such Font Family 123")
    assert find_font("").path.name == "DejaVuSans-Bold.ttf"


@pytest.fixture
def generated_png(tmp_path):
    params = GenerationParams("Fox mark", colors=(RED, NAVY), background=WHITE, seed=3, width=128, height=128)
    path = tmp_path / "source.png"
    two_colour_mark().save(path, pnginfo=png_info(params))
    return path, params


def test_export_everything_writes_the_promised_files_with_metadata(generated_png, tmp_path):
    source, params = generated_png
    out = tmp_path / "out"
    options = LogoExport(
        palette_lock=True, transparent=True, svg=True, icon_set=True, wordmark=WordmarkStyle("Foxly", color=NAVY)
    )
    written = export_logo(source, out, options).files
    names = sorted(str(path.relative_to(out)) for path in written)
    icons = [f"fox-mark-icons/icon-{size}.png" for size in ICON_SIZES]
    assert names == sorted(
        [
            "fox-mark.png",
            "fox-mark.svg",
            "fox-mark-wordmark-horizontal.png",
            "fox-mark-wordmark-horizontal.svg",
            *icons,
            "fox-mark-icons/favicon.ico",
            "fox-mark-icons/logo.svg",
        ]
    )
    for size in ICON_SIZES:
        with Image.open(out / f"fox-mark-icons/icon-{size}.png") as image:
            assert image.size == (size, size)
            assert read_params(image) == params
    with Image.open(out / "fox-mark-icons/favicon.ico") as favicon:
        assert sorted(favicon.info["sizes"]) == [(16, 16), (32, 32), (48, 48)]
    with Image.open(out / "fox-mark.png") as main:
        assert main.mode == "RGBA" and main.getpixel((0, 0))[3] == 0
        assert read_params(main) == params
        pixels = np.asarray(main).reshape(-1, 4)
        colours = {tuple(pixel[:3]) for pixel in pixels if pixel[3] == 255}
        assert colours <= {(224, 32, 32), (27, 42, 74)}
    for svg in ("fox-mark.svg", "fox-mark-wordmark-horizontal.svg", "fox-mark-icons/logo.svg"):
        root = ElementTree.parse(out / svg).getroot()
        assert '"seed": 3' in root.find("{http://www.w3.org/2000/svg}metadata").text


def test_export_never_overwrites_silently(generated_png, tmp_path):
    source, _ = generated_png
    out = tmp_path / "out"
    export_logo(source, out, LogoExport(svg=True))
    before = (out / "fox-mark.svg").read_bytes()
    with pytest.raises(ExportConflict, match="already exist"):
        export_logo(source, out, LogoExport(svg=True, palette_lock=True))
    assert (out / "fox-mark.svg").read_bytes() == before
    export_logo(source, out, LogoExport(svg=True, palette_lock=True), overwrite=True)


def test_small_icons_stay_crisp(generated_png, tmp_path):
    source, _ = generated_png
    export_logo(source, tmp_path / "o", LogoExport(icon_set=True, palette_lock=True))
    with Image.open(tmp_path / "o" / "fox-mark-icons" / "icon-16.png") as tiny:
        contrast = np.asarray(tiny.convert("L"), dtype=int)
    assert contrast.max() - contrast.min() > 150


@pytest.mark.parametrize(
    ("text", "message"),
    [("#ff6600,#12345", "'#12345' in the palette is not a colour"), ("red", "'red' in the palette")],
)
def test_bad_palette_text_is_named(text, message):
    with pytest.raises(InvalidParameters, match=message):
        parse_palette(text)


def test_palette_lock_without_any_palette_locks_to_the_colours_found(tmp_path):
    plain = tmp_path / "plain.png"
    two_colour_mark().save(plain)
    export_logo(plain, tmp_path / "o", LogoExport(palette_lock=True))
    with Image.open(tmp_path / "o" / "plain.png") as image:
        assert image.mode == "RGB"  # opaque: saved without an alpha channel
        colours = {tuple(c) for c in np.asarray(image).reshape(-1, 3)}
    assert colours == {(224, 32, 32), (27, 42, 74), (255, 255, 255)}
    assert parse_palette("#FF6600, #001f3f") == ("#ff6600", "#001f3f")


def test_wordmark_spacing_is_the_real_gap_between_mark_and_name():
    mark = remove_background(red_disc(256))  # a 128 px disc inside 256 px of transparency
    composed = np.asarray(compose_wordmark(mark, WordmarkStyle("Foxly", color=NAVY, spacing=0.25)))
    opaque_columns = np.nonzero(composed[..., 3].max(axis=0) > 0)[0]
    gaps = np.diff(opaque_columns)
    # Between the disc and the first letter: 25% of the disc's height (128 px), not of the canvas.
    assert 28 <= gaps.max() <= 40
    assert composed.shape[0] < 200  # the mark's empty margin is gone
