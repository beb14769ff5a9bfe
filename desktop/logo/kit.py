"""The brand kit: from one chosen logo, every file a small business needs, in one folder.

``make_brand_kit`` lists every file first, refuses to replace existing ones unless asked
(nothing is written then), writes each file atomically, and reports progress. Plain Python; the
brand sheet alone is painted with Qt (:mod:`desktop.logo.sheet`, imported when it is written).
"""

from __future__ import annotations

import functools
import zipfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from desktop.errors import ExportConflict
from desktop.files import atomic_write
from desktop.logo import kit_images as images
from desktop.logo.artwork import COLORED, LAYOUTS, ONE_COLOR_DARK, TREATMENTS
from desktop.logo.brand import BrandAssets, BrandKitRequest, prepare_brand
from desktop.logo.brand_sheet import sheet_content
from desktop.logo.card_sizes import CARDS
from desktop.logo.colors import colors_css, colors_json
from desktop.logo.icons import save_favicon
from desktop.logo.staging import Written, save_png, write_all, write_text

LOGO_PX = 640  # the logo PNGs show the mark this many pixels on its longer side (the SVGs scale to any size)
SHEET_WIDTH = 1754  # brand-sheet.png: A4 at 150 dpi
Progress = Callable[[int, int, Path | None], None]


def kit_paths(request: BrandKitRequest) -> list[str]:
    """Every file of the kit, relative to its folder, in the order they are written."""
    slug = request.slug
    paths = [
        f"logo/{slug}-{layout}-{treatment}.{ext}"
        for layout in LAYOUTS
        for treatment in TREATMENTS
        for ext in ("png", "svg")
    ]
    paths += ["social/avatar-400.png", "social/avatar-800.png", *(f"social/{name}" for name in images.SOCIAL_COVERS)]
    paths += [f"email/{slug}-signature@2x.png", "email/signature.html"]
    paths += [f"print/{name}" for name in CARDS]
    paths += [f"web/{name}" for name in ("favicon.ico", "favicon.svg", "apple-touch-icon.png", "icon-192.png")]
    paths += ["web/icon-512.png", "web/site.webmanifest", "web/head-snippet.html", "app-icons/app-icon-1024.png"]
    for density in images.ANDROID_DENSITIES:
        paths += [
            f"app-icons/android/mipmap-{density}/{name}.png"
            for name in ("ic_launcher_foreground", "ic_launcher_background", "ic_launcher_monochrome")
        ]
        paths += [f"app-icons/android/mipmap-{density}/{name}.png" for name in ("ic_launcher", "ic_launcher_round")]
    paths += ["app-icons/android/mipmap-anydpi-v26/ic_launcher.xml", "app-icons/android/play-store-512.png"]
    paths += ["colors/colors.json", "colors/colors.css", "brand-sheet.pdf", "brand-sheet.png", "README.txt"]
    return paths


def zip_name(request: BrandKitRequest) -> str:
    """The kit's .zip, written into the kit's folder last."""
    return f"{request.slug}-brand-kit.zip"


def kit_files(out_dir: Path, request: BrandKitRequest, zip_too: bool = False) -> list[Path]:
    """The paths ``make_brand_kit`` would write (for asking before anything is replaced)."""
    out_dir = Path(out_dir)
    return [out_dir / path for path in kit_paths(request)] + ([out_dir / zip_name(request)] if zip_too else [])


def make_brand_kit(
    source_png: Path,
    out_dir: Path,
    brand: BrandKitRequest,
    *,
    overwrite: bool = False,
    zip_too: bool = False,
    on_progress: Progress | None = None,
) -> Written:
    """Write the brand kit for the logo ``source_png`` into ``out_dir``: all of it or nothing.

    The files are made in a temporary folder beside ``out_dir`` and moved into place when all
    are complete (:mod:`desktop.logo.staging`). ExportConflict (naming the files, nothing
    written) when any exists and ``overwrite`` is False; InvalidParameters when the image, font
    or name cannot be used; ExportError when the disk refuses. ``on_progress(done, total,
    path)`` is called before the first file (done 0) and after each one is made. Every file
    keeps the generation parameters where its format has room. Returns the paths and warnings.
    """
    out_dir = Path(out_dir)
    relatives = kit_paths(brand) + ([zip_name(brand)] if zip_too else [])
    existing = [relative for relative in relatives if (out_dir / relative).exists()]
    if existing and not overwrite:
        more = f" and {len(existing) - 4} more" if len(existing) > 4 else ""
        raise ExportConflict(
            f"Not written: {', '.join(existing[:4])}{more} already exist in {out_dir}. Choose another folder or "
            "allow replacing."
        )
    report = on_progress or (lambda done, total, path: None)
    report(0, len(relatives), None)
    assets = prepare_brand(Path(source_png), brand)
    writers = _writers(assets)
    if zip_too:
        writers[zip_name(brand)] = lambda path: _write_zip(path, relatives[:-1], brand)
    files = write_all(
        out_dir,
        {relative: writers[relative] for relative in relatives},
        "write the brand kit",
        lambda done, path: report(done, len(relatives), path),
    )
    return Written(files, assets.mark.warnings)


