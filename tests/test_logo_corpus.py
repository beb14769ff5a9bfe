"""Every test logo of tests/logo_corpus.py through the logo files: the colours found are the
colours drawn; each colour's area in the PNG and in the SVG (rendered by resvg, not our code)
matches the drawing within 1 %; one path per colour region; circles round within 1 %."""

from __future__ import annotations

import numpy as np
import pytest
from logo_corpus import CASES
from PIL import Image
from svg_measure import color_areas, fills, paths, render, roundness, straightness

from desktop.logo.analysis import analyse
from desktop.logo.pipeline import LogoExport, export_logo

CORPUS = {make.__name__: make for make in CASES}


@pytest.fixture(scope="module", params=sorted(CORPUS))
def exported(request, tmp_path_factory):
    """(case, the transparent PNG as an array, the SVG text) from ``logo-studio export``'s code."""
    case = CORPUS[request.param]()
    folder = tmp_path_factory.mktemp(case.name)
    source = folder / f"{case.name}.png"
    case.image.save(source)
    export_logo(source, folder / "out", LogoExport(transparent=True, svg=True))
    with Image.open(folder / "out" / f"{case.name}.png") as image:
        png = np.asarray(image.convert("RGBA"))
    return case, png, (folder / "out" / f"{case.name}.svg").read_text()


def expected_areas(case) -> dict[str, float]:
    """The colours a transparent export shows, with their areas: the drawn colours, and the
    background where the mark encloses it (kept filled)."""
    areas = dict(case.colors)
    if case.hole_area:
        areas[case.background] = areas.get(case.background, 0.0) + case.hole_area
    return areas


def test_the_colours_found_are_the_colours_drawn(exported):
    case, _, _ = exported
    analysis = analyse(case.image)
    assert analysis.background == case.background
    expected = set(expected_areas(case))
    found = set(analysis.colors) | ({analysis.background} & expected)
    assert found == expected, case.name


def test_each_colour_keeps_its_area_in_the_png_and_the_rendered_svg(exported):
    case, png, svg = exported
    expected = expected_areas(case)
    colors = list(expected)
    for what, pixels in (("png", png), ("svg", render(svg, case.image.size))):
        areas = color_areas(pixels, colors)
        for color in colors:
            # Small counters inside letters (holes of the background colour) are traced within 2 %.
            within = 0.02 if what == "svg" and case.hole_area and color == case.background else 0.01
            assert areas[color] == pytest.approx(expected[color], rel=within), (case.name, what, color)
        assert pixels[0, 0, 3] == 0  # the background around the mark is gone


def test_flat_areas_keep_their_exact_colour_and_stay_opaque(exported):
    case, png, _ = exported
    for color in expected_areas(case):
        rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
        exact = (png[..., :3] == rgb).all(axis=2) & (png[..., 3] == 255)
        assert exact.sum() > 0.8 * expected_areas(case)[color], (case.name, color)


def test_one_path_per_colour_region_and_no_stray_colour(exported):
    case, _, svg = exported
    assert fills(svg) == set(expected_areas(case))
    counts: dict[str, int] = {}
    for fill, _ in paths(svg):
        counts[fill] = counts.get(fill, 0) + 1
    assert counts == case.regions, case.name
    assert len(svg.encode()) < 16_000 * len(case.regions)  # proportional to the design


def test_circles_stay_round_and_straight_edges_straight(exported):
    case, _, svg = exported
    for circle in case.circles:
        assert roundness(svg, circle) <= 0.01, (case.name, circle)
    for square in case.squares:
        assert straightness(svg, square) <= 0.5, (case.name, square)
