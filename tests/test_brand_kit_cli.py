"""``logo-studio kit`` end to end, and the brand sheet PDF read back with poppler's tools."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image, ImageDraw

from desktop.app import main
from desktop.cli import build_parser
from desktop.logo.brand import BrandKitRequest
from desktop.logo.kit import kit_files

NEEDS_POPPLER = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")),
    reason="pdftoppm/pdftotext are not installed (Debian/Ubuntu: apt-get install poppler-utils)",
)
NAME, TAGLINE = "Fern & Fox Bakery", "Sourdough since 2024"


def flat_logo(size: int = 160) -> Image.Image:
    """A green leaf-like rounded square with a cream dot, on white: no parameters stored."""
    s = size * 4
    image = Image.new("RGB", (s, s), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0.2 * s, 0.2 * s, 0.8 * s, 0.8 * s), radius=0.2 * s, fill="#2d6a4f")
    draw.ellipse((0.4 * s, 0.4 * s, 0.6 * s, 0.6 * s), fill="#ffb703")
    return image.resize((size, size), Image.Resampling.LANCZOS)


@pytest.fixture(scope="module")
def cli_kit(tmp_path_factory, qapp):
    folder = tmp_path_factory.mktemp("cli")
    source = folder / "logo.png"
    flat_logo().save(source)
    out = folder / "kit"
    argv = ["kit", str(source), "--out", str(out), "--name", NAME, "--tagline", TAGLINE, "--zip"]
    argv += ["--palette", "#2D6A4F,#FFB703", "--background", "#FFFFFF"]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(argv)
    assert code == 0
    return source, out, argv, printed.getvalue()


def test_kit_command_prints_every_path_it_wrote(cli_kit):
    source, out, argv, output = cli_kit
    printed = output.split()
    request = BrandKitRequest(NAME, TAGLINE, ("#2d6a4f", "#ffb703"), "#ffffff")
    assert printed == [str(path) for path in kit_files(out, request, zip_too=True)]
    assert all((out / path).exists() for path in printed)
    assert (out / "fern-fox-bakery-brand-kit.zip").is_file()


def test_kit_command_refuses_to_replace_without_overwrite(cli_kit, capsys):
    source, out, argv, _ = cli_kit
    before = (out / "brand-sheet.pdf").stat().st_mtime_ns
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "already exist" in error and "--overwrite" in error
    assert (out / "brand-sheet.pdf").stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--palette", "#2D6A4F,green"], "'green' is not a colour"),
        (["--background", "#FFF"], "'#FFF' is not a colour"),
        (["--font", "No Such Font 123"], "could not be found"),
    ],
)
def test_kit_command_names_bad_input(cli_kit, tmp_path, capsys, extra, message):
    source, _, _, _ = cli_kit
    assert main(["kit", str(source), "--out", str(tmp_path / "k"), "--name", "Acme", *extra]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "k").exists() or not any((tmp_path / "k").rglob("*.png"))


def test_kit_is_listed_in_the_help():
    help_text = build_parser().format_help()
    assert "kit" in help_text and "brand kit" in help_text


@NEEDS_POPPLER
def test_brand_sheet_pdf_is_one_page_renders_and_its_text_is_real(cli_kit, tmp_path):
    _, out, _, _ = cli_kit
    pdf = out / "brand-sheet.pdf"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    with Image.open(pages[0]) as page:
        assert page.width > page.height  # A4 landscape
        pixels = np.asarray(page.convert("RGB"))
    assert (np.abs(pixels.astype(int) - (45, 106, 79)).max(axis=2) < 12).sum() > 200  # the green is painted
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert NAME in text and TAGLINE in text
    colors = json.loads((out / "colors/colors.json").read_text())["colors"]
    for entry in colors:
        assert entry["hex"] in text, entry["hex"]
    assert "DejaVu Sans Bold" in text  # the typeface is named


def test_brand_sheet_png_shows_the_palette(cli_kit):
    _, out, _, _ = cli_kit
    with Image.open(out / "brand-sheet.png") as sheet:
        pixels = np.asarray(sheet.convert("RGB")).astype(int)
    for rgb in ((45, 106, 79), (255, 183, 3)):
        assert (np.abs(pixels - rgb).max(axis=2) == 0).sum() > 2000, rgb