def _writers(assets: BrandAssets) -> dict[str, Callable[[Path], None]]:
    """How each file of :func:`kit_paths` is made, keyed by its relative path."""
    request, metadata = assets.request, assets.metadata
    png = assets.png_options()
    slug, background = request.slug, assets.background
    writers: dict[str, Callable[[Path], None]] = {}

    def save(make: Callable[[], Image.Image]) -> Callable[[Path], None]:
        return lambda path: save_png(make(), path, **png)

    def text(make: Callable[[], str]) -> Callable[[Path], None]:
        return lambda path: write_text(path, make())

    title = f"{request.name} logo"

    scale = LOGO_PX / max(assets.mark.size)

    @functools.cache
    def one_color_alpha(layout: str) -> Image.Image:
        return assets.variant(layout, ONE_COLOR_DARK).render(scale).getchannel("A")

    def logo_png(layout: str, treatment: str) -> Image.Image:
        if treatment in COLORED:
            return assets.variant(layout, treatment).render(scale)
        # The one-ink variants have the same shape: render it once, fill it with each ink.
        alpha = one_color_alpha(layout)
        image = Image.new("RGBA", alpha.size, assets.treatments.ink(treatment))
        image.putalpha(alpha)
        return image

    for layout in LAYOUTS:
        for treatment in TREATMENTS:
            name = f"logo/{slug}-{layout}-{treatment}"
            writers[f"{name}.png"] = save(lambda layout=layout, treatment=treatment: logo_png(layout, treatment))
            writers[f"{name}.svg"] = text(
                lambda key=(layout, treatment): assets.variant(*key).svg(metadata, title=title)
            )
    for side in (400, 800):
        writers[f"social/avatar-{side}.png"] = save(lambda side=side: images.avatar(assets, side))
    for name, (size, safe) in images.SOCIAL_COVERS.items():
        writers[f"social/{name}"] = save(lambda size=size, safe=safe: images.cover(assets, size, safe))
    signature = images.EmailSignature(assets)
    writers[f"email/{slug}-signature@2x.png"] = save(signature.image)
    writers["email/signature.html"] = text(lambda: signature.html(f"{slug}-signature@2x.png"))
    for name, card in CARDS.items():
        writers[f"print/{name}"] = lambda path, card=card: _write_card(assets, card, path)
    writers["web/favicon.ico"] = lambda path: atomic_write(path, lambda handle: save_favicon(_favicon(assets), handle))
    writers["web/favicon.svg"] = text(lambda: images.square_svg(assets, metadata, title))
    writers["web/apple-touch-icon.png"] = save(lambda: images.badge(assets, 180, images.TOUCH_RADIUS))
    for side in (192, 512):
        writers[f"web/icon-{side}.png"] = save(lambda side=side: images.badge(assets, side, images.ICON_RADIUS))
    writers["web/site.webmanifest"] = text(lambda: images.webmanifest(request.name, assets.primary, background))
    writers["web/head-snippet.html"] = text(lambda: images.head_snippet(request.name, request.tagline, assets.primary))
    writers["app-icons/app-icon-1024.png"] = save(lambda: images.badge(assets, 1024, images.ICON_RADIUS))
    for density, side in images.ANDROID_DENSITIES.items():
        folder = f"app-icons/android/mipmap-{density}"
        writers[f"{folder}/ic_launcher_foreground.png"] = save(
            lambda side=side: images.android_foreground(assets, side)
        )
        writers[f"{folder}/ic_launcher_background.png"] = save(
            lambda side=side: Image.new("RGB", (side, side), background)
        )
        writers[f"{folder}/ic_launcher_monochrome.png"] = save(
            lambda side=side: images.android_monochrome(assets, side)
        )
        legacy = images.LEGACY_LAUNCHER[density]
        writers[f"{folder}/ic_launcher.png"] = save(lambda side=legacy: images.legacy_launcher(assets, side))
        writers[f"{folder}/ic_launcher_round.png"] = save(
            lambda side=legacy: images.legacy_launcher(assets, side, True)
        )
    writers["app-icons/android/mipmap-anydpi-v26/ic_launcher.xml"] = text(images.adaptive_icon_xml)
    writers["app-icons/android/play-store-512.png"] = save(lambda: images.badge(assets, 512, images.ICON_RADIUS))
    colors = list(assets.colors)
    writers["colors/colors.json"] = text(lambda: colors_json(colors, background, request.name, metadata))
    writers["colors/colors.css"] = text(lambda: colors_css(colors, background, request.name, assets.treatments.text))
    sheet = _SheetFiles(assets, png)
    writers["brand-sheet.pdf"] = sheet.write_pdf
    writers["brand-sheet.png"] = sheet.write_png
    writers["README.txt"] = text(lambda: readme(assets))
    return writers


