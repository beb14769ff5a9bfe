"""What the one-page brand sheet shows, as plain data (no Qt): the logo variants on light and
dark, the palette with its codes and contrast, the font, clear space and minimum sizes, and
do/don't examples. :mod:`desktop.logo.sheet` paints it into a PDF and a PNG."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from PIL import Image

from desktop import __version__
from desktop.logo.artwork import (
    CLEAR_SPACE,
    FULL_COLOR,
    HORIZONTAL,
    MARK,
    ONE_COLOR_DARK,
    ONE_COLOR_LIGHT,
    STACKED,
    Artwork,
    mark_artwork,
    treatment_for,
)
from desktop.logo.brand import BrandAssets
from desktop.logo.colors import color_record, contrast_ratio
from desktop.logo.wordmark import WordmarkStyle
from desktop.metadata import to_a1111_text
from desktop.palette import hex_to_rgb

NEUTRAL_DARK = "#1e1e1e"
WRONG_COLORS = ("#e91e63", "#8bc34a", "#ffc107", "#9c27b0", "#00bcd4", "#ff5722")
MIN_TEXT_PX = 12  # the name on screen is at least this many pixels per em
MIN_TEXT_MM = 2.1  # and in print at least 6 pt
MIN_MARK = "24 px · 8 mm"


@dataclass(frozen=True)
class Tile:
    """One picture of the sheet: ``image`` (RGBA) shown on ``backdrop``; ``verdict`` is '', 'do'
    or 'dont'; ``stretch`` distorts it on purpose (a don't)."""

    caption: str
    image: Image.Image
    backdrop: str
    verdict: str = ""
    stretch: tuple[float, float] = (1.0, 1.0)
    art: Artwork | None = None  # the same picture as vectors: what the PDF draws (print-ready at any size)


@dataclass(frozen=True)
class SheetContent:
    """Everything the sheet shows, and the file's metadata."""

    name: str
    tagline: str
    font_label: str
    font_file: str
    font_weight: int
    font_italic: bool
    sample: str  # a few letters in the brand name's own script, for the typeface
    background: str
    logos: tuple[Tile, ...]
    colors: tuple[dict, ...]
    clear_space: Tile
    clear_share: float  # the clear space as a share of the clear_space picture's height
    minimum_sizes: tuple[tuple[str, str], ...]
    rules: tuple[Tile, ...]
    footer: str
    params_text: str = ""  # the generation parameters, A1111 style
    params_json: str = ""  # and as Logo Studio's JSON

    @property
    def title(self) -> str:
        return f"{self.name} brand sheet"


def sheet_content(assets: BrandAssets, detail: int = 640) -> SheetContent:
    """The sheet for ``assets``; pictures are rendered ``detail`` px on their longer side
    (640 for print at 300 dpi, less for a quick preview)."""
    mark, treatments, request = assets.mark, assets.treatments, assets.request
    background = assets.background
    home = treatment_for(background, mark, treatments)
    dark_backdrop = treatments.dark if contrast_ratio(treatments.dark, treatments.light) >= 4.5 else NEUTRAL_DARK
    primary = assets.primary
    on_primary = treatment_for(primary, mark, treatments)

    rendered: dict[tuple[str, str], Image.Image] = {}

    def render(art: Artwork) -> Image.Image:
        return art.render(detail / max(art.width, art.height))

    def picture(layout: str, treatment: str) -> Image.Image:
        """Each variant rendered once; the two one-colour variants share one rendered shape."""
        if (layout, treatment) not in rendered:
            if treatment == FULL_COLOR:
                rendered[layout, treatment] = render(assets.variant(layout, treatment))
            else:
                if (layout, "shape") not in rendered:
                    rendered[layout, "shape"] = render(assets.variant(layout, ONE_COLOR_DARK)).getchannel("A")
                image = Image.new("RGBA", rendered[layout, "shape"].size, treatments.ink(treatment))
                image.putalpha(rendered[layout, "shape"])
                rendered[layout, treatment] = image
        return rendered[layout, treatment]

    def tile(caption: str, layout: str, treatment: str, backdrop: str, *extra) -> Tile:
        return Tile(caption, picture(layout, treatment), backdrop, *extra, art=assets.variant(layout, treatment))

    home_name = {FULL_COLOR: "Full colour", ONE_COLOR_DARK: "One colour dark", ONE_COLOR_LIGHT: "One colour light"}
    logos = (
        tile(f"{home_name[home]} · mark", MARK, home, background),
        tile(f"{home_name[home]} · horizontal", HORIZONTAL, home, background),
        tile(f"{home_name[home]} · stacked", STACKED, home, background),
        tile("One colour dark · light backgrounds", HORIZONTAL, ONE_COLOR_DARK, "#ffffff"),
        tile("One colour light · dark backgrounds", HORIZONTAL, ONE_COLOR_LIGHT, dark_backdrop),
        tile(f"On the primary colour {primary.upper()}", MARK, on_primary, primary),
    )
    home_mark = mark_artwork(mark, home, treatments)
    recolored = _recolored(home_mark, mark.palette, treatments.text)
    rules = (
        tile("Use the files as supplied", MARK, home, background, "do"),
        tile("Reverse it on dark colours", MARK, ONE_COLOR_LIGHT, dark_backdrop, "do"),
        tile("Don't stretch or squash it", MARK, home, background, "dont", (1.5, 0.62)),
        Tile("Don't recolour it", render(recolored), background, "dont", art=recolored),
    )
    clear = assets.variant(MARK, FULL_COLOR)
    params = assets.params
    # The name isolated (FSI … PDI) in a left-to-right line (LRM), so a right-to-left name
    # neither turns the English sentence around nor moves to its end.
    footer = f"\u200e\u2068{request.name}\u2069 · brand sheet made with Logo Studio {__version__}"
    if params is not None and params.seed is not None:
        footer += f" from a generated image (seed {params.seed})"
    return SheetContent(
        name=request.name,
        tagline=request.tagline,
        font_label=assets.face.label,
        font_file=str(assets.face.path),
        font_weight=assets.face.weight,
        font_italic=assets.face.italic,
        sample=script_sample(request.name),
        background=background,
        logos=logos,
        colors=tuple(color_record(color, background) for color in assets.colors),
        clear_space=tile("", MARK, FULL_COLOR, background),
        clear_share=round(CLEAR_SPACE * mark.size[1]) / clear.height,
        minimum_sizes=minimum_sizes(assets),
        rules=rules,
        footer=footer,
        params_text=to_a1111_text(params) if params is not None and params.seed is not None else "",
        params_json=assets.metadata,
    )


def minimum_sizes(assets: BrandAssets) -> tuple[tuple[str, str], ...]:
    """The smallest each logo may be shown, so the name stays readable: (what, size)."""
    mark = assets.mark
    clear = round(CLEAR_SPACE * mark.size[1])
    sizes = [("Mark alone", f"{MIN_MARK} tall")]
    for layout, label in ((HORIZONTAL, "Horizontal logo"), (STACKED, "Stacked logo")):
        art = assets.variant(layout, FULL_COLOR)
        ink_width = art.width - 2 * clear
        style = WordmarkStyle(assets.request.name, layout=layout)
        reference = mark.size[1] if layout == HORIZONTAL else mark.size[0]
        em = reference * style.scale  # the name's size, in the same units as the artwork
        px = _round_up(ink_width * MIN_TEXT_PX / em, 5)
        mm = _round_up(ink_width * MIN_TEXT_MM / em, 1)
        sizes.append((label, f"{px} px · {mm} mm wide"))
    return tuple(sizes)


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step) * step)


