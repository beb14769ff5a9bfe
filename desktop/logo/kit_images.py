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

from PIL import Image, ImageDraw

from desktop.logo.artwork import HORIZONTAL, WHITE, Artwork, in_circle, mark_artwork, treatment_for, variant
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
# name: (size, the safe area every platform shows, centred)
SOCIAL_COVERS = {
    "link-preview-1200x630.png": ((1200, 630), (1200, 630)),
    "banner-1500x500.png": ((1500, 500), (1500, 500)),
    "facebook-cover-820x312.png": ((820, 312), (820, 312)),
    "facebook-cover-851x315.png": ((851, 315), (851, 315)),
    "linkedin-banner-1584x396.png": ((1584, 396), (1584, 396)),
    "linkedin-company-cover-1128x191.png": ((1128, 191), (1128, 191)),
    "youtube-channel-art-2560x1440.png": ((2560, 1440), (1546, 423)),
    "instagram-post-1080x1080.png": ((1080, 1080), (1080, 1080)),
    "instagram-story-1080x1920.png": ((1080, 1920), (1080, 1420)),
}
LEGACY_LAUNCHER = {"mdpi": 48, "hdpi": 72, "xhdpi": 96, "xxhdpi": 144, "xxxhdpi": 192}
SIGNATURE_WIDTH = 200  # CSS px the email signature logo is shown at (its PNG has twice as many)


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


def square_svg(assets: BrandAssets, metadata: str = "", title: str = "") -> str:
    """The full-colour mark centred in a square viewBox (favicon.svg)."""
    art = mark_artwork(assets.mark, "full-color", assets.treatments)
    side = max(art.width, art.height)
    shift = ((side - art.width) / 2, (side - art.height) / 2)
    square = Artwork(f'<g transform="translate({shift[0]:g},{shift[1]:g})">{art.body}</g>', side, side)
    return square.svg(metadata, title=title)


def avatar(assets: BrandAssets, side: int) -> Image.Image:
    """A square profile picture: the mark inside the circle platforms cut it to."""
    return badge(assets, side, AVATAR_RADIUS)


def android_foreground(assets: BrandAssets, side: int) -> Image.Image:
    """The foreground layer of an Android adaptive icon: the mark inside the 66 dp safe circle."""
    return in_circle(assets.mark, mark_for(assets, assets.background), side, ANDROID_RADIUS)


def android_monochrome(assets: BrandAssets, side: int) -> Image.Image:
    """The Android 13 monochrome layer: the one-colour mark (white, alpha is what counts) inside
    the 66 dp safe circle; the system tints it to the user's theme."""
    art = mark_artwork(assets.mark, WHITE, assets.treatments)
    return in_circle(assets.mark, art, side, ANDROID_RADIUS)


def legacy_launcher(assets: BrandAssets, side: int, round_icon: bool = False) -> Image.Image:
    """A launcher icon for Android before 8: the mark on the background colour, in a rounded
    square (or a circle) with transparent corners."""
    icon = badge(assets, side, ICON_RADIUS * (0.92 if round_icon else 1.0))
    mask = Image.new("L", (side * 4, side * 4), 0)
    draw = ImageDraw.Draw(mask)
    if round_icon:
        draw.ellipse((0, 0, side * 4 - 1, side * 4 - 1), fill=255)
    else:
        draw.rounded_rectangle((0, 0, side * 4 - 1, side * 4 - 1), radius=side * 4 * 0.12, fill=255)
    icon.putalpha(mask.resize((side, side), Image.Resampling.BOX))
    return icon


class EmailSignature:
    """The logo of an email signature: the horizontal logo on white at twice its shown size,
    and the HTML that shows it (with the name as text, for mail that blocks images)."""

    def __init__(self, assets: BrandAssets) -> None:
        self.assets = assets
        treatment = treatment_for("#ffffff", assets.mark, assets.treatments)
        self.logo = variant(
            assets.mark, HORIZONTAL, treatment, assets.treatments, assets.request.name, assets.request.font
        )
        self.height = max(1, round(SIGNATURE_WIDTH * self.logo.height / self.logo.width))

    def image(self) -> Image.Image:
        size = (2 * SIGNATURE_WIDTH, 2 * self.height)
        return self.logo.placed(size, self.logo.fit_scale(size), background="#ffffff")

    def html(self, image_name: str) -> str:
        request = self.assets.request
        name, tagline = escape(request.name), escape(request.tagline)
        color = self.assets.treatments.ink(treatment_for("#ffffff", self.assets.mark, self.assets.treatments))
        lines = [
            f"<!-- {name}: email signature. Put {image_name} on your website (or attach it), change src to its",
            "     full address, then paste this into your email program's signature settings. -->",
            '<table cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse">',
            f'  <tr><td style="padding:0 0 8px 0"><img src="{image_name}" width="{SIGNATURE_WIDTH}" '
            f'height="{self.height}" alt="{name}" style="display:block;border:0"></td></tr>',
            f'  <tr><td style="font-family:Arial,Helvetica,sans-serif;font-size:14px;font-weight:bold;color:{color}">'
            f"{name}</td></tr>",
        ]
        if tagline:
            lines.append(
                '  <tr><td style="font-family:Arial,Helvetica,sans-serif;font-size:12px;color:#5f6670">'
                f"{tagline}</td></tr>"
            )
        lines.append("</table>")
        return "\n".join(lines) + "\n"


def cover(assets: BrandAssets, size: tuple[int, int], safe: tuple[int, int] | None = None) -> Image.Image:
    """A social cover: the horizontal logo (and tagline) centred on the background.

    The content stays in the middle 75% of the width of the ``safe`` area (centred; default:
    the whole image), where platforms crop and overlay least.
    """
    width, height = safe or size
    canvas_width, canvas_height = size
    background = assets.background
    treatment = treatment_for(background, assets.mark, assets.treatments)
    logo = variant(assets.mark, HORIZONTAL, treatment, assets.treatments, assets.request.name, assets.request.font)
    tagline = assets.request.tagline
    text_px = round(height * 0.065)
    box = (width * 0.75, height * (0.5 if tagline else 0.62))
    scale = logo.fit_scale(box)
    block = logo.height * scale + (text_px * 2.2 if tagline else 0)
    top = (canvas_height - block) / 2
    canvas = logo.placed(size, scale, (canvas_width / 2, top + logo.height * scale / 2), background)
    if tagline:
        color = assets.treatments.ink(treatment)
        line = text_line(assets, tagline, text_px, color, width * 0.75)
        canvas.alpha_composite(line, ((canvas_width - line.width) // 2, round(top + logo.height * scale)))
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
        '    <monochrome android:drawable="@mipmap/ic_launcher_monochrome"/>\n'
        "</adaptive-icon>\n"
    )
