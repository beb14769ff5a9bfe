"""Wordmarks: the name is shaped once and the PNG and the SVG are drawn from that one layout;
fonts are found by the names written inside them."""

import re
import shutil

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw
from test_logo import render_svg

from desktop.errors import InvalidParameters
from desktop.logo.fonts import bundled_font, installed_fonts, refresh_fonts
from desktop.logo.shaping import shape_text
from desktop.logo.vector import trace_svg
from desktop.logo.wordmark import WordmarkStyle, compose_wordmark, find_font, trim, wordmark_svg

NAVY = "#1b2a4a"
MARGIN = 200  # px of room around the viewBox, to see ink that would be cut off


def disc_mark(size: int) -> Image.Image:
    """A red disc filling a transparent ``size`` px square, anti-aliased."""
    big = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
    ImageDraw.Draw(big).ellipse((0, 0, size * 2 - 1, size * 2 - 1), fill=(224, 32, 32, 255))
    return big.resize((size, size), Image.Resampling.BOX)


def svg_alpha_with_margin(svg: str) -> tuple[np.ndarray, tuple[int, int]]:
    """The SVG rendered by Qt with MARGIN px around its viewBox (nothing is clipped at the
    viewBox), as alpha; and the viewBox's size."""
    width, height = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    wide, high = width + 2 * MARGIN, height + 2 * MARGIN
    widened = svg.replace(
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"',
        f'width="{wide}" height="{high}" viewBox="{-MARGIN} {-MARGIN} {wide} {high}"',
        1,
    )
    return render_svg(widened, (wide, high))[..., 3], (width, height)


def ink_box(alpha: np.ndarray, threshold: int = 96) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(alpha > threshold)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.mark.parametrize("layout", ["horizontal", "stacked"])
@pytest.mark.parametrize("text", ["AVATAR Tokyo", "Москва", "مرحبا"])
def test_svg_wordmark_is_the_png_wordmark(text, layout):
    """Kerned Latin, Cyrillic and joined right-to-left Arabic beside a 512 px mark: the SVG's
    ink lies inside its viewBox and where the PNG's ink is."""
    mark = disc_mark(512)
    style = WordmarkStyle(text, color=NAVY, layout=layout)
    png = np.asarray(compose_wordmark(mark, style))[..., 3]
    trimmed = trim(mark)
    svg = wordmark_svg(trace_svg(trimmed), trimmed.size, style)
    alpha, view = svg_alpha_with_margin(svg)
    assert view == (png.shape[1], png.shape[0])
    left, top, right, bottom = ink_box(alpha)
    svg_box = (left - MARGIN, top - MARGIN, right - MARGIN, bottom - MARGIN)
    assert svg_box[0] >= 0 and svg_box[1] >= 0 and svg_box[2] <= view[0] and svg_box[3] <= view[1]
    assert np.abs(np.subtract(svg_box, ink_box(png))).max() <= 2
    # Not just the same box: the same letters in the same places.
    inside = alpha[MARGIN : MARGIN + view[1], MARGIN : MARGIN + view[0]].astype(int)
    assert (np.abs(inside - png) > 128).mean() < 0.01


def test_text_is_kerned():
    face = find_font("")
    pairs = shape_text(face, "AVAV", 100).advance
    alone = sum(shape_text(face, letter, 100).advance for letter in "AVAV")
    assert pairs < alone - 10


def test_right_to_left_text_reads_from_the_right():
    face = find_font("")
    word = shape_text(face, "مرحبا", 100)
    first_letter = shape_text(face, "م", 100)  # noqa: RUF001 - an Arabic letter, on purpose
    # The word's first letter is its rightmost glyph: the word's ink ends where that letter's
    # initial form ends, well right of the middle.
    assert word.ink[2] > word.advance - first_letter.advance
    assert shape_text(face, "مرحبا 2024", 100).advance > word.advance


def test_letters_the_font_lacks_are_named():
    with pytest.raises(InvalidParameters, match="no letters for '東京'"):
        compose_wordmark(disc_mark(64), WordmarkStyle("Tokyo 東京"))


