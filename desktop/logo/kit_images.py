"""The kit's raster files beyond the logo variants: social avatars and covers, web and app icons,
and the web manifest and HTML snippet that name them (no Qt).

Every picture is rendered from the mark's vector traces at its own size. Marks that must survive
a crop (avatars cut to a circle, Android's adaptive icons, maskable web icons) are scaled by how
far their ink reaches from the centre, not by their bounding box, so a round mark is as large as
it can safely be and a square one is never cut at its corners.
"""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING

from PIL import Image

from desktop.logo.artwork import HORIZONTAL, Artwork, in_circle, mark_artwork, treatment_for, variant
from desktop.logo.raster import fill_layer, polygons_of
from desktop.logo.shaping import shape_text

if TYPE_CHECKING:
    from desktop.logo.brand import BrandAssets

AVATAR_RADIUS = 0.4  # of the side: the ink stays well inside the circle a profile picture is cut to
ICON_RADIUS = 0.36  # app and web icons: inside the maskable safe zone (a circle of 0.4 of the side)
TOUCH_RADIUS = 0.38
# Android adaptive icons: 108 dp layers, of which a 66 dp circle is always shown.
ANDROID_DENSITIES = {"mdpi": 108, "hdpi": 162, "xhdpi": 216, "xxhdpi": 324, "xxxhdpi": 432}
ANDROID_RADIUS = 30 / 108
SOCIAL_COVERS = {"link-preview-1200x630.png": (1200, 630), "banner-1500x500.png": (1500, 500)}


def mark_for(assets, background: str) -> Artwork:
    """The mark (no clear space) in the treatment that reads on ``background``."""
    return mark_artwork(assets.mark, treatment_for(background, assets.mark, assets.treatments), assets.treatments)


def badge(assets: BrandAssets, side: int, radius_share: float) -> Image.Image:
    """A ``side`` px square in the brand's background colour with the mark centred on it."""
    background = assets.background
    return in_circle(assets.mark, mark_for(assets, background), side, radius_share, background)


def bare_mark(assets: BrandAssets, side: int) -> Image.Image:
    """The full-colour mark filling a transparent ``side`` px square (favicons)."""
    art = mark_artwork(assets.mark, "full-color", assets.treatments)
    return art.placed((side, side), art.fit_scale((side, side)))


def square_svg(assets: BrandAssets, metadata: str = "") -> str:
    """The full-colour mark centred in a square viewBox (favicon.svg)."""
    art = mark_artwork(assets.mark, "full-color", assets.treatments)
    side = max(art.width, art.height)
    shift = ((side - art.width) / 2, (side - art.height) / 2)
    return Artwork(f'<g transform="translate({shift[0]:g},{shift[1]:g})">{art.body}</g>', side, side).svg(metadata)


def avatar(assets: BrandAssets, side: int) -> Image.Image:
    """A square profile picture: the mark inside the circle platforms cut it to."""
    return badge(assets, side, AVATAR_RADIUS)


def android_foreground(assets: BrandAssets, side: int) -> Image.Image:
    """The foreground layer of an Android adaptive icon: the mark inside the 66 dp safe circle."""
    return in_circle(assets.mark, mark_for(assets, assets.background), side, ANDROID_RADIUS)


def cover(assets: BrandAssets, size: tuple[int, int]) -> Image.Image:
    """A link preview or banner: the horizontal logo (and tagline) centred on the background.

    The content stays in the middle 75% of the width, where platforms crop and overlay least.
    """
    width, height = size
    background = assets.background
    treatment = treatment_for(background, assets.mark, assets.treatments)
    logo = variant(assets.mark, HORIZONTAL, treatment, assets.treatments, assets.request.name, assets.request.font)
    tagline = assets.request.tagline
    text_px = round(height * 0.065)
    box = (width * 0.75, height * (0.5 if tagline else 0.62))
    scale = logo.fit_scale(box)
    block = logo.height * scale + (text_px * 2.2 if tagline else 0)
    top = (height - block) / 2
    canvas = logo.placed(size, scale, (width / 2, top + logo.height * scale / 2), background)
    if tagline:
        color = assets.treatments.ink(treatment)
        line = text_line(assets, tagline, text_px, color, width * 0.75)
        canvas.alpha_composite(line, ((width - line.width) // 2, round(top + logo.height * scale)))
    return canvas


def text_line(assets: BrandAssets, text: str, px: float, color: str, max_width: float) -> Image.Image:
    """``text`` set in the brand font at ``px`` (smaller if it is wider than ``max_width``)."""
    shaped = shape_text(assets.face, text, px)
    if shaped.advance > max_width:
        shaped = shape_text(assets.face, text, px * max_width / shaped.advance)
    left, top, right, bottom = shaped.ink or (0.0, -shaped.ascent, shaped.advance, shaped.descent)
    size = (max(1, round(right - left) + 4), round(shaped.ascent + shaped.descent) + 4)
    polygons = polygons_of(lambda pen: shaped.draw(pen, 2 - left, 2 + shaped.ascent))
    return fill_layer(polygons, size, color)


def webmanifest(name: str, theme: str, background: str) -> str:
    """site.webmanifest naming icon-192.png and icon-512.png (paths relative to the manifest)."""
    icons = [
        {"src": "icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": "icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    short = name if len(name) <= 12 else name.split()[0][:12]
    document = {
        "name": name,
        "short_name": short,
        "icons": icons,
        "theme_color": theme.upper(),
        "background_color": background.upper(),
        "display": "standalone",
        "start_url": "/",
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def head_snippet(name: str, tagline: str, theme: str) -> str:
    """The ``<link>`` and ``<meta>`` tags for a site's ``<head>``."""
    title, description = escape(name), escape(tagline)
    lines = [
        f"<!-- {title}: icons and link preview from the brand kit.",
        "     Put the files of the web folder at the root of the site (next to index.html), and",
        "     social/link-preview-1200x630.png anywhere public: og:image needs its full address. -->",
        '<link rel="icon" href="/favicon.ico" sizes="32x32">',
        '<link rel="icon" href="/favicon.svg" type="image/svg+xml">',
        '<link rel="apple-touch-icon" href="/apple-touch-icon.png">',
        '<link rel="manifest" href="/site.webmanifest">',
        f'<meta name="theme-color" content="{theme.upper()}">',
        f'<meta property="og:title" content="{title}">',
    ]
    if tagline:
        lines.append(f'<meta property="og:description" content="{description}">')
    lines += [
        '<meta property="og:image" content="https://www.example.com/link-preview-1200x630.png">',
        '<meta property="og:image:width" content="1200">',
        '<meta property="og:image:height" content="630">',
        '<meta name="twitter:card" content="summary_large_image">',
    ]
    return "\n".join(lines) + "\n"


def adaptive_icon_xml() -> str:
    """mipmap-anydpi-v26/ic_launcher.xml: the adaptive icon made of the two layers."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<adaptive-icon xmlns:android="http://schemas.android.com/apk/res/android">\n'
        '    <background android:drawable="@mipmap/ic_launcher_background"/>\n'
        '    <foreground android:drawable="@mipmap/ic_launcher_foreground"/>\n'
        "</adaptive-icon>\n"
    )
