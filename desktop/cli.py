"""Command-line interface: the parser of every command (``logo-studio generate``, ``export``,
``download``, ``kit``) for scripting and batch work, the ``export`` and ``download`` commands, and
how a command ends. ``generate`` runs in ``desktop.cli_generate``, ``kit`` in
``desktop.kit_command``; the download question and progress are ``desktop.cli_downloads``.

Errors print one line to stderr (no traceback) and exit non-zero: 2 for bad input (a model that
is not there or not loadable, a download nobody agreed to), 1 for a download, memory or disk
problem, 130 when interrupted with Ctrl+C. Nothing is downloaded without asking: on a terminal
the command asks; without one it needs ``--yes``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop import __version__
from desktop.cli_downloads import ask_on_terminal, download, status
from desktop.errors import DownloadNeedsConsent, InvalidParameters, LogoStudioError
from desktop.kit_command import add_kit_command
from desktop.schedulers import FLOW_SCHEDULERS, SD_SCHEDULERS

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logo-studio",
        description="Logo Studio: logos from a short text and a few brand colours. "
        "Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"Logo Studio {__version__}")
    parser.add_argument(
        "--check", action="store_true", help="print versions, device, folders and models (for bug reports) and exit"
    )
    parser.add_argument(
        "--smoke-test",
        type=Path,
        metavar="PNG",
        help="open the window, wait for the device (and --model) to be ready, save a screenshot to PNG and exit: "
        "checks that an installed or packaged app works",
    )
    parser.add_argument("--model", help="model for the window: hub id, diffusers folder or .safetensors file")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="device for the window")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    generate = commands.add_parser(
        "generate",
        help="generate images into the gallery without opening the window",
        description="Generate images (or inpaint one) and save them into the gallery. Prints the saved paths.",
    )
    generate.add_argument("--prompt", required=True, help="what the logo should be")
    generate.add_argument("--negative", default="", help="what to keep out of the image")
    generate.add_argument(
        "--model", help="hub id, diffusers folder or .safetensors file (default: the recommended model)"
    )
    generate.add_argument("--inpaint-model", default="", help="a dedicated inpainting model, used with --image")
    generate.add_argument("--seed", type=int, help="seed of the first image (default: random, printed)")
    generate.add_argument("--steps", type=int, help="denoising steps (default: the model family's, e.g. 25 for SD 1.5)")
    generate.add_argument(
        "--guidance",
        type=float,
        help="guidance scale (default: the model family's: 7.5 SD 1.5, 7 SDXL, 3.5 FLUX.1 dev)",
    )
    generate.add_argument(
        "--width", type=int, help="default: the model family's (512 SD 1.5, 1024 SDXL/FLUX.1), or --image's"
    )
    generate.add_argument("--height", type=int, help="default: the model family's, or the --image height")
    generate.add_argument("--count", type=int, default=1, help="number of images (seed, seed+1, ...)")
    generate.add_argument(
        "--scheduler",
        help=f"sampler (default: the model family's); SD 1.5 and SDXL: {', '.join(SD_SCHEDULERS)}; "
        f"FLUX.1: {', '.join(FLOW_SCHEDULERS)}",
    )
    generate.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"))
    generate.add_argument(
        "--lora",
        action="append",
        default=[],
        metavar="PATH_OR_ID[:WEIGHT]",
        help="apply a LoRA (.safetensors file, Hugging Face id, or a name in --lora-dir) with a weight "
        "(default 1); repeat for several. <lora:name:weight> in --prompt works too",
    )
    generate.add_argument(
        "--lora-dir", type=Path, help="folder where LoRA names are looked up (default: the folder of the first --lora)"
    )
    generate.add_argument(
        "--fast",
        action="store_true",
        help="a draft in seconds: the model family's few-step LoRA (LCM-LoRA), its sampler, steps and guidance, "
        "and the tiny autoencoder (downloaded once, with your consent)",
    )
    generate.add_argument(
        "--final",
        action="store_true",
        help="with --fast: decode with the model's own autoencoder, the full-quality version of the draft made with "
        "the same --seed (the window's Export does this by itself)",
    )
    generate.add_argument("--image", type=Path, help="start from this image: inpaint with --mask, else variations")
    generate.add_argument("--mask", type=Path, help="mask for --image: white = repaint, black = keep")
    generate.add_argument(
        "--strength", type=float, help="how much to change (0-1]; default 1 for inpainting, 0.6 for variations"
    )
    generate.add_argument("--upscale", action="store_true", help="twice the size of --image, redrawn lightly")
    generate.add_argument("--mask-blur", type=int, default=4, help="mask feather in pixels")
    generate.add_argument("--only-masked", action="store_true", help="inpaint the masked area at full resolution")
    generate.add_argument(
        "--low-memory",
        action="store_true",
        help="attention slicing, VAE tiling and (NVIDIA) CPU offload: slower, smaller",
    )
    generate.add_argument(
        "--compile", action="store_true", help="torch.compile the UNet (NVIDIA GPUs): slow first image, faster after"
    )
    generate.add_argument("--out", type=Path, help="also copy the images into this folder")
    generate.add_argument("--yes", action="store_true", help="download the model without asking if it is missing")
    download = commands.add_parser(
        "download",
        help="download a Hugging Face model into the shared cache (resumes an interrupted download)",
        description="Download a model from Hugging Face into the shared cache, so the window and the generate "
        "command can use it offline. Shows progress; Ctrl+C stops it and running it again resumes.",
    )
    download.add_argument("model", nargs="?", help="hub id (default: the recommended model)")
    download.add_argument("--yes", action="store_true", help="do not ask before downloading")
    export = commands.add_parser(
        "export",
        help="turn an image into logo files: palette lock, transparent PNG, SVG, wordmark, icon set",
        description="Write logo files for INPUT into --out and print their paths. Without options: a PNG copy.",
    )
    export.add_argument("input", type=Path, metavar="INPUT.png")
    export.add_argument("--out", type=Path, required=True, help="folder to write into")
    export.add_argument("--palette", default="", help='brand colours, e.g. "#FF6600,#001F3F" (default: from INPUT)')
    export.add_argument(
        "--background", default="", help="background colour to remove (default: from INPUT or detected)"
    )
    export.add_argument("--palette-lock", action="store_true", help="snap every pixel to the palette")
    export.add_argument("--transparent", action="store_true", help="make the flat background transparent")
    export.add_argument("--svg", action="store_true", help="trace to SVG")
    export.add_argument("--svg-mode", choices=("color", "single"), default="color", help="colour or one-colour SVG")
    export.add_argument("--icon-set", action="store_true", help="PNG icons 16-1024 px, favicon.ico and SVG")
    export.add_argument("--wordmark", metavar="BRAND", help="add the brand name beside or below the mark")
    export.add_argument("--font", default="", help="font family or .ttf/.otf file for --wordmark")
    export.add_argument("--layout", choices=("horizontal", "stacked"), default="horizontal")
    export.add_argument("--text-color", default="", help="wordmark colour (default: the first palette colour)")
    export.add_argument("--overwrite", action="store_true", help="replace files that already exist")
    add_kit_command(commands)
    return parser


def run_export(args: argparse.Namespace) -> int:
    """Run ``logo-studio export``; returns the exit code."""
    from desktop.logo.pipeline import LogoExport, export_logo, parse_palette
    from desktop.logo.wordmark import WordmarkStyle

    try:
        palette = parse_palette(args.palette)
        background = parse_palette(args.background)[0] if args.background else ""
        wordmark = None
        if args.wordmark is not None:
            color = parse_palette(args.text_color)[0] if args.text_color else (palette[0] if palette else "#000000")
            wordmark = WordmarkStyle(args.wordmark, font=args.font, color=color, layout=args.layout)
        options = LogoExport(
            palette=palette,
            background=background,
            palette_lock=args.palette_lock,
            transparent=args.transparent,
            svg=args.svg,
            svg_mode=args.svg_mode,
            icon_set=args.icon_set,
            wordmark=wordmark,
        )
        _note_fast_draft(args.input)
        written = export_logo(args.input, args.out, options, overwrite=args.overwrite)
    except InvalidParameters as error:
        return fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return fail(error, EXIT_FAILURE)
    for path in written:
        print(path)
    return 0


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


def run_download(args: argparse.Namespace) -> int:
    """Run ``logo-studio download``; returns the exit code."""
    from desktop.engine.assets import is_hub_asset
    from desktop.engine.catalog import confirm_download
    from desktop.engine.models import DEFAULT_MODEL, cached_hub_folder, is_available_locally, is_hub_id

    model = args.model or DEFAULT_MODEL
    if not (is_hub_id(model) or is_hub_asset(model)):
        return fail(InvalidParameters("model", f"{model} is not a Hugging Face model id (owner/name)."), EXIT_USAGE)
    folder = cached_hub_folder(model)
    if folder is None and is_available_locally(model):  # a LoRA or tiny autoencoder already here
        folder = download(model)  # answers from the cache, without a request
    if folder is None:
        try:
            if not confirm_download(model, lambda plan: args.yes or ask_on_terminal(plan)):
                return EXIT_FAILURE
            folder = download(model)
        except KeyboardInterrupt:
            status("\nStopped. Files that finished are kept; run the same command again for the rest.")
            return EXIT_INTERRUPTED
        except DownloadNeedsConsent as error:
            return fail(error, EXIT_USAGE)
        except LogoStudioError as error:
            return fail(error, EXIT_FAILURE)
    print(folder)
    return 0


def fail(error, code: int) -> int:
    """Print ``error`` (a LogoStudioError's message, else its text) as one line on stderr; returns ``code``."""
    text = error.message if isinstance(error, LogoStudioError) else str(error)
    print(f"logo-studio: error: {text}", file=sys.stderr)
    return code
