"""One call for every logo export: the CLI's ``logo-studio export`` and the window both use it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from desktop.errors import ExportConflict, InvalidParameters, MetadataError
from desktop.export import default_export_name
from desktop.files import atomic_write
from desktop.imageops import open_image
from desktop.logo.cleanup import CleanLogo, clean_logo
from desktop.logo.colors import name_color
from desktop.logo.icons import ICON_SIZES, icon_files, icon_frames, save_favicon
from desktop.logo.staging import Written, save_png, write_all, write_text
from desktop.logo.vector import COLOR, SINGLE, trace_svg
from desktop.logo.wordmark import WordmarkStyle, compose_wordmark, ink_box, wordmark_svg
from desktop.metadata import png_info, read_params, to_json_text
from desktop.params import GenerationParams

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class LogoExport:
    """What to produce. ``palette`` (brand colours that palette lock snaps to) defaults to the
    colours stored in the image's parameters, else the logo's own colours are kept exactly;
    ``background`` (the colour to remove) defaults to the one found around the mark;
    ``clear_holes`` also removes background-coloured areas enclosed by the mark."""

    palette: tuple[str, ...] = ()
    background: str = ""
    palette_lock: bool = False
    transparent: bool = False
    clear_holes: bool = False
    svg: bool = False
    svg_mode: str = COLOR
    icon_set: bool = False
    wordmark: WordmarkStyle | None = None

    def __post_init__(self) -> None:
        for color in (*self.palette, *([self.background] if self.background else [])):
            if not _HEX.match(color):
                raise InvalidParameters("palette", f"{color!r} is not a colour written #RRGGBB.")
        if self.svg_mode not in (COLOR, SINGLE):
            raise InvalidParameters("svg_mode", f"SVG mode must be {COLOR} or {SINGLE}, not {self.svg_mode!r}.")


def parse_palette(text: str) -> tuple[str, ...]:
    """``"#FF6600,#001F3F"`` -> ``("#ff6600", "#001f3f")``; InvalidParameters names a bad entry."""
    colors = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    for color in colors:
        if not _HEX.match(color):
            raise InvalidParameters("palette", f"{color!r} in the palette is not a colour written #RRGGBB.")
    return colors


@dataclass(frozen=True)
class PreparedLogo:
    """The processed logo (``clean``) and what the files are written from."""

    clean: CleanLogo
    params: GenerationParams | None
    name_color: str  # the wordmark's colour when none is chosen: as the brand kit sets the name

    @property
    def image(self) -> Image.Image:
        """The processed image, RGB where it is opaque, else RGBA."""
        return self.clean.image.convert("RGB") if self.clean.opaque else self.clean.image

    @property
    def background(self) -> str:
        return self.clean.background

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.clean.warnings


def prepare(source: Path, options: LogoExport) -> PreparedLogo:
    """Open ``source`` and clean it up as ``options`` ask (for export and preview).

    InvalidParameters when the image is not a logo (nothing but its background, a photo) or
    has no background to remove."""
    opened = open_image(source, "input")
    try:
        params = read_params(opened)
    except MetadataError:
        params = None
    palette = options.palette or (params.colors if params else ())
    clean = clean_logo(
        opened,
        palette=tuple(palette),
        background=options.background,
        lock=options.palette_lock,
        transparent=options.transparent,
        clear_holes=options.clear_holes,
    )
    ground = clean.found_background or (params.background if params and params.background else "#ffffff")
    return PreparedLogo(clean, params, name_color(clean.colors, ground))


def export_logo(source: Path, out_dir: Path, options: LogoExport, *, overwrite: bool = False) -> Written:
    """Write the requested files for ``source`` into ``out_dir``: all of them, or none.

    Every file keeps the generation parameters (PNG text chunks, SVG ``<metadata>``). If any
    target exists and ``overwrite`` is False, nothing is written (ExportConflict lists them).
    """
    prepared = prepare(Path(source), options)
    image, params = prepared.image, prepared.params
    stem = Path(default_export_name(params.prompt)).stem if params else Path(source).stem
    out_dir = Path(out_dir)
    files: dict[str, callable] = {}
    pnginfo = png_info(params) if params else None
    metadata = to_json_text(params) if params else ""
    title = options.wordmark.text if options.wordmark else stem.replace("-", " ")
    files[f"{stem}.png"] = lambda path: save_png(image, path, pnginfo)
    flat = prepared.clean.flat

    @functools.cache
    def trace(mode: str = options.svg_mode) -> str:
        return trace_svg(
            flat,
            mode=mode,
            single_color=(prepared.clean.colors or ("#000000",))[0],
            metadata=metadata,
            title=f"{title} logo",
            size=image.size,
        )

    if options.svg:
        files[f"{stem}.svg"] = lambda path: write_text(path, trace())
    if options.wordmark:
        style = options.wordmark
        if not style.color:
            style = replace(style, color=prepared.name_color)
        background = prepared.background
        name = f"{stem}-wordmark-{style.layout}"
        box = ink_box(image, background) or (0, 0, *image.size)
        files[f"{name}.png"] = lambda path: save_png(compose_wordmark(image, style, background), path, pnginfo)
        files[f"{name}.svg"] = lambda path: write_text(
            path, wordmark_svg(_mark_svg(trace(), box), (box[2] - box[0], box[3] - box[1]), style, background, metadata)
        )
    if options.icon_set:
        folder = f"{stem}-icons"

        @functools.cache
        def frames() -> dict:
            # From the trace in colour, even when the SVG asked for is in one colour.
            return icon_frames(image, prepared.background, trace(COLOR))

        for size, path in zip(ICON_SIZES, icon_files(Path(folder))[:-1], strict=True):
            files[path.as_posix()] = lambda target, size=size: save_png(frames()[size], target, pnginfo)
        files[f"{folder}/favicon.ico"] = lambda path: atomic_write(path, lambda handle: save_favicon(frames(), handle))
        files[f"{folder}/logo.svg"] = lambda path: write_text(path, trace(COLOR))

    existing = [relative for relative in files if (out_dir / relative).exists()]
    if existing and not overwrite:
        raise ExportConflict(
            f"Not exported: {', '.join(existing[:5])} already exist in {out_dir}. Choose another folder or allow "
            "replacing."
        )
    written = write_all(out_dir, files, "export the logo")
    return Written(written, prepared.warnings)


def _mark_svg(svg: str, box: tuple[int, int, int, int]) -> str:
    """The traced ``svg`` moved so that ``box`` (the trimmed mark) starts at (0, 0)."""
    body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S).group(1)
    body = re.sub(r"<(title|metadata)>.*?</\1>", "", body, flags=re.S)
    return f'<svg xmlns="http://www.w3.org/2000/svg"><g transform="translate({-box[0]},{-box[1]})">{body}</g></svg>'
