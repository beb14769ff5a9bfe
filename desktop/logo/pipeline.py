"""One call for every logo export: the CLI's ``logo-studio export`` and the window both use it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, PngImagePlugin

from desktop.errors import ExportConflict, ExportError, InvalidParameters, MetadataError
from desktop.export import default_export_name
from desktop.files import atomic_save_png, atomic_write, os_error_message
from desktop.imageops import open_image
from desktop.logo.background import detect_background, remove_background
from desktop.logo.icons import ICON_SIZES, icon_files, icon_frames, save_favicon
from desktop.logo.palette_lock import lock_to_palette
from desktop.logo.vector import COLOR, SINGLE, trace_svg
from desktop.logo.wordmark import WordmarkStyle, compose_wordmark, trim, wordmark_svg
from desktop.metadata import png_info, read_params, to_json_text
from desktop.params import GenerationParams

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class LogoExport:
    """What to produce. ``palette`` defaults to the colours stored in the image's parameters;
    ``background`` (the colour to remove) defaults to the palette's background or is detected."""

    palette: tuple[str, ...] = ()
    background: str = ""
    palette_lock: bool = False
    transparent: bool = False
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
    """The processed image and what the files are written from."""

    image: Image.Image
    params: GenerationParams | None
    palette: tuple[str, ...]
    background: str


def prepare(source: Path, options: LogoExport) -> PreparedLogo:
    """Open ``source`` and apply palette lock and background removal (for export and preview)."""
    opened = open_image(source, "input")
    try:
        params = read_params(opened)
    except MetadataError:
        params = None
    image = opened.convert("RGBA") if opened.mode in ("RGBA", "LA", "P") else opened.convert("RGB")
    palette = options.palette or (params.colors if params else ())
    background = options.background or (params.background if params else "")
    if options.palette_lock:
        lock_colors = list(palette)
        if not lock_colors:
            raise InvalidParameters(
                "palette", "Palette lock needs the brand colours: give --palette, or use an image made with a palette."
            )
        if image.mode != "RGBA" or image.getchannel("A").getextrema()[0] == 255:
            lock_colors.append(background or detect_background(image))
        image = lock_to_palette(image, lock_colors)
    if options.transparent:
        background = background or detect_background(image)
        image = remove_background(image, background)
    return PreparedLogo(image, params, tuple(palette), background)


def export_logo(source: Path, out_dir: Path, options: LogoExport, *, overwrite: bool = False) -> list[Path]:
    """Write the requested files for ``source`` into ``out_dir`` and return their paths.

    Every file keeps the generation parameters (PNG text chunks, SVG ``<metadata>``). If any
    target exists and ``overwrite`` is False, nothing is written (ExportConflict lists them).
    """
    prepared = prepare(Path(source), options)
    image, params = prepared.image, prepared.params
    stem = Path(default_export_name(params.prompt)).stem if params else Path(source).stem
    out_dir = Path(out_dir)
    files: dict[Path, callable] = {}
    pnginfo = png_info(params) if params else None
    metadata = to_json_text(params) if params else ""
    files[out_dir / f"{stem}.png"] = lambda path: atomic_save_png(image, path, **_png_options(pnginfo))

    def trace(picture: Image.Image, mode: str = options.svg_mode) -> str:
        return trace_svg(
            picture,
            mode=mode,
            palette=_svg_palette(prepared, options),
            single_color=(prepared.palette or ("#000000",))[0],
            metadata=metadata,
        )

    svg_text = trace(image) if options.svg or options.icon_set else ""
    if options.svg:
        files[out_dir / f"{stem}.svg"] = lambda path: _write_text(path, svg_text)
    if options.wordmark:
        style = options.wordmark
        background = "" if options.transparent else prepared.background
        name = f"{stem}-wordmark-{style.layout}"
        composed = compose_wordmark(image, style, background)
        mark = trim(image, background)
        files[out_dir / f"{name}.png"] = lambda path: atomic_save_png(composed, path, **_png_options(pnginfo))
        files[out_dir / f"{name}.svg"] = lambda path: _write_text(
            path, wordmark_svg(trace(mark), mark.size, style, background, metadata)
        )
    if options.icon_set:
        folder = out_dir / f"{stem}-icons"

        @functools.cache
        def frames() -> dict:
            # From the trace in colour, even when the SVG asked for is in one colour.
            colour_svg = svg_text if options.svg_mode == COLOR else trace(image, COLOR)
            return icon_frames(image, "" if options.transparent else prepared.background, colour_svg)

        for size, path in zip(ICON_SIZES, icon_files(folder)[:-1], strict=True):
            files[path] = lambda target, size=size: atomic_save_png(frames()[size], target, **_png_options(pnginfo))
        files[folder / "favicon.ico"] = lambda path: atomic_write(path, lambda handle: save_favicon(frames(), handle))
        files[folder / "logo.svg"] = lambda path: _write_text(path, svg_text)

    existing = [path for path in files if path.exists()]
    if existing and not overwrite:
        names = ", ".join(str(path.relative_to(out_dir)) for path in existing[:5])
        raise ExportConflict(
            f"Not exported: {names} already exist in {out_dir}. Choose another folder or allow replacing."
        )
    try:
        for path, write in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path)
    except OSError as error:
        raise ExportError(os_error_message("export the logo", out_dir, error)) from error
    return list(files)


def _svg_palette(prepared: PreparedLogo, options: LogoExport) -> tuple[str, ...]:
    if not options.palette_lock:
        return ()
    return prepared.palette + ((prepared.background,) if prepared.background and not options.transparent else ())


def _png_options(pnginfo: PngImagePlugin.PngInfo | None) -> dict:
    return {"pnginfo": pnginfo} if pnginfo is not None else {}


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
