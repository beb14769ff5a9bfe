"""Command-line interface: ``logo-studio generate`` for scripting and batch work.

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
from desktop.cli_downloads import ask_on_terminal, download, ensure_downloaded, status
from desktop.errors import (
    DownloadFailed,
    DownloadNeedsConsent,
    InvalidParameters,
    LogoStudioError,
    ModelLoadError,
    ModelNotAvailable,
)
from desktop.kit_command import add_kit_command
from desktop.params import FAST, IMG2IMG, INPAINT, QUALITY, TXT2IMG, GenerationParams, LoraRef
from desktop.schedulers import DEFAULT_SCHEDULER, FLOW_SCHEDULERS, SD_SCHEDULERS

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
        written = export_logo(args.input, args.out, options, overwrite=args.overwrite)
    except InvalidParameters as error:
        return _fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return _fail(error, EXIT_FAILURE)
    for path in written:
        print(path)
    return 0


def run_generate(args: argparse.Namespace) -> int:
    """Run ``logo-studio generate``; returns the exit code."""
    from desktop.engine.models import DEFAULT_MODEL, classify, normalize_ref

    try:
        image, mask = _open_inputs(args.image, args.mask)
        mode = INPAINT if mask is not None else IMG2IMG if image is not None else TXT2IMG
        if args.upscale and image is None:
            raise InvalidParameters("image", "--upscale needs the --image to enlarge.")
        if mode == INPAINT and (image.width % 8 or image.height % 8):
            raise InvalidParameters(
                "image", f"The image is {image.width}×{image.height}; inpainting needs sides that are multiples of 8."
            )
        width = args.width or (image.width // 8 * 8 if image else 512)
        height = args.height or (image.height // 8 * 8 if image else 512)
        strength = args.strength if args.strength is not None else 0.6 if mode == IMG2IMG else 1.0
        models = [normalize_ref(args.model or DEFAULT_MODEL), normalize_ref(args.inpaint_model)]
        for model in filter(None, models):
            classify(model)  # a missing path or a pickle checkpoint is bad input, found before anything loads
        params = GenerationParams(
            prompt=args.prompt,
            negative_prompt=args.negative,
            mode=mode,
            model=models[0],
            # Until the model is loaded and its family known, the SD 1.5 defaults stand in (see _fit_to_family).
            scheduler=args.scheduler or DEFAULT_SCHEDULER,
            steps=args.steps if args.steps is not None else 25,
            guidance=args.guidance if args.guidance is not None else 7.5,
            width=width,
            height=height,
            seed=args.seed,
            batch_count=args.count,
            strength=strength,
            mask_blur=args.mask_blur,
            inpaint_only_masked=args.only_masked,
            speed=FAST if args.fast else QUALITY,
        )
        params = (params.upscaled() if args.upscale else params).with_resolved_seed()
        params, lora_dir = _with_loras(args, params)
        if args.out is not None and args.out.exists() and not args.out.is_dir():
            raise InvalidParameters("out", f"--out must be a folder, but {args.out} is a file.")
        for model in filter(None, models):
            ensure_downloaded(model, args.yes)
        for ref in _asset_downloads(params, models[0]):
            ensure_downloaded(ref, args.yes)
    except KeyboardInterrupt:
        status("\nStopped. Files that finished downloading are kept; run the command again for the rest.")
        return EXIT_INTERRUPTED
    except DownloadFailed as error:
        return _fail(error, EXIT_FAILURE)
    except (InvalidParameters, DownloadNeedsConsent, ModelNotAvailable, ModelLoadError) as error:
        return _fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return _fail(error, EXIT_FAILURE)
    return _generate(args, params, models[1], image, mask, lora_dir)


def _with_loras(args: argparse.Namespace, params: GenerationParams) -> tuple[GenerationParams, str]:
    """``params`` with the --lora LoRAs and the prompt's <lora:name:weight> tags (looked up in
    --lora-dir, else the first --lora's folder), and that folder. Each local file is checked now
    (a pickle LoRA or a missing file is bad input, found before anything loads)."""
    import contextlib
    import dataclasses

    from desktop.engine.loras import apply_prompt_loras, find_in_folder, is_hub_lora, lora_file

    folder = args.lora_dir.expanduser() if args.lora_dir else None
    loras = []
    for text in args.lora:
        ref, weight = text, 1.0
        head, colon, tail = text.rpartition(":")
        if colon and head and "/" not in tail and "\\" not in tail:
            with contextlib.suppress(ValueError):  # not a number: the colon is part of the name
                ref, weight = head, float(tail)
        path = Path(ref).expanduser()
        if not path.exists() and not is_hub_lora(ref):
            path = find_in_folder(ref, folder) or path
        if path.exists():
            ref = str(path.resolve())
            folder = folder or path.parent
        loras.append(LoraRef(ref, weight))
    params = dataclasses.replace(params, loras=(*params.loras, *loras))
    params = apply_prompt_loras(params, folder)
    for lora in params.loras:
        if not is_hub_lora(lora.ref):
            lora_file(lora.ref)
    return params, str(folder or "")


def _asset_downloads(params: GenerationParams, model: str) -> list[str]:
    """The LoRAs from Hugging Face that the request names, and for --fast the few-step LoRA and
    tiny autoencoder of the model's family (read from its files, without loading it)."""
    from desktop.jobs import Job

    family = ""
    if params.speed == FAST:
        from desktop.engine.models import classify, inspect

        family = inspect(classify(model))[0].family.name
    return [ref for ref in Job(params, family=family).models() if ref != params.model]


