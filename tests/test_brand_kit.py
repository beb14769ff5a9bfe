"""The brand kit: every promised file, at its exact size, in the intended colours, with metadata."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
import zipfile

import numpy as np
import pytest
from no_network_child import run_python
from PIL import Image, ImageDraw

from desktop.errors import ExportConflict, InvalidParameters
from desktop.logo.artwork import LAYOUTS, TREATMENTS
from desktop.logo.brand import BrandKitRequest, prepare_brand
from desktop.logo.brand_mark import knockouts
from desktop.logo.colors import contrast_ratio, to_cmyk
from desktop.logo.kit import kit_files, kit_paths, make_brand_kit
from desktop.metadata import png_info, read_params
from desktop.params import GenerationParams

TEAL, ORANGE, CREAM = "#0f4c5c", "#e36414", "#fdf6ec"
SVG = "{http://www.w3.org/2000/svg}"


def badge_logo(size: int = 256) -> Image.Image:
    """A flat teal disc with an orange sun inside it and cream (background) mountains cut out."""
    s = size * 4
    image = Image.new("RGB", (s, s), CREAM)
    draw = ImageDraw.Draw(image)
    draw.ellipse((0.14 * s, 0.14 * s, 0.86 * s, 0.86 * s), fill=TEAL)
    draw.ellipse((0.43 * s, 0.27 * s, 0.61 * s, 0.45 * s), fill=ORANGE)
    draw.polygon([(0.22 * s, 0.7 * s), (0.42 * s, 0.41 * s), (0.62 * s, 0.7 * s)], fill=CREAM)
    return image.resize((size, size), Image.Resampling.LANCZOS)


PARAMS = GenerationParams("mountain badge", colors=(TEAL, ORANGE), background=CREAM, seed=7, width=256, height=256)
REQUEST = BrandKitRequest("Summit Roasters", "Small-batch coffee", font="")


@pytest.fixture(scope="module")
def kit(tmp_path_factory, qapp):
    """The whole kit, made once for this module: (folder, written paths, progress calls)."""
    folder = tmp_path_factory.mktemp("kit")
    source = folder / "source.png"
    badge_logo().save(source, pnginfo=png_info(PARAMS))
    calls = []
    out = folder / "out"
    written = make_brand_kit(source, out, REQUEST, zip_too=True, on_progress=lambda *call: calls.append(call))
    return out, written.files, calls


def opened(path):
    with Image.open(path) as image:
        image.load()
        return image


def test_every_promised_file_exists_with_its_exact_size(kit):
    out, written, _ = kit
    assert written == kit_files(out, REQUEST, zip_too=True)
    assert all(path.is_file() and path.stat().st_size > 0 for path in written)
    sizes = {
        "social/avatar-400.png": (400, 400),
        "social/avatar-800.png": (800, 800),
        "social/link-preview-1200x630.png": (1200, 630),
        "social/banner-1500x500.png": (1500, 500),
        "web/apple-touch-icon.png": (180, 180),
        "web/icon-192.png": (192, 192),
        "web/icon-512.png": (512, 512),
        "app-icons/app-icon-1024.png": (1024, 1024),
        "app-icons/android/play-store-512.png": (512, 512),
        "brand-sheet.png": (1754, 1240),
    }
    for density, side in {"mdpi": 108, "hdpi": 162, "xhdpi": 216, "xxhdpi": 324, "xxxhdpi": 432}.items():
        for layer in ("foreground", "background"):
            sizes[f"app-icons/android/mipmap-{density}/ic_launcher_{layer}.png"] = (side, side)
    for relative, size in sizes.items():
        assert opened(out / relative).size == size, relative
    assert sorted(opened(out / "web/favicon.ico").info["sizes"]) == [(16, 16), (32, 32), (48, 48)]
    assert opened(out / "app-icons/app-icon-1024.png").mode == "RGB"  # app stores refuse transparency
    mark = opened(out / "logo/summit-roasters-mark-full-color.png")
    assert mark.width == mark.height and mark.mode == "RGBA"
    for layout in LAYOUTS:
        for treatment in TREATMENTS:
            image = opened(out / f"logo/summit-roasters-{layout}-{treatment}.png")
            alpha = np.asarray(image.getchannel("A"))
            assert alpha[0].max() == alpha[-1].max() == alpha[:, 0].max() == alpha[:, -1].max() == 0  # clear space
            svg = ElementTree.parse(out / f"logo/summit-roasters-{layout}-{treatment}.svg").getroot()
            assert svg.get("viewBox") == f"0 0 {svg.get('width')} {svg.get('height')}"
            ratio = int(svg.get("width")) / int(svg.get("height"))
            assert ratio == pytest.approx(image.width / image.height, rel=0.01)


def test_clear_space_is_a_quarter_of_the_mark_on_every_side(kit):
    out, _, _ = kit
    for layout in LAYOUTS:
        alpha = np.asarray(opened(out / f"logo/summit-roasters-{layout}-one-color-dark.png").getchannel("A")) > 0
        rows, columns = np.nonzero(alpha.any(axis=1))[0], np.nonzero(alpha.any(axis=0))[0]
        margins = [rows[0], alpha.shape[0] - 1 - rows[-1], columns[0], alpha.shape[1] - 1 - columns[-1]]
        mark_height = 640  # LOGO_PX: the mark's height in the logo PNGs
        assert min(margins) >= 0.25 * mark_height - 12, (layout, margins)


def test_one_colour_variants_are_exactly_one_colour_with_alpha_for_edges(kit):
    out, _, _ = kit
    inks = {"one-color-dark": (15, 76, 92), "one-color-light": (253, 246, 236)}  # the brand's darkest and lightest
    for layout in LAYOUTS:
        for treatment, ink in inks.items():
            pixels = np.asarray(opened(out / f"logo/summit-roasters-{layout}-{treatment}.png"))
            visible = pixels[..., 3] > 0
            assert (pixels[..., 3] == 255).sum() > 1000 and ((pixels[..., 3] > 0) & (pixels[..., 3] < 255)).any()
            assert {tuple(p) for p in pixels[visible][:, :3]} == {ink}
            svg = (out / f"logo/summit-roasters-{layout}-{treatment}.svg").read_text()
            assert set(re.findall(r'fill="(#[0-9a-fA-F]{6})"', svg)) == {"#{:02x}{:02x}{:02x}".format(*ink)}


def test_one_colour_mark_knocks_out_the_colour_inside_it(kit):
    out, _, _ = kit
    mark = np.asarray(opened(out / "logo/summit-roasters-mark-one-color-dark.png").getchannel("A"))
    full = np.asarray(opened(out / "logo/summit-roasters-mark-full-color.png"))
    sun = (np.abs(full[..., :3].astype(int) - (227, 100, 20)).max(axis=2) == 0) & (full[..., 3] == 255)
    assert sun.sum() > 1000
    assert (mark[sun] == 0).mean() > 0.97  # the sun is a hole in the one-colour disc...
    teal = (np.abs(full[..., :3].astype(int) - (15, 76, 92)).max(axis=2) == 0) & (full[..., 3] == 255)
    assert (mark[teal] == 255).mean() > 0.97  # ...and the disc is solid


def test_full_colour_pixels_are_brand_colours_or_blends_of_two_at_their_edges(kit):
    out, _, _ = kit
    # Teal, orange, and the cream mountains inside the disc: part of the mark, so they stay.
    brand = np.array([(15, 76, 92), (227, 100, 20), (253, 246, 236)])
    pixels = np.asarray(opened(out / "logo/summit-roasters-horizontal-full-color.png"))
    opaque = pixels[pixels[..., 3] == 255][:, :3].astype(float)
    exact = (opaque[:, None, :] == brand[None]).all(axis=2).any(axis=1)
    assert exact.mean() > 0.97
    # The rest lie between two of them (anti-aliasing where they meet), not new colours.
    blends = []
    for first, second in ((0, 1), (0, 2), (1, 2)):
        a, b = brand[first].astype(float), brand[second].astype(float)
        t = np.clip(((opaque[~exact] - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
        blends.append(np.abs(opaque[~exact] - (a + t[:, None] * (b - a))).max(axis=1))
    assert np.min(blends, axis=0).max() <= 2


def test_avatar_mark_stays_inside_the_inscribed_circle(kit):
    out, _, _ = kit
    for side in (400, 800):
        pixels = np.asarray(opened(out / f"social/avatar-{side}.png").convert("RGB")).astype(int)
        assert tuple(pixels[0, 0]) == (253, 246, 236)
        mark = np.abs(pixels - (253, 246, 236)).max(axis=2) > 0
        y, x = np.nonzero(mark)
        radius = np.hypot(x + 0.5 - side / 2, y + 0.5 - side / 2)
        assert radius.max() <= 0.45 * side  # inside the circle, with room to spare
        assert radius.max() >= 0.35 * side  # and not lost in the middle
        assert abs((x.min() + x.max()) / 2 - side / 2) < 0.02 * side  # centred


def test_webmanifest_is_valid_json_naming_icons_that_exist(kit):
    out, _, _ = kit
    manifest = json.loads((out / "web/site.webmanifest").read_text())
    assert manifest["name"] == "Summit Roasters" and manifest["icons"]
    for icon in manifest["icons"]:
        path = out / "web" / icon["src"]
        width, height = map(int, icon["sizes"].split("x"))
        assert opened(path).size == (width, height)
    snippet = (out / "web/head-snippet.html").read_text()
    for href in re.findall(r'href="/([^"]+)"', snippet):
        assert (out / "web" / href).is_file(), href


def wcag_luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def wcag_contrast(first: str, second: str) -> float:
    high, low = sorted((wcag_luminance(first), wcag_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_colors_json_is_consistent_with_the_wcag_formula(kit):
    out, _, _ = kit
    document = json.loads((out / "colors/colors.json").read_text())
    assert document["generation"]["params"]["seed"] == 7
    assert "naive" in document["notes"]["cmyk"]
    hexes = [entry["hex"] for entry in document["colors"]]
    assert hexes[:3] == ["#0F4C5C", "#E36414", "#FDF6EC"]
    css = (out / "colors/colors.css").read_text()
    for entry in document["colors"]:
        value = entry["hex"]
        assert entry["rgb"] == [int(value[i : i + 2], 16) for i in (1, 3, 5)]
        assert entry["cmyk"] == list(to_cmyk(value.lower())) and all(0 <= c <= 100 for c in entry["cmyk"])
        contrast = entry["contrast"]
        assert contrast["on_white"] == pytest.approx(wcag_contrast(value, "#FFFFFF"), abs=0.005)
        assert contrast["on_black"] == pytest.approx(wcag_contrast(value, "#000000"), abs=0.005)
        assert contrast["on_background"] == pytest.approx(wcag_contrast(value, "#FDF6EC"), abs=0.005)
        fails = contrast["on_background"] < 4.5 and entry["name"] != "Background"
        assert (entry["warning"] is not None) == fails
        assert entry["aa_text_on_background"] == (contrast["on_background"] >= 4.5)
        assert value in css
    assert document["colors"][1]["warning"].startswith("#E36414 text on the background #FDF6EC is 3.21:1")


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#777777", "#ffffff", 4.48),
        ("#0a0a0a", "#0a0a0a", 1.0),
        ("#0000ff", "#000000", 2.44),
    ],
)
def test_contrast_ratio_matches_known_values(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(first, second) == pytest.approx(wcag_contrast(first, second), abs=1e-12)


def test_every_file_keeps_the_generation_parameters_where_it_can(kit):
    out, written, _ = kit
    for path in written:
        if path.suffix == ".png":
            assert read_params(opened(path)) == PARAMS, path
        elif path.suffix == ".svg":
            metadata = ElementTree.parse(path).getroot().find(f"{SVG}metadata")
            assert json.loads(metadata.text)["params"]["seed"] == 7, path
    pdf = (out / "brand-sheet.pdf").read_bytes()
    assert b"<ls:logo_studio>" in pdf and b'"seed": 7' in pdf


def test_progress_reports_every_file_in_order(kit):
    out, written, calls = kit
    assert calls[0] == (0, len(written), None)
    assert [call[0] for call in calls[1:]] == list(range(1, len(written) + 1))
    assert [call[2] for call in calls[1:]] == written and {call[1] for call in calls} == {len(written)}


def test_zip_holds_every_other_file(kit):
    out, written, _ = kit
    with zipfile.ZipFile(written[-1]) as archive:
        names = sorted(archive.namelist())
    assert names == sorted(f"summit-roasters-brand-kit/{path}" for path in kit_paths(REQUEST))


def test_existing_files_are_never_replaced_silently(tmp_path, qapp):
    source = tmp_path / "source.png"
    badge_logo(96).save(source)
    out = tmp_path / "out"
    (out / "colors").mkdir(parents=True)
    (out / "colors/colors.css").write_text("mine")
    with pytest.raises(ExportConflict, match=r"colors[/\\]colors.css already exist"):
        make_brand_kit(source, out, REQUEST)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["colors", "colors/colors.css"]
    assert (out / "colors/colors.css").read_text() == "mine"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "A", "palette": ("#12345",)}, "palette"),
        ({"name": "A", "palette": ("teal",)}, "palette"),
        ({"name": "A", "background": "#GGGGGG"}, "background"),
        ({"name": "x" * 61}, "name"),
    ],
)
def test_bad_requests_are_named(kwargs, field):
    with pytest.raises(InvalidParameters) as caught:
        BrandKitRequest(**kwargs)
    assert caught.value.field == field


def test_unknown_font_and_missing_letters_are_clear_errors(tmp_path):
    source = tmp_path / "source.png"
    badge_logo(96).save(source)
    with pytest.raises(InvalidParameters, match="could not be found"):
        prepare_brand(source, BrandKitRequest("Acme", font="No Such Font 123"))
    with pytest.raises(InvalidParameters, match="has no letters"):
        prepare_brand(source, BrandKitRequest("漢字"))


def test_image_without_parameters_or_palette_gets_its_colours_from_the_pixels(tmp_path):
    source = tmp_path / "plain.png"
    badge_logo(128).save(source)
    assets = prepare_brand(source, BrandKitRequest("Acme"))
    assert assets.background == CREAM
    found = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in assets.mark.palette]
    assert len(found) == 2
    for expected in ((15, 76, 92), (227, 100, 20)):
        assert min(max(abs(a - b) for a, b in zip(color, expected, strict=True)) for color in found) <= 6


def test_transparent_input_keeps_its_own_alpha(tmp_path):
    image = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((30, 30, 90, 90), fill=(224, 32, 32, 255))
    image.save(tmp_path / "t.png")
    assets = prepare_brand(tmp_path / "t.png", BrandKitRequest("Acme", palette=("#e02020",), background="#ffffff"))
    assert assets.mark.size == (61, 61)  # cropped to the square
    assert assets.mark.palette == ("#e02020",)


def test_knockouts_only_where_a_colour_hardly_touches_the_outside():
    colors = np.zeros((40, 40), dtype=int)
    ink = np.zeros((40, 40), dtype=bool)
    ink[5:35, 5:35] = True  # colour 0: a square...
    colors[15:25, 15:25] = 1  # ...with colour 1 inside it
    colors[5:35, 33:35] = 2  # and colour 2 along its right edge, touching the outside
    holes = knockouts(colors, ink, 3)
    assert holes[15:25, 15:25].all() and holes.sum() == 100


def test_kit_modules_import_no_qt_until_the_sheet_is_painted():
    code = (
        "import sys; import desktop.logo.kit, desktop.logo.brand_sheet, desktop.cli.kit, desktop.cli; "
        "print(any(name.startswith('PySide6') for name in sys.modules))"
    )
    assert run_python(code, check=True).stdout.strip() == "False"
