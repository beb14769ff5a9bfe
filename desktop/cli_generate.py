"""``logo-studio generate``: the command's arguments turned into a request (size, strength and
the loaded model family's defaults, LoRAs from --lora and the prompt, --image and --mask), the
models, hub LoRAs and Fast-mode files downloaded with consent, and the job run with progress on
stderr and the saved paths on stdout. Exit codes and errors as in ``desktop.cli``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, fail
from desktop.cli_downloads import ensure_downloaded, status
from desktop.errors import (
    DownloadFailed,
    DownloadNeedsConsent,
    InvalidParameters,
    LogoStudioError,
    ModelLoadError,
    ModelNotAvailable,
)
from desktop.params import (
    AUTO_DECODE,
    FAST,
    FULL_DECODE,
    IMG2IMG,
    INPAINT,
    QUALITY,
    TXT2IMG,
    GenerationParams,
    LoraRef,
)
from desktop.schedulers import DEFAULT_SCHEDULER


def run_generate(args: argparse.Namespace) -> int:
    """Run ``logo-studio generate``; returns the exit code."""
    from desktop.engine.models import DEFAULT_MODEL, classify, normalize_ref

    try:
        image, mask = _open_inputs(args.image, args.mask)
        mode = INPAINT if mask is not None else IMG2IMG if image is not None else TXT2IMG
        if args.final and not args.fast:
            raise InvalidParameters("final", "--final goes with --fast: Best quality images are decoded in full.")
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
            decode=FULL_DECODE if args.final else AUTO_DECODE,
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
        return fail(error, EXIT_FAILURE)
    except (InvalidParameters, DownloadNeedsConsent, ModelNotAvailable, ModelLoadError) as error:
        return fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return fail(error, EXIT_FAILURE)
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
        from desktop.engine.allocator import keep_freed_memory
        from desktop.files import atomic_save_png, unused_path
        from desktop.gallery import GalleryStore
        from desktop.metadata import png_info
        from desktop.paths import data_dir

        keep_freed_memory()  # this process runs the steps, as the window's engine process does
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
        return fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return fail(error, EXIT_FAILURE)
    except OSError as error:
        return fail(f"{error.strerror or error}: {error.filename or ''}".strip(": "), EXIT_FAILURE)
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


def _print_progress(progress) -> None:
    if sys.stderr is not None and sys.stderr.isatty():
        end = "\n" if progress.step == progress.total else ""
        print(
            f"\rImage {progress.image_index + 1}/{progress.image_count} · step {progress.step}/{progress.total}",
            end=end,
            file=sys.stderr,
            flush=True,
        )