def _generate(
    args: argparse.Namespace, params: GenerationParams, inpaint_model: str, image, mask, lora_dir: str = ""
) -> int:
    from desktop.jobs import Job, run_job

    job = Job(params, image=image, mask=mask, inpaint_model=inpaint_model, lora_dir=lora_dir)
    try:
        from desktop.engine import Engine, choose_device, device_preference
        from desktop.files import atomic_save_png, unused_path
        from desktop.gallery import GalleryStore
        from desktop.metadata import png_info
        from desktop.paths import data_dir

        store = GalleryStore(data_dir())
        device = choose_device(device_preference(args.device))
        engine = Engine(device, low_memory=args.low_memory, compile_unet=args.compile)
        if args.compile and device.device != "cuda":
            status("note: --compile applies on NVIDIA GPUs only; ignored here.")
        if args.low_memory and device.device != "cuda":
            status("note: --low-memory turns on attention slicing and VAE tiling; CPU offload needs an NVIDIA GPU.")
        status(f"Loading {params.model} on {engine.device.describe()}…")
        engine.load(params.model, inpaint_model=inpaint_model)
        job.params = _fit_to_family(args, job.params, engine.family_for(job.params.mode), image)
        status(f"{engine.family.label} model · {engine.memory_plan.describe()}")
        status(f"Seed {params.seed}")

        def saved(item, image) -> None:
            print(item.path, flush=True)
            if args.out is not None:
                args.out.mkdir(parents=True, exist_ok=True)
                copy = unused_path(args.out / item.path.name)
                atomic_save_png(image, copy, pnginfo=png_info(item.params))
                print(copy, flush=True)

        run_job(
            engine,
            store,
            job,
            on_progress=_print_progress,
            on_warning=lambda text: status(f"warning: {text}"),
            on_saved=saved,
        )
    except KeyboardInterrupt:
        job.cancel.set()
        status("Interrupted.")
        return EXIT_INTERRUPTED
    except InvalidParameters as error:
        return _fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return _fail(error, EXIT_FAILURE)
    except OSError as error:
        return _fail(f"{error.strerror or error}: {error.filename or ''}".strip(": "), EXIT_FAILURE)
    return 0


def _fit_to_family(args: argparse.Namespace, params: GenerationParams, family, image) -> GenerationParams:
    """The request with the loaded model family's size, steps, guidance and sampler for every one
    of them the command line did not give, and a variation's size from --image fitted to the sizes
    the family takes (multiples of 16 for FLUX.1). InvalidParameters when the result is not valid."""
    import dataclasses

    given = {"steps": args.steps, "guidance": args.guidance, "scheduler": args.scheduler}
    if image is None:
        given.update(width=args.width, height=args.height)
    params = family.apply_defaults(params, [name for name, value in given.items() if value is None])
    if image is not None and params.mode == IMG2IMG and not args.upscale:
        step = family.size_multiple
        sizes = {
            name: getattr(image, name) // step * step for name in ("width", "height") if getattr(args, name) is None
        }
        params = dataclasses.replace(params, **sizes)
    return params


def _open_inputs(image_path: Path | None, mask_path: Path | None):
    if mask_path is not None and image_path is None:
        raise InvalidParameters("mask", "--mask needs the --image it belongs to.")
    from desktop.imageops import open_image

    image = open_image(image_path, "image").convert("RGB") if image_path is not None else None
    mask = open_image(mask_path, "mask").convert("L") if mask_path is not None else None
    return image, mask


def run_download(args: argparse.Namespace) -> int:
    """Run ``logo-studio download``; returns the exit code."""
    from desktop.engine.assets import is_hub_asset
    from desktop.engine.catalog import confirm_download
    from desktop.engine.models import DEFAULT_MODEL, cached_hub_folder, is_available_locally, is_hub_id

    model = args.model or DEFAULT_MODEL
    if not (is_hub_id(model) or is_hub_asset(model)):
        return _fail(InvalidParameters("model", f"{model} is not a Hugging Face model id (owner/name)."), EXIT_USAGE)
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
            return _fail(error, EXIT_USAGE)
        except LogoStudioError as error:
            return _fail(error, EXIT_FAILURE)
    print(folder)
    return 0


def _print_progress(progress) -> None:
    if sys.stderr is not None and sys.stderr.isatty():
        end = "\n" if progress.step == progress.total else ""
        print(
            f"\rImage {progress.image_index + 1}/{progress.image_count} · step {progress.step}/{progress.total}",
            end=end,
            file=sys.stderr,
            flush=True,
        )


def _fail(error, code: int) -> int:
    text = error.message if isinstance(error, LogoStudioError) else str(error)
    print(f"logo-studio: error: {text}", file=sys.stderr)
    return code