def _favicon(assets: BrandAssets) -> dict[int, Image.Image]:
    return {side: images.bare_mark(assets, side) for side in (16, 32, 48)}


class _SheetFiles:
    """The PDF and the PNG of the sheet, from one SheetContent made on first use."""

    def __init__(self, assets: BrandAssets, png_options: dict) -> None:
        self.assets, self.png_options, self._content = assets, png_options, None

    def content(self):
        if self._content is None:
            self._content = sheet_content(self.assets)
        return self._content

    def write_pdf(self, path: Path) -> None:
        from desktop.logo.sheet import sheet_pdf

        data = sheet_pdf(self.content())
        atomic_write(path, lambda handle: handle.write(data))

    def write_png(self, path: Path) -> None:
        from desktop.logo.sheet import sheet_image

        save_png(sheet_image(self.content(), SHEET_WIDTH), path, dpi=(150, 150), **self.png_options)


def _write_card(assets: BrandAssets, card, path: Path) -> None:
    from desktop.logo.card import card_pdf

    data = card_pdf(assets, card)
    atomic_write(path, lambda handle: handle.write(data))


def _write_zip(path: Path, relatives: list[str], request: BrandKitRequest) -> None:
    """The kit's other files (beside ``path``) packed into one .zip."""
    root = f"{request.slug}-brand-kit"

    def write(handle) -> None:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for relative in relatives:
                archive.write(path.parent / relative, f"{root}/{relative}")

    atomic_write(path, write)


def readme(assets: BrandAssets) -> str:
    """README.txt: what each folder holds and where each file goes."""
    request = assets.request
    lines = [
        f"{request.name} brand kit",
        "=" * len(f"{request.name} brand kit"),
        "",
        "brand-sheet.pdf / .png  One page with the logos, colours, typeface and rules. Share it with anyone",
        "                        who designs, prints or codes for you.",
        "logo/       The logo in three layouts (mark, horizontal, stacked) and six colourings:",
        "            full colour; one colour dark, for light backgrounds; one colour light, for dark",
        "            backgrounds. PNG (transparent) for documents and the web, SVG for print and any size.",
        "            Each file includes the clear space: place it as it is.",
        "            Also black, white and greyscale versions (greys of the same lightness as the colours).",
        "social/     Profile pictures (400 and 800 px; the mark survives a circular crop), the link",
        "            preview (1200x630), a banner (1500x500), Facebook covers (820x312, 851x315), LinkedIn",
        "            banner (1584x396) and company cover (1128x191), YouTube channel art (2560x1440; the logo",
        "            inside the 1546x423 area every device shows), Instagram post (1080x1080) and story",
        "            (1080x1920; the logo clear of the top and bottom 250 px).",
        "email/      The logo for an email signature (PNG at twice its size, sharp on high-density screens)",
        "            and signature.html to paste into your email program's signature settings.",
        "print/      Business cards, 85x55 mm and 3.5x2 in, with 3 mm bleed and crop marks (PDF, vector).",
        "web/        Favicons, icons for phones and the web app manifest. Put them at the root of the",
        "            site and paste head-snippet.html into the <head> of each page.",
        "app-icons/  A 1024 px app icon (App Store and others), Android adaptive icon layers with the",
        "            Android 13 monochrome layer, and legacy launcher icons (square and round) for each",
        "            screen density (copy the mipmap folders into app/src/main/res/).",
        "colors/     colors.json (HEX, RGB, CMYK, WCAG contrast) and colors.css (CSS custom properties).",
        "",
        f"Typeface of the name: {assets.face.label}.",
        "CMYK values are an approximation: ask your printer for a proof before a large print run.",
    ]
    return "\n".join(lines) + "\n"
