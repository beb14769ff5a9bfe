"""The defects of issue 21, each through the command a user types (``logo-studio export`` and
``logo-studio kit``), checked on the files written."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from logo_corpus import cream_on_red, teal_dot
from PIL import Image, ImageDraw
from svg_measure import color_areas, fills, render

import desktop.logo.analysis as analysis
from desktop.app import main
from desktop.logo.brand import BrandKitRequest, prepare_brand
from desktop.logo.colors import name_color

SVG = "{http://www.w3.org/2000/svg}"


def run(*argv: str) -> int:
    return main([str(arg) for arg in argv])


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA"))


def count(png: np.ndarray, color: str, alpha: int = 255) -> int:
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    return int(((png[..., :3] == rgb).all(axis=2) & (png[..., 3] == alpha)).sum())


def two_shapes_on_transparency() -> Image.Image:
    image = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 120, 120), fill=(106, 76, 147, 255))
    draw.rectangle((140, 140, 230, 230), fill=(242, 140, 40, 255))
    return image


def test_palette_lock_transparent_on_a_transparent_png_keeps_every_colour_opaque(tmp_path, capsys):
    """Defects 1 and 3: the main colour is not keyed out, and nothing changes its alpha or colour."""
    source = tmp_path / "t.png"
    two_shapes_on_transparency().save(source)
    for flags in (["--palette-lock", "--transparent"], ["--transparent"]):
        out = tmp_path / "-".join(flags)
        assert run("export", source, "--out", out, "--svg", *flags) == 0
        png = pixels(out / "t.png")
        assert count(png, "#6a4c93") == count(pixels(source), "#6a4c93") > 7000
        assert count(png, "#f28c28") == count(pixels(source), "#f28c28") > 8000
        svg = (out / "t.svg").read_text()
        assert fills(svg) == {"#6a4c93", "#f28c28"}
        areas = color_areas(render(svg, (256, 256)), ["#6a4c93", "#f28c28"])
        assert areas["#6a4c93"] == pytest.approx(count(pixels(source), "#6a4c93"), rel=0.02)


@pytest.mark.parametrize("lock", [[], ["--palette-lock"]])
def test_a_colour_near_the_background_inside_the_mark_survives(tmp_path, lock):
    """Defect 2: a cream letter on red stays cream and opaque, in the PNG and the SVG."""
    case = cream_on_red()
    source = tmp_path / "cream.png"
    case.image.save(source)
    assert run("export", source, "--out", tmp_path / "o", "--transparent", "--svg", *lock) == 0
    png = pixels(tmp_path / "o/cream.png")
    assert count(png, "#fdf0d5") > 0.9 * case.colors["#fdf0d5"]  # exact and opaque
    assert color_areas(png, ["#c1121f", "#fdf0d5"])["#fdf0d5"] == pytest.approx(case.colors["#fdf0d5"], rel=0.01)
    svg = (tmp_path / "o/cream.svg").read_text()
    assert fills(svg) == {"#c1121f", "#fdf0d5"}
    areas = color_areas(render(svg, case.image.size), ["#c1121f", "#fdf0d5"])
    assert areas["#fdf0d5"] == pytest.approx(case.colors["#fdf0d5"], rel=0.01)


def test_a_white_dot_inside_the_mark_stays_white_unless_asked(tmp_path):
    """Defect 2: the white dot in a teal disc is part of the mark in the export and its icons;
    --clear-holes makes it a hole."""
    case = teal_dot()
    source = tmp_path / "dot.png"
    case.image.save(source)
    assert run("export", source, "--out", tmp_path / "o", "--transparent", "--icon-set") == 0
    centre = pixels(tmp_path / "o/dot.png")[256, 256]
    assert tuple(centre) == (255, 255, 255, 255)
    favicon = pixels(tmp_path / "o/dot-icons/icon-32.png")
    assert tuple(favicon[16, 16]) == (255, 255, 255, 255)  # a dark tab shows the dot, not a hole
    assert run("export", source, "--out", tmp_path / "c", "--transparent", "--clear-holes") == 0
    assert pixels(tmp_path / "c/dot.png")[256, 256, 3] == 0


@pytest.mark.parametrize("make", [lambda: Image.new("RGB", (1, 1), "white"), lambda: Image.new("RGB", (300, 300))])
def test_an_empty_image_is_refused_by_export_as_by_kit(tmp_path, capsys, make):
    """Defect 7: exit 2, a message, and no file."""
    source = tmp_path / "empty.png"
    make().save(source)
    assert run("export", source, "--out", tmp_path / "o", "--svg", "--icon-set", "--transparent") == 2
    assert "No flat colours found" in capsys.readouterr().err
    assert run("kit", source, "--out", tmp_path / "k", "--name", "Acme") == 2
    assert "No flat colours found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "k").exists()


def test_kit_background_on_a_photo_is_a_message_not_a_traceback(tmp_path, capsys):
    """Defect 6: with or without --background, exit 2 and one line that names what to do."""
    rng = np.random.default_rng(1)
    photo = np.clip(rng.normal(120, 40, (200, 200, 3)) + np.linspace(0, 60, 200)[None, :, None], 0, 255)
    source = tmp_path / "photo.png"
    Image.fromarray(photo.astype(np.uint8)).save(source)
    assert run("kit", source, "--out", tmp_path / "k", "--name", "Acme", "--background", "#787060") == 2
    error = capsys.readouterr().err
    assert error.startswith("logo-studio: error: No flat colours found") and "Traceback" not in error
    assert run("kit", source, "--out", tmp_path / "k", "--name", "Acme") == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_busy_border_names_the_background_option(tmp_path, capsys):
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    noise[50:150, 50:150] = (224, 32, 32)
    source = tmp_path / "busy.png"
    Image.fromarray(noise).save(source)
    assert run("export", source, "--out", tmp_path / "o", "--transparent") == 2
    assert "give the background colour with --background" in capsys.readouterr().err
    assert run("export", source, "--out", tmp_path / "o", "--transparent", "--background", "#000000") in (0, 2)


def test_a_failing_kit_writes_nothing_and_names_the_folder(tmp_path, capsys):
    """Defect 9: a file where the kit needs its social/ folder: exit 1, the message names it,
    nothing of the kit is left; the next run (once the way is clear) is not refused."""
    source = tmp_path / "logo.png"
    teal_dot(256).image.save(source)
    out = tmp_path / "kit"
    out.mkdir()
    (out / "social").write_text("in the way")
    assert run("kit", source, "--out", out, "--name", "Acme") == 1
    error = capsys.readouterr().err
    assert str(out / "social") in error
    assert sorted(path.name for path in tmp_path.rglob("*") if path != source) == ["kit", "social"]
    (out / "social").unlink()
    assert run("kit", source, "--out", out, "--name", "Acme") == 0


def test_lossy_inputs_are_warned_about(tmp_path, capsys):
    """Defect 10: a gradient flattened to one colour, and a tiny input enlarged."""
    gradient = np.zeros((300, 300, 3), dtype=np.uint8) + 255
    gradient[60:240, 60:240] = np.stack([np.linspace(30, 200, 180)] * 3, axis=1).astype(np.uint8)[None, :, :]
    gradient[60:240, 60:80] = (20, 40, 160)
    source = tmp_path / "gradient.png"
    Image.fromarray(gradient).save(source)
    assert run("export", source, "--out", tmp_path / "g", "--svg") == 0
    assert "shading or gradient" in capsys.readouterr().err
    tiny = tmp_path / "tiny.png"
    teal_dot(64).image.save(tiny)
    assert run("export", tiny, "--out", tmp_path / "t", "--icon-set") == 0
    assert "only 64×64 px" in capsys.readouterr().err


def test_a_huge_input_is_scaled_down_first_and_says_so(tmp_path, capsys, monkeypatch):
    """Defect 8 (the memory itself: bench/logo_files.py)."""
    monkeypatch.setattr(analysis, "MAX_SIDE", 256)
    source = tmp_path / "big.png"
    teal_dot(600).image.save(source)
    assert run("export", source, "--out", tmp_path / "o") == 0
    assert "600×600 px: it was scaled down to 256×256" in capsys.readouterr().err
    assert Image.open(tmp_path / "o/big.png").size == (256, 256)


def test_export_and_kit_agree_on_the_wordmark_colour_and_find_the_colours_alike(tmp_path):
    """Defect 11: no --palette needed for --palette-lock; the name in the kit's colour."""
    case = cream_on_red()
    source = tmp_path / "logo.png"
    case.image.save(source)
    assert run("export", source, "--out", tmp_path / "o", "--palette-lock", "--wordmark", "Rosa", "--svg") == 0
    assets = prepare_brand(source, BrandKitRequest("Rosa"))
    assert set(assets.mark.palette) == {"#c1121f", "#fdf0d5"}
    expected = name_color(assets.mark.palette, assets.background)
    assert expected == assets.treatments.text
    svg = ElementTree.parse(tmp_path / "o/logo-wordmark-horizontal.svg").getroot()
    name = [p for p in svg.iter(f"{SVG}path")][-1]
    assert name.get("fill") == expected


def test_kit_colours_are_the_drawn_colours_only(tmp_path):
    """Defect 5: no anti-aliasing shade, no invented black."""
    source = tmp_path / "logo.png"
    teal_dot(256).image.save(source)
    assert run("kit", source, "--out", tmp_path / "k", "--name", "Acme") == 0
    colors = json.loads((tmp_path / "k/colors/colors.json").read_text())["colors"]
    assert [(c["name"], c["hex"]) for c in colors] == [("Primary", "#0F4C5C"), ("Background", "#FFFFFF")]
