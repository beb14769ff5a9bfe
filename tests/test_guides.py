"""Guides as the ControlNets read them: made from a sketch, a picture's edges or a photo of a
paper sketch, fitted to the job, refused in words when there is nothing to follow; the request
keeps them and the PNG says them as A1111's ControlNet extension does."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from desktop.errors import InvalidParameters
from desktop.guides import EDGES, LINEART, SKETCH, check_guide_family, control_image
from desktop.metadata import read_params, to_a1111_text
from desktop.models.families import FLUX_DEV, SD15
from desktop.params import GenerationParams, Guide


def drawing(size=(64, 64), transparent=False) -> Image.Image:
    picture = Image.new("RGBA" if transparent else "RGB", size, (0, 0, 0, 0) if transparent else "white")
    ImageDraw.Draw(picture).line((8, 8, size[0] - 8, size[1] - 8), fill="black", width=3)
    return picture


def test_a_sketch_becomes_white_lines_on_black_as_scribble_controlnets_were_trained():
    guide, note = control_image(drawing(), SKETCH, (64, 64))
    pixels = np.asarray(guide.convert("L"))
    assert note == "" and guide.mode == "RGB" and guide.size == (64, 64)
    assert pixels[32, 32] > 200 and pixels[5, 60] == 0, "the stroke is white, the paper black"
    layer, _ = control_image(drawing(transparent=True), SKETCH, (64, 64))
    assert np.array_equal(np.asarray(layer), np.asarray(guide)), "a transparent sketch layer reads as paper"


def test_a_guide_of_another_shape_is_fitted_with_its_shape_kept_and_said():
    guide, note = control_image(drawing((128, 64)), SKETCH, (64, 64))
    pixels = np.asarray(guide.convert("L"))
    assert guide.size == (64, 64) and pixels[:15].max() == 0 and pixels[-15:].max() == 0, "letterboxed in black"
    assert note == "The guide is 128×64; it was scaled to 64×32 and centred on the 64×64 image (its shape kept)."


@pytest.mark.parametrize(("kind", "message"), [(SKETCH, "The sketch is empty"), (EDGES, "No edges were found")])
def test_an_empty_guide_is_refused_in_words(kind, message):
    with pytest.raises(InvalidParameters, match=message):
        control_image(Image.new("RGB", (64, 64), "white"), kind, (64, 64))


def test_edges_follow_the_pictures_outlines_and_detail_finds_fainter_ones():
    logo = Image.new("RGB", (96, 96), "white")
    draw = ImageDraw.Draw(logo)
    draw.rectangle((10, 10, 50, 50), fill="#202020")
    draw.ellipse((55, 55, 90, 90), fill="#d8d8d8")  # faint against the white ground
    strong = np.asarray(control_image(logo, EDGES, (96, 96), detail=0.0)[0].convert("L")) > 127
    fine = np.asarray(control_image(logo, EDGES, (96, 96), detail=1.0)[0].convert("L")) > 127
    assert strong[10:51, 8:13].any() and not strong[20:40, 20:40].any(), "the square's outline, not its inside"
    assert fine[55:91, 55:91].sum() > strong[55:91, 55:91].sum(), "more detail finds the faint circle"


def test_line_art_keeps_the_pen_and_drops_the_papers_shading():
    rows = np.linspace(150, 240, 96)[:, None].repeat(96, axis=1)  # uneven light across the page
    photo = Image.fromarray(rows.astype(np.uint8), "L").convert("RGB")
    ImageDraw.Draw(photo).line((10, 48, 86, 48), fill=(40, 40, 40), width=2)
    photo = photo.filter(ImageFilter.GaussianBlur(0.6))
    lines = np.asarray(control_image(photo, LINEART, (96, 96))[0].convert("L")) > 127
    assert lines[46:51, 20:76].mean() > 0.3, "the pen line is kept"
    assert lines[:40].mean() < 0.01 and lines[60:].mean() < 0.01, "the shading is gone"


def test_flux_is_told_plainly_that_it_has_no_controlnet_for_commercial_logos():
    check_guide_family(SD15)
    with pytest.raises(
        InvalidParameters, match="FLUX.1 has no ControlNet whose licence allows logos for commercial use"
    ):
        check_guide_family(FLUX_DEV)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(kind="doodle"), "kind must be one of"),
        (dict(model=""), "needs a ControlNet model"),
        (dict(strength=2.5), "strength must be between 0 and 2"),
        (dict(start=0.8, end=0.5), "start before it ends"),
    ],
)
def test_a_guide_out_of_range_is_refused(fields, message):
    values = dict(kind="sketch", model="lllyasviel/control_v11p_sd15_scribble") | fields
    with pytest.raises(InvalidParameters, match=message):
        Guide(**values)


def test_the_guide_round_trips_through_the_png_and_says_itself_as_a1111_does(tmp_path):
    guide = Guide("edges", "/models/control_v11p_sd15_canny", strength=0.9, start=0.1, end=0.8, detail=0.3)
    params = GenerationParams("a fox", seed=4, guide=guide)
    assert GenerationParams.from_dict(params.to_dict()) == params
    text = to_a1111_text(params)
    assert (
        'ControlNet 0: "Module: canny, Model: control_v11p_sd15_canny, Weight: 0.9, Detail: 0.3, Guidance Start: '
        '0.1, Guidance End: 0.8"' in text
    )
    from desktop.metadata import png_info

    Image.new("RGB", (8, 8)).save(tmp_path / "a.png", pnginfo=png_info(params))
    with Image.open(tmp_path / "a.png") as saved:
        assert read_params(saved).guide == guide
