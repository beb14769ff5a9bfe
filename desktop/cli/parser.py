"""The parser of every command (``logo-studio generate``, ``export``, ``download``, ``kit``, ``server``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop import __version__
from desktop.cli.kit import add_kit_command
from desktop.cli.server import add_server_command, add_server_options
from desktop.guides import DEFAULTS as GUIDE_DEFAULTS
from desktop.guides import GUIDE_KINDS
from desktop.schedulers import FLOW_SCHEDULERS, SD_SCHEDULERS


def _per_kind(index: int) -> str:
    """A guide default of every kind, e.g. "0.8 sketch, 0.9 edges, 0.85 lineart"."""
    return ", ".join(f"{GUIDE_DEFAULTS[kind][index]:g} {kind}" for kind in GUIDE_KINDS)


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
        help="open the window, wait for the device (with --model: load it and make one 64 px image through the "
        "engine), save a screenshot to PNG and exit: checks that an installed or packaged app works",
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
        "--model",
        help="hub id, diffusers folder or .safetensors file (default: the recommended model); with --server, the name "
        "of one of the server's models",
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
    generate.add_argument(
        "--guide",
        type=Path,
        metavar="PICTURE",
        help="follow the shape in this picture (a sketch, a logo, a photo of a drawing) with a ControlNet; "
        "SD 1.5 and SDXL models",
    )
    generate.add_argument(
        "--guide-kind",
        choices=GUIDE_KINDS,
        help="how --guide is read: sketch (dark lines on light, the default), edges (outlines found in a picture), "
        "lineart (pen lines of a photographed paper sketch)",
    )
    generate.add_argument(
        "--guide-model",
        metavar="PATH_OR_ID",
        help="the ControlNet: hub id, diffusers folder or .safetensors file (default: the recommended one for the "
        "model's family and --guide-kind, downloaded with your consent); with --server, the server's ControlNet",
    )
    generate.add_argument(
        "--guide-strength",
        type=float,
        help=f"how strictly the guide is followed, 0-2 (default per kind: {_per_kind(0)})",
    )
    generate.add_argument("--guide-start", type=float, help="share of the steps before the guide starts (default 0)")
    generate.add_argument(
        "--guide-end",
        type=float,
        help=f"share of the steps the guide is followed until (default per kind: {_per_kind(1)})",
    )
    generate.add_argument(
        "--guide-detail",
        type=float,
        help="with --guide-kind edges: 0 the strongest outlines only .. 1 every faint edge (default 0.5)",
    )
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
    generate.add_argument(
        "--server",
        metavar="URL",
        help="run the job on this ComfyUI server (its GPU) instead of this computer; --model then names one of its "
        "models and --lora its LoRAs (logo-studio server models URL lists them); default: $LOGO_STUDIO_SERVER",
    )
    generate.add_argument(
        "--family",
        choices=("sd15", "sdxl", "flux"),
        help="with --server: the family of a model whose family neither the server nor its name says",
    )
    add_server_options(generate)
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
    export.add_argument(
        "--palette-lock",
        action="store_true",
        help="snap every pixel to the logo's flat colours (matched to --palette, or to the image's stored colours)",
    )
    export.add_argument(
        "--transparent",
        action="store_true",
        help="make the background around the mark transparent (areas enclosed by the mark stay filled)",
    )
    export.add_argument(
        "--clear-holes",
        action="store_true",
        help="with --transparent: also clear background-coloured areas enclosed by the mark (inside letters)",
    )
    export.add_argument("--svg", action="store_true", help="trace to SVG")
    export.add_argument("--svg-mode", choices=("color", "single"), default="color", help="colour or one-colour SVG")
    export.add_argument("--icon-set", action="store_true", help="PNG icons 16-1024 px, favicon.ico and SVG")
    export.add_argument("--wordmark", metavar="BRAND", help="add the brand name beside or below the mark")
    export.add_argument("--font", default="", help="font family or .ttf/.otf file for --wordmark")
    export.add_argument("--layout", choices=("horizontal", "stacked"), default="horizontal")
    export.add_argument(
        "--text-color",
        default="",
        help="wordmark colour (default: as the brand kit: the brand colour that reads best, else black or white)",
    )
    export.add_argument("--overwrite", action="store_true", help="replace files that already exist")
    add_kit_command(commands)
    add_server_command(commands)
    return parser
