"""A brand, as the kit needs it: the request (name, tagline, colours, font) checked, and the
chosen logo prepared once into everything the kit's files are drawn from (no Qt)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from desktop.errors import InvalidParameters
from desktop.logo.artwork import LAYOUTS, TREATMENTS, Artwork, Treatment, choose_treatments, variant
from desktop.logo.brand_mark import BrandMark, prepare_mark
from desktop.logo.colors import BrandColor, brand_colors, check_hex
from desktop.logo.fonts import FontFace, find_font
from desktop.metadata import png_info, to_json_text

MAX_NAME = 60
MAX_TAGLINE = 120


@dataclass(frozen=True)
class BrandKitRequest:
    """What the kit is made for. ``palette`` (brand colours, ``#rrggbb``) and ``background``
    default to the colours stored with the image; ``font`` is a font's name or file ('' for
    the bundled font). InvalidParameters for an empty name or a colour not written #RRGGBB."""

    name: str
    tagline: str = ""
    palette: tuple[str, ...] = ()
    background: str = ""
    font: str = ""

    def __post_init__(self) -> None:
        name, tagline = " ".join(self.name.split()), " ".join(self.tagline.split())
        if not name:
            raise InvalidParameters("name", "Type the brand name: it goes on the wordmark and the brand sheet.")
        if len(name) > MAX_NAME:
            raise InvalidParameters("name", f"The brand name is longer than {MAX_NAME} characters.")
        if len(tagline) > MAX_TAGLINE:
            raise InvalidParameters("tagline", f"The tagline is longer than {MAX_TAGLINE} characters.")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "tagline", tagline)
        object.__setattr__(self, "palette", tuple(dict.fromkeys(check_hex(c) for c in self.palette)))
        object.__setattr__(self, "background", check_hex(self.background, "background") if self.background else "")
        object.__setattr__(self, "font", self.font.strip())

    @property
    def slug(self) -> str:
        """The name for files: lower case, words joined by dashes ('brand' if nothing is left)."""
        return re.sub(r"[\W_]+", "-", self.name.casefold()).strip("-")[:40].strip("-") or "brand"


@dataclass(frozen=True, eq=False)
class BrandAssets:
    """The prepared brand: the cleaned-up mark, the variants' colours, the font and the colours."""

    request: BrandKitRequest
    mark: BrandMark
    treatments: Treatment
    face: FontFace
    colors: tuple[BrandColor, ...]
    _variants: dict = field(default_factory=dict, repr=False)

    @property
    def background(self) -> str:
        return self.mark.background

    @property
    def primary(self) -> str:
        return self.mark.palette[0]

    @property
    def params(self):
        return self.mark.params

    @functools.cached_property
    def metadata(self) -> str:
        """The generation parameters as JSON text ('' when the image has none)."""
        return to_json_text(self.params) if self.params else ""

    def png_options(self) -> dict:
        """``Image.save`` options that keep the generation parameters in PNG text chunks."""
        return {"pnginfo": png_info(self.params)} if self.params else {}

    def variant(self, layout: str, treatment: str) -> Artwork:
        """A logo variant with clear space (cached)."""
        key = (layout, treatment)
        if key not in self._variants:
            self._variants[key] = variant(
                self.mark, layout, treatment, self.treatments, self.request.name, self.request.font
            )
        return self._variants[key]


def prepare_brand(source: Path, request: BrandKitRequest) -> BrandAssets:
    """Open and prepare ``source`` for ``request`` (the slow part: a fraction of a second for a
    512 px image). InvalidParameters names what cannot be used: the image, the font, a letter
    the font does not have."""
    mark = _prepared_mark(Path(source), _stamp(Path(source)), request.palette, request.background)
    treatments = choose_treatments(mark)
    face = find_font(request.font)
    colors = tuple(brand_colors(mark.palette, mark.background))
    assets = BrandAssets(request, mark, treatments, face, colors)
    for layout in LAYOUTS[1:]:  # sets the name now: a missing letter is an error before any file
        assets.variant(layout, TREATMENTS[0])
    return assets


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _prepared_mark(source: Path, stamp: tuple[int, int], palette: tuple[str, ...], background: str) -> BrandMark:
    # Cached: the window's preview prepares the same image again for every keystroke in the name.
    return prepare_mark(source, palette, background)