def test_the_layout_fits_big_text_and_keeps_the_real_gap():
    mark = disc_mark(128)
    composed = np.asarray(compose_wordmark(mark, WordmarkStyle("Jygq", text_scale=2.0, spacing=0.25)))
    alpha = composed[..., 3]
    rows, columns = np.nonzero(alpha.max(axis=1))[0], np.nonzero(alpha.max(axis=0))[0]
    # Text twice the mark's height is not cut off at the top or bottom...
    assert rows.min() > 0 and rows.max() < alpha.shape[0] - 1
    assert columns.min() > 0 and columns.max() < alpha.shape[1] - 1
    # ...and the gap between the disc and the first letter's ink is 25% of the disc's height.
    gap = np.diff(columns).max() - 1
    assert abs(gap - 32) <= 2


def renamed_font(folder, file_name: str, family: str):
    """A copy of the bundled font saved as ``file_name`` whose name table says ``family``."""
    font = TTFont(str(bundled_font()))
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID == 4:
            record.string = f"{family} Bold"
        elif record.nameID == 6:
            record.string = family.replace(" ", "") + "-Bold"
    folder.mkdir(parents=True, exist_ok=True)
    font.save(str(folder / file_name))
    return folder / file_name


@pytest.fixture
def no_fontconfig_home(tmp_path, monkeypatch):
    """A home folder of its own and no fontconfig, as on Windows."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    refresh_fonts()
    yield home
    refresh_fonts()


def test_font_is_found_by_the_family_name_inside_it(no_fontconfig_home):
    path = renamed_font(no_fontconfig_home / ".fonts", "times.ttf", "Times New Roman")
    assert find_font("Times New Roman").path == path
    assert find_font("times new roman bold").path == path
    assert "Times New Roman" in installed_fonts().families()
    composed = compose_wordmark(disc_mark(64), WordmarkStyle("Foxly", font="Times New Roman"))
    assert composed.width > 2 * composed.height


def test_the_regular_face_of_a_family_is_preferred(no_fontconfig_home):
    folder = no_fontconfig_home / ".local/share/fonts"
    bold = renamed_font(folder, "brand-b.ttf", "Brand Sans")
    font = TTFont(str(bold))
    for record in font["name"].names:
        if record.nameID in (2, 17):
            record.string = "Regular"
        elif record.nameID == 4:
            record.string = "Brand Sans"
        elif record.nameID == 6:
            record.string = "BrandSans-Regular"
    font["OS/2"].usWeightClass = 400
    font.save(str(folder / "brand-r.ttf"))
    assert find_font("Brand Sans").path.name == "brand-r.ttf"
    assert find_font("Brand Sans Bold").path.name == "brand-b.ttf"


def test_the_export_dialog_offers_the_names_inside_the_fonts(qtbot, no_fontconfig_home, tmp_path):
    from PySide6.QtCore import QSettings

    from desktop.gallery import GalleryStore
    from desktop.params import GenerationParams
    from desktop.ui.logo_export_dialog import LogoExportDialog

    renamed_font(no_fontconfig_home / ".fonts", "times.ttf", "Times New Roman")
    params = GenerationParams("Fox mark", colors=(NAVY,), background="#ffffff", seed=5, width=64, height=64)
    item = GalleryStore(tmp_path / "gallery").add(disc_mark(64).convert("RGB"), params)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    dialog = LogoExportDialog(item, settings)
    qtbot.addWidget(dialog)
    offered = [dialog.font_combo.itemText(i) for i in range(dialog.font_combo.count())]
    assert offered[0] == "DejaVu Sans Bold" and "Times New Roman" in offered
    dialog.wordmark.setChecked(True)
    dialog.brand_edit.setText("Foxly")
    dialog.font_combo.setCurrentIndex(offered.index("Times New Roman"))
    dialog.refresh_preview()
    assert "font" not in dialog.message.text() and not dialog.preview.pixmap().isNull()
    assert dialog.options().wordmark.font == "Times New Roman"
