"""``logo-studio kit``: the whole brand kit for one image, from the command line.

Prints the paths it wrote, one a line, and warnings on stderr. The kit is made in a temporary
folder and moved into place when complete: an interrupted or failed run writes nothing. Exit
codes as the other commands: 2 for bad input (an unknown colour, an empty name, an unusable
image or font, files that exist without --overwrite), 1 when the disk refuses, 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, fail


def add_kit_command(subparsers) -> None:
    """Add the ``kit`` subcommand to ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    kit = subparsers.add_parser(
        "kit",
        help="make a brand kit from one logo: variants, social images, favicons, app icons, colours, brand sheet",
        description="Write a brand kit for INPUT into --out and print the paths: logo variants (PNG and SVG), "
        "social and web images, favicons and web manifest, app icons, colors.json/.css and a one-page brand "
        "sheet (PDF and PNG).",
    )
    kit.add_argument("input", type=Path, metavar="INPUT.png")
    kit.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the kit into")
    kit.add_argument("--name", required=True, help="the brand name, for the wordmark and the sheet")
    kit.add_argument("--tagline", default="", help="a short line under the name (link preview, banner, sheet)")
    kit.add_argument(
        "--palette", default="", metavar="HEX,...", help='brand colours, e.g. "#0F4C5C,#E36414" (default: from INPUT)'
    )
    kit.add_argument("--background", default="", metavar="HEX", help="brand background (default: from INPUT)")
    kit.add_argument(
        "--font", default="", metavar="NAME_OR_FILE", help="font family, full name or .ttf/.otf file for the name"
    )
    kit.add_argument("--zip", action="store_true", help="also pack the kit into one .zip")
    kit.add_argument("--overwrite", action="store_true", help="replace files that already exist")


def run_kit(args: argparse.Namespace) -> int:
    """Run ``logo-studio kit``; returns the exit code."""
    from desktop.cli.export import with_flag
    from desktop.errors import ExportConflict, InvalidParameters, LogoStudioError
    from desktop.logo.brand import BrandKitRequest
    from desktop.logo.colors import check_hex
    from desktop.logo.kit import make_brand_kit

    try:
        palette = tuple(check_hex(part) for part in args.palette.split(",") if part.strip())
        background = check_hex(args.background, "background") if args.background.strip() else ""
        request = BrandKitRequest(args.name, args.tagline, palette, background, args.font)
        if args.out.exists() and not args.out.is_dir():
            raise InvalidParameters("out", f"--out must be a folder, but {args.out} is a file.")
        written = make_brand_kit(
            args.input, args.out, request, overwrite=args.overwrite, zip_too=args.zip, on_progress=_progress
        )
    except KeyboardInterrupt:
        _status("\nInterrupted: nothing was written.")
        return EXIT_INTERRUPTED
    except ExportConflict as error:
        return fail(f"{error.message} Add --overwrite to replace them.", EXIT_USAGE)
    except InvalidParameters as error:
        return fail(with_flag(error), EXIT_USAGE)
    except LogoStudioError as error:
        return fail(error.message, EXIT_FAILURE)
    for warning in written.warnings:
        _status(f"warning: {warning}")
    for path in written.files:
        print(path)
    return 0


def _progress(done: int, total: int, path: Path | None) -> None:
    if sys.stderr is None or not sys.stderr.isatty():
        return
    end = "\n" if done == total else ""
    print(f"\rBrand kit: {done}/{total} files", end=end, file=sys.stderr, flush=True)


def _status(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
