"""Logo files measured: the vector tracing settings on the test logos, and the time and peak
memory of ``logo-studio export`` and ``logo-studio kit``.

    .venv/bin/python bench/logo_files.py --sweep      # tracing settings on tests/logo_corpus.py
    .venv/bin/python bench/logo_files.py              # time and peak memory at 1024, 4096, 8000 px

Not part of the tests. Figures depend on the machine's load: note ``uptime`` beside them.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def measure(case, settings: dict) -> dict:
    from svg_measure import color_areas, fills, paths, render, roundness, straightness

    from desktop.logo.cleanup import clean_logo
    from desktop.logo.vector import trace_svg

    clean = clean_logo(case.image, transparent=True)
    start = time.perf_counter()
    svg = trace_svg(clean.flat, size=clean.image.size, settings=settings)
    seconds = time.perf_counter() - start
    expected = dict(case.colors)
    if case.hole_area:  # holes inside the mark stay filled with the background colour
        expected[case.background] = expected.get(case.background, 0.0) + case.hole_area
    drawn = list(expected)
    rendered = render(svg, case.image.size)
    areas = color_areas(rendered, drawn)
    area_error = max(abs(areas[c] - expected[c]) / expected[c] for c in drawn)
    counts = {}
    for fill, _ in paths(svg):
        counts[fill] = counts.get(fill, 0) + 1
    return {
        "paths": sum(counts.values()),
        "regions": sum(case.regions.values()),
        "stray": sorted(fills(svg) - set(drawn)),
        "area": area_error,
        "round": max((roundness(svg, c) for c in case.circles), default=0.0),
        "straight": max((straightness(svg, s) for s in case.squares), default=0.0),
        "bytes": len(svg.encode()),
        "seconds": seconds,
    }


def sweep() -> None:
    from logo_corpus import CASES

    cases = [make() for make in CASES]
    grid = {
        "mode": ["spline", "polygon"],
        "corner_threshold": [60, 90],
        "length_threshold": [4.0, 8.0],
        "splice_threshold": [45],
        "filter_speckle": [4, 16],
    }
    keys = list(grid)
    print("settings | worst area error | worst roundness | worst straight px | paths/regions | bytes | stray")
    for values in itertools.product(*(grid[k] for k in keys)):
        settings = dict(zip(keys, values, strict=True))
        results = [measure(case, settings) for case in cases]
        print(
            settings,
            f"| {max(r['area'] for r in results):.4f}",
            f"| {max(r['round'] for r in results):.4f}",
            f"| {max(r['straight'] for r in results):.2f}",
            f"| {sum(r['paths'] for r in results)}/{sum(r['regions'] for r in results)}",
            f"| {sum(r['bytes'] for r in results)}",
            f"| {sum(len(r['stray']) for r in results)}",
            flush=True,
        )


def logo(side: int) -> Path:
    """A flat two-colour logo ``side`` px square (anti-aliased), saved once into build/bench."""
    from PIL import Image, ImageDraw

    path = ROOT / "build" / "bench" / f"logo-{side}.png"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        big = min(side * 2, 16000)
        image = Image.new("RGB", (big, big), "#ffffff")
        draw = ImageDraw.Draw(image)
        draw.ellipse((0.08 * big, 0.08 * big, 0.48 * big, 0.48 * big), fill="#e02020")
        draw.rectangle((0.55 * big, 0.55 * big, 0.9 * big, 0.9 * big), fill="#1b2a4a")
        draw.ellipse((0.2 * big, 0.2 * big, 0.36 * big, 0.36 * big), fill="#fdf0d5")
        image.reduce(big // side).save(path)
    return path


def timed(argv: list[str]) -> tuple[float, float, int]:
    """Run ``logo-studio ARGV``: (seconds, peak memory in GB, exit code)."""
    start = time.perf_counter()
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "logo-studio"), *argv], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024**2, process.returncode


def speed(sides: list[int]) -> None:
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    print("side | command | seconds | peak GB | exit")
    for side in sides:
        source = logo(side)
        for name, extra in (
            ("export --transparent", ["export", "--transparent"]),
            ("export all", ["export", "--transparent", "--palette-lock", "--svg", "--icon-set", "--wordmark", "Acme"]),
            ("kit", ["kit", "--name", "Acme"]),
        ):
            with tempfile.TemporaryDirectory() as folder:
                seconds, peak, code = timed([extra[0], str(source), "--out", str(Path(folder) / "out"), *extra[1:]])
            print(f"{side} | {name} | {seconds:.2f} | {peak:.2f} | {code}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="measure the tracing settings on the test logos")
    parser.add_argument("--sizes", default="1024,4096,8000", help="logo sizes to time (px, comma-separated)")
    args = parser.parse_args()
    if args.sweep:
        sweep()
    else:
        speed([int(side) for side in args.sizes.split(",")])


if __name__ == "__main__":
    main()
