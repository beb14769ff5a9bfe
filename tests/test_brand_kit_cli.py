"""``logo-studio kit`` end to end, and the brand sheet PDF read back with poppler's tools."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image, ImageDraw

from desktop.app import main
from desktop.cli.parser import build_parser
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


def test_the_kit_has_what_paid_logo_makers_deliver(cli_kit):
    _, out, _, _ = cli_kit
    sizes = {
        "social/facebook-cover-820x312.png": (820, 312),
        "social/facebook-cover-851x315.png": (851, 315),
        "social/linkedin-banner-1584x396.png": (1584, 396),
        "social/linkedin-company-cover-1128x191.png": (1128, 191),
        "social/youtube-channel-art-2560x1440.png": (2560, 1440),
        "social/instagram-post-1080x1080.png": (1080, 1080),
        "social/instagram-story-1080x1920.png": (1080, 1920),
        "email/fern-fox-bakery-signature@2x.png": (400, None),
        "app-icons/android/mipmap-xxxhdpi/ic_launcher.png": (192, 192),
        "app-icons/android/mipmap-mdpi/ic_launcher_round.png": (48, 48),
        "app-icons/android/mipmap-xxxhdpi/ic_launcher_monochrome.png": (432, 432),
    }
    for relative, (width, height) in sizes.items():
        with Image.open(out / relative) as image:
            assert image.width == width and (height is None or image.height == height), relative
    with Image.open(out / "social/youtube-channel-art-2560x1440.png") as art:
        pixels = np.asarray(art.convert("RGB")).astype(int)
    ink = np.abs(pixels - pixels[0, 0]).max(axis=2) > 0
    rows, columns = np.nonzero(ink.any(axis=1))[0], np.nonzero(ink.any(axis=0))[0]
    assert columns[0] >= (2560 - 1546) / 2 and columns[-1] < (2560 + 1546) / 2  # inside the safe area
    assert rows[0] >= (1440 - 423) / 2 and rows[-1] < (1440 + 423) / 2
    with Image.open(out / "app-icons/android/mipmap-xxxhdpi/ic_launcher_monochrome.png") as mono:
        visible = np.asarray(mono.convert("RGBA"))
    assert {tuple(p[:3]) for p in visible[visible[..., 3] > 0]} == {(255, 255, 255)}
    assert "ic_launcher_monochrome" in (out / "app-icons/android/mipmap-anydpi-v26/ic_launcher.xml").read_text()
    html = (out / "email/signature.html").read_text()
    assert 'src="fern-fox-bakery-signature@2x.png" width="200"' in html and NAME.replace("&", "&amp;") in html
    for treatment, allowed in (("black", {(0, 0, 0)}), ("white", {(255, 255, 255)})):
        with Image.open(out / f"logo/fern-fox-bakery-mark-{treatment}.png") as image:
            pixels = np.asarray(image.convert("RGBA"))
        assert {tuple(p[:3]) for p in pixels[pixels[..., 3] > 0]} == allowed
    with Image.open(out / "logo/fern-fox-bakery-mark-grayscale.png") as image:
        pixels = np.asarray(image.convert("RGBA"))
    visible = pixels[pixels[..., 3] > 0][:, :3].astype(int)
    assert (visible.max(axis=1) - visible.min(axis=1)).max() == 0 and len({tuple(p) for p in visible}) > 2


def test_opaque_images_are_rgb_and_svgs_have_a_title(cli_kit):
    _, out, _, _ = cli_kit
    for path in out.rglob("*.png"):
        with Image.open(path) as image:
            if image.mode == "RGBA":
                assert image.getchannel("A").getextrema()[0] < 255, path
    for path in out.rglob("*.svg"):
        assert f"<title>{NAME.replace('&', '&amp;')} logo</title>" in path.read_text(), path


@NEEDS_POPPLER
def test_business_cards_have_bleed_crop_marks_and_vector_logos(cli_kit, tmp_path):
    _, out, _, _ = cli_kit
    for name, (width_mm, height_mm) in {
        "business-card-85x55mm.pdf": (85, 55),
        "business-card-3.5x2in.pdf": (88.9, 50.8),
    }.items():
        pdf = out / "print" / name
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Pages:\s+2$", info, re.M)
        page = [line for line in info.splitlines() if line.startswith("Page size")][0].split()
        points = float(page[2]), float(page[4])
        margin = (3 + 6) * 72 / 25.4  # bleed and room for the crop marks
        assert points[0] == pytest.approx(width_mm * 72 / 25.4 + 2 * margin, abs=1)
        assert points[1] == pytest.approx(height_mm * 72 / 25.4 + 2 * margin, abs=1)
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
        assert len(images.stdout.strip().splitlines()) == 2  # the header only: the logo is vectors
        subprocess.run(
            ["pdftoppm", "-r", "288", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / name)], check=True
        )
        with Image.open(next(tmp_path.glob(f"{name}*.png"))) as front:
            pixels = np.asarray(front.convert("L"))
        scale = 4  # 288 dpi: pixels per point
        outside = round((margin - 5 * 72 / 25.4) * scale)  # past the bleed and the 2 mm gap
        cut = round(margin * scale)
        assert pixels[: outside - 2, cut - 2 : cut + 3].min() < 128  # a crop mark in line with the cut
        assert pixels[cut + 20, cut + 20] > 200  # the white background


@NEEDS_POPPLER
def test_the_brand_sheet_draws_its_logos_as_vectors(cli_kit):
    _, out, _, _ = cli_kit
    images = subprocess.run(["pdfimages", "-list", str(out / "brand-sheet.pdf")], capture_output=True, text=True)
    assert images.stdout.strip().splitlines()[2:] == []  # no picture at all: every logo is vectors


def test_a_right_to_left_name_reads_from_the_right_with_its_own_letters(tmp_path, qapp):
    from desktop.logo.brand import BrandKitRequest, prepare_brand
    from desktop.logo.brand_sheet import sheet_content

    source = tmp_path / "logo.png"
    flat_logo().save(source)
    assets = prepare_brand(source, BrandKitRequest("مخبز"))
    content = sheet_content(assets, 120)
    assert content.sample.startswith("أ")
    image = np.asarray(assets.variant("horizontal", "one-color-dark").render(0.5).getchannel("A")) > 0
    columns = np.nonzero(image.any(axis=0))[0]
    mark_rows = slice(image.shape[0] // 2 - 2, image.shape[0] // 2 + 2)
    # The mark (the tallest ink) is at the right end, the name at the left.
    tall = image.sum(axis=0)
    assert tall[columns[-1] - 5] > tall[columns[0] + 5]
    assert mark_rows.start > 0
    assert content.footer.index("مخبز") < content.footer.index("brand sheet")