def _recolored(art: Artwork, palette: tuple[str, ...], text: str) -> Artwork:
    """``art`` with each brand colour swapped for an unrelated one (a don't example)."""
    unused = [c for c in WRONG_COLORS if all(_distance(c, own) > 120 for own in (*palette, text))] or list(WRONG_COLORS)
    body = art.body
    for index, color in enumerate(dict.fromkeys((*palette, text))):
        body = body.replace(f'fill="{color}"', f'fill="{unused[index % len(unused)]}"')
    return Artwork(body, art.width, art.height)


def _distance(first: str, second: str) -> int:
    return max(abs(a - b) for a, b in zip(hex_to_rgb(first), hex_to_rgb(second), strict=True))


SAMPLES = {  # a pangram-like sample per script: letters that show a typeface's character
    "LATIN": "Aa Bb Cc 123",
    "ARABIC": "أ ب ج د س ع ١٢٣",
    "HEBREW": "א ב ג ד ה ו ש ת 123",
    "CYRILLIC": "Аа Бб Вв Жж 123",
    "GREEK": "Αα Ββ Γγ Δδ 123",
    "CJK": "永 和 九 年 123",
    "HIRAGANA": "あ い う え お 123",
    "KATAKANA": "ア イ ウ エ オ 123",
    "HANGUL": "가 나 다 라 마 123",
    "DEVANAGARI": "अ आ क ख ग १२३",
    "THAI": "ก ข ค ง จ ๑๒๓",
}


def script_sample(name: str) -> str:
    """The typeface sample for ``name``: a few letters of the script most of its letters are in
    (Latin if none is known), with digits."""
    counts: dict[str, int] = {}
    for char in name:
        if not char.isalpha():
            continue
        words = unicodedata.name(char, "").split()
        script = next((word for word in words if word in SAMPLES or word == "IDEOGRAPH"), "")
        script = "CJK" if script in ("IDEOGRAPH", "CJK") else script
        if script:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return SAMPLES["LATIN"]
    return SAMPLES[max(counts, key=counts.get)]
