"""``logo-studio export``: logo files for one image (palette lock, transparent PNG, SVG, wordmark,
icon set)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli import EXIT_FAILURE, EXIT_USAGE, fail
from desktop.errors import ExportConflict, InvalidParameters, LogoStudioError


def run_export(args: argparse.Namespace) -> int:
    """Run ``logo-studio export``; returns the exit code."""
    from desktop.logo.colors import check_hex
    from desktop.logo.pipeline import LogoExport, export_logo, parse_palette
    from desktop.logo.wordmark import WordmarkStyle

    try:
        palette = parse_palette(args.palette)
        background = check_hex(args.background, "background") if args.background.strip() else ""
        wordmark = None
        if args.wordmark is not None:
            color = check_hex(args.text_color, "text_color") if args.text_color.strip() else ""  # "": as the kit
            wordmark = WordmarkStyle(args.wordmark, font=args.font, color=color, layout=args.layout)
        options = LogoExport(
            palette=palette,
            background=background,
            palette_lock=args.palette_lock,
            transparent=args.transparent,
            clear_holes=args.clear_holes,
            svg=args.svg,
            svg_mode=args.svg_mode,
            icon_set=args.icon_set,
            wordmark=wordmark,
        )
        _note_fast_draft(args.input)
        written = export_logo(args.input, args.out, options, overwrite=args.overwrite)
    except InvalidParameters as error:
        return fail(with_flag(error), EXIT_USAGE)
    except ExportConflict as error:
        return fail(f"{error.message} Add --overwrite to replace them.", EXIT_USAGE)
    except LogoStudioError as error:
        return fail(error, EXIT_FAILURE)
    for warning in written.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path in written.files:
        print(path)
    return 0


def with_flag(error: InvalidParameters) -> str:
    """The error's message, naming the option that gives what is missing where there is one."""
    if error.field == "background" and "give the background colour" in error.message:
        return error.message.replace("give the background colour", "give the background colour with --background")
    return error.message


def _note_fast_draft(path: Path) -> None:
    """Say so when ``path`` is a Fast draft (decoded by the tiny autoencoder), and how to get it sharp."""
    from PIL import Image

    from desktop.errors import MetadataError
    from desktop.metadata import read_params

    try:
        with Image.open(path) as image:
            params = read_params(image)
    except (MetadataError, OSError):  # not an image of ours: export_logo says what is wrong with it
        return
    if params.tiny_decode:
        print(
            f"note: {path.name} is a Fast draft, decoded by the tiny autoencoder. For a sharp file, make its "
            f"full-quality version first: logo-studio generate with the same prompt, --fast --final --seed "
            f"{params.seed}",
            file=sys.stderr,
        )
