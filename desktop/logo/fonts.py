"""Installed fonts, found by the names written inside them.

A font's file name says little ("times.ttf" is Times New Roman), so every font file in the
platform's font folders (and those fontconfig knows, where it is installed) is opened with
fontTools and indexed by its family, style and full names from the ``name`` table (legacy names
1/2/4, typographic names 16/17, the PostScript name, in every language it has). Reading the
names is the slow part, so it is cached per file (path, size, modification time).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from desktop.errors import InvalidParameters

BUNDLED_FONT = "DejaVu Sans Bold"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
_REGULAR = ("regular", "normal", "book", "roman", "plain", "standard")
_FAMILY_IDS = (1, 16)
_FULL_IDS = (4, 6)


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: ``index`` is its number inside a collection (.ttc), else 0."""

    path: Path
    index: int = 0
    family: str = ""
    style: str = ""
    weight: int = 400
    italic: bool = False
    family_keys: frozenset[str] = frozenset()
    full_keys: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        """The family and style, e.g. 'DejaVu Sans Bold', for messages."""
        return f"{self.family} {self.style}".strip() if self.style.lower() not in _REGULAR else self.family


def name_key(name: str) -> str:
    """``name`` as compared: case, spaces, hyphens and underscores do not count."""
    return re.sub(r"[\s_\-]+", "", name.casefold())


def bundled_font() -> Path:
    """The font shipped with the app (DejaVu Sans Bold)."""
    return Path(str(resources.files("desktop.resources").joinpath("fonts/DejaVuSans-Bold.ttf")))


def read_faces(path: Path) -> tuple[FontFace, ...]:
    """The outline faces in the font file ``path`` (none if it cannot be read)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return ()
    return _read_faces(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8192)
def _read_faces(path: str, size: int, mtime_ns: int) -> tuple[FontFace, ...]:
    from fontTools.ttLib import TTCollection, TTFont

    faces = []
    try:
        if path.lower().endswith((".ttc", ".otc")):
            with TTCollection(path, lazy=True) as collection:
                for index, font in enumerate(collection.fonts):
                    faces.append(_face(Path(path), index, font))
        else:
            with TTFont(path, lazy=True) as font:
                faces.append(_face(Path(path), 0, font))
    # fontTools raises many kinds of errors on damaged or unusual files; a font that cannot
    # be read is simply not offered, as in any font menu.
    except Exception:  # noqa: BLE001
        return ()
    return tuple(face for face in faces if face is not None)


def _face(path: Path, index: int, font) -> FontFace | None:
    if not any(tag in font for tag in ("glyf", "CFF ", "CFF2")):
        return None  # bitmap-only or colour-bitmap fonts have no outlines to typeset with
    names: dict[int, list[str]] = {}
    table = font["name"]
    for record in table.names:
        if record.nameID in (1, 2, 4, 6, 16, 17):
            try:
                text = record.toUnicode().strip()
            except (UnicodeDecodeError, LookupError):
                continue
            if text:
                names.setdefault(record.nameID, []).append(text)
    family = table.getDebugName(1) or next(iter(names.get(1, [])), "")
    if not family:
        return None
    style = table.getDebugName(2) or "Regular"
    families = {name for name_id in _FAMILY_IDS for name in names.get(name_id, [])} | {family}
    full = {name for name_id in _FULL_IDS for name in names.get(name_id, [])}
    for family_id, style_id in ((1, 2), (16, 17)):
        for family_name in names.get(family_id, []):
            full.update(f"{family_name} {style_name}" for style_name in names.get(style_id, []))
    os2 = font.get("OS/2")
    weight = os2.usWeightClass if os2 is not None else 400
    italic = bool(os2.fsSelection & 1) if os2 is not None else bool(font["head"].macStyle & 2)
    return FontFace(
        path,
        index,
        family,
        style,
        weight,
        italic,
        frozenset(name_key(name) for name in families),
        frozenset(name_key(name) for name in full),
    )


@dataclass(frozen=True)
class FontLibrary:
    """A set of font faces, looked up by the names inside them."""

    faces: tuple[FontFace, ...]

    def families(self) -> list[str]:
        """The family names to offer, sorted, each once."""
        return sorted({face.family for face in self.faces}, key=str.casefold)

    def find(self, name: str) -> FontFace | None:
        """The face called ``name``: a full name ("Arial Bold") picks that face, a family
        name ("Times New Roman") its regular, upright face; None if there is none."""
        key = name_key(name)
        for field in ("full_keys", "family_keys"):
            matches = [face for face in self.faces if key in getattr(face, field)]
            if matches:
                return min(matches, key=_regular_first)
        return None


def _regular_first(face: FontFace) -> tuple:
    return (face.italic, face.style.lower() not in _REGULAR, abs(face.weight - 400), str(face.path), face.index)


def font_folders() -> list[Path]:
    """The folders fonts are installed in on this platform (whether or not they exist)."""
    home = Path.home()
    data_home = Path(os.environ.get("XDG_DATA_HOME") or home / ".local/share")
    folders = [home / ".fonts", data_home / "fonts", Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
    if sys.platform == "darwin":
        folders += [home / "Library/Fonts", Path("/Library/Fonts"), Path("/System/Library/Fonts")]
    if sys.platform == "win32":
        folders.append(Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts")
        if os.environ.get("LOCALAPPDATA"):  # fonts installed for one user (Windows 10 and later)
            folders.append(Path(os.environ["LOCALAPPDATA"]) / "Microsoft/Windows/Fonts")
    return folders


def installed_fonts() -> FontLibrary:
    """The bundled font and every outline font installed on this computer (cached: call
    :func:`refresh_fonts` to see fonts installed since)."""
    folders = tuple(str(folder) for folder in font_folders())
    return _library(folders, shutil.which("fc-list") is not None)


def refresh_fonts() -> None:
    """Forget the installed fonts, so the next lookup looks at the folders again."""
    _library.cache_clear()


@functools.lru_cache(maxsize=8)
def _library(folders: tuple[str, ...], use_fontconfig: bool) -> FontLibrary:
    files = dict.fromkeys([bundled_font()])
    for folder in map(Path, folders):
        if folder.is_dir():
            files.update(dict.fromkeys(sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)))
    if use_fontconfig:
        files.update(dict.fromkeys(_fontconfig_files()))
    return FontLibrary(tuple(face for path in files for face in read_faces(path)))


def _fontconfig_files() -> list[Path]:
    try:
        result = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    paths = (Path(line) for line in sorted(set(result.stdout.splitlines())) if line)
    return [path for path in paths if path.suffix.lower() in FONT_SUFFIXES]


def find_font(name: str = "") -> FontFace:
    """The face for ``name``: a family or full name as the font itself gives it, or the path
    of a .ttf/.otf/.ttc file; '' means the bundled font. InvalidParameters if there is none."""
    name = name.strip()
    if not name or name_key(name) == name_key(BUNDLED_FONT):
        return read_faces(bundled_font())[0]
    path = Path(name).expanduser()
    if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
        faces = read_faces(path)
        if not faces:
            raise InvalidParameters("font", f"The font file {path.name} could not be read, or has no outlines.")
        return faces[0]
    face = installed_fonts().find(name)
    if face is None:
        raise InvalidParameters(
            "font",
            f"The font {name!r} could not be found on this computer. Pick an installed font, give the path "
            f"of a .ttf/.otf file, or leave it empty for {BUNDLED_FONT}.",
        )
    return face
