"""``logo-studio generate``: the command's arguments turned into a request (size, strength and
the loaded model family's defaults, LoRAs from --lora and the prompt, --image and --mask, a
--guide picture with its ControlNet and settings), the models, hub LoRAs, the guide's ControlNet
and Fast-mode files downloaded with consent, and the job run with progress on
stderr and the saved paths on stdout. Exit codes and errors as in ``desktop.cli``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, fail
from desktop.cli.downloads import ensure_downloaded, status
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
    Guide,
    LoraRef,
)
from desktop.schedulers import DEFAULT_SCHEDULER


def run_generate(args: argparse.Namespace) -> int:
    """Run ``logo-studio generate`` on this computer or, with --server, on a ComfyUI server;
    returns the exit code."""
    from desktop.cli.server import chosen_server

    server = chosen_server(args.server)
    try:
        image, mask = _open_inputs(args.image, args.mask)
        guide = _open_guide(args)
        if server:
            return _generate_on_server(args, server, image, mask, guide)
        from desktop.models.references import DEFAULT_MODEL, HUB, classify, inspect, normalize_ref

        models = [normalize_ref(args.model or DEFAULT_MODEL), normalize_ref(args.inpaint_model)]
        for model in filter(None, models):
            # A missing path, a pickle checkpoint, a folder or file that is not a model: bad input,
            # found before anything loads (a hub model is checked once it is downloaded)
            source = classify(model)
            if source.kind != HUB:
                inspect(source)
        params = _request(args, image, mask, models[0])
        params, lora_dir = _with_loras(args, params)
        for model in filter(None, models):
            ensure_downloaded(model, args.yes)
        family = None
        if guide is not None:
            family = inspect(classify(models[0]))[0].family
            params = _with_guide(args, params, family)
        for ref in _asset_downloads(params, models[0]):
            ensure_downloaded(ref, args.yes)
        if guide is not None:  # on this computer now, and made for the model's family
            from desktop.models.controlnets import check_controlnet_family, locate_controlnet

            check_controlnet_family(params.guide.model, locate_controlnet(params.guide.model), family)
    except KeyboardInterrupt:
        status("\nStopped. Files that finished downloading are kept; run the command again for the rest.")
        return EXIT_INTERRUPTED
    except DownloadFailed as error:
        return fail(error, EXIT_FAILURE)
    except (InvalidParameters, DownloadNeedsConsent, ModelNotAvailable, ModelLoadError) as error:
        return fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return fail(error, EXIT_FAILURE)
    return _generate(args, params, models[1], image, mask, lora_dir, guide=guide)


_GUIDE_OPTIONS = ("kind", "model", "strength", "start", "end", "detail")


def _open_guide(args: argparse.Namespace):
    """The --guide picture, checked now (unreadable, or a sketch with no lines: bad input, found
    before anything loads); None without --guide. InvalidParameters for --guide-* options without it."""
    if args.guide is None:
        given = [f"--guide-{name}" for name in _GUIDE_OPTIONS if getattr(args, f"guide_{name}") is not None]
        if given:
            raise InvalidParameters("guide", f"{given[0]} goes with --guide PICTURE, the picture to follow.")
        return None
    if args.guide_detail is not None and (args.guide_kind or "sketch") != "edges":
        raise InvalidParameters("guide", "--guide-detail goes with --guide-kind edges.")
    from desktop.guides import SKETCH, control_image
    from desktop.imageops import open_image

    picture = open_image(args.guide, "guide")
    kind = args.guide_kind or SKETCH
    control_image(picture, kind, picture.size, args.guide_detail if args.guide_detail is not None else 0.5)
    return picture


def _guide_settings(args: argparse.Namespace, model: str) -> Guide:
    """The Guide the --guide-* options describe, with ControlNet ``model`` and the kind's defaults
    (desktop.guides.DEFAULTS) for the strength and range not given."""
    from desktop.guides import DEFAULTS, SKETCH

    kind = args.guide_kind or SKETCH
    strength, end = DEFAULTS[kind]
    return Guide(
        kind,
        model,
        strength=args.guide_strength if args.guide_strength is not None else strength,
        start=args.guide_start if args.guide_start is not None else 0.0,
        end=args.guide_end if args.guide_end is not None else end,
        detail=args.guide_detail if args.guide_detail is not None else 0.5,
    )


def _with_guide(args: argparse.Namespace, params: GenerationParams, family) -> GenerationParams:
    """``params`` guided as the options say, by --guide-model or the recommended ControlNet of the
    model's ``family`` (a ModelFamily) for the kind. InvalidParameters for FLUX.1 (none exists that
    allows commercial logos) and for settings out of range."""
    import dataclasses

    from desktop.guides import check_guide_family
    from desktop.models.catalog import default_controlnet
    from desktop.models.references import normalize_ref

    check_guide_family(family)
    kind = args.guide_kind or "sketch"
    model = normalize_ref(args.guide_model) if args.guide_model else default_controlnet(family.name, kind)
    if not model:
        raise InvalidParameters("guide", f"No ControlNet is offered for {family.label}: name one with --guide-model.")
    return dataclasses.replace(params, guide=_guide_settings(args, model))


def _request(args: argparse.Namespace, image, mask, model: str) -> GenerationParams:
    """The request the arguments describe (the model family's defaults come once it is known, in
    _fit_to_family), its seed chosen. InvalidParameters for arguments that do not fit together."""
    mode = INPAINT if mask is not None else IMG2IMG if image is not None else TXT2IMG
    if args.final and not args.fast:
        raise InvalidParameters("final", "--final goes with --fast: Best quality images are decoded in full.")
    if args.upscale and image is None:
        raise InvalidParameters("image", "--upscale needs the --image to enlarge.")
    if mode == INPAINT and (image.width % 8 or image.height % 8):
        raise InvalidParameters(
            "image", f"The image is {image.width}×{image.height}; inpainting needs sides that are multiples of 8."
        )
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise InvalidParameters("out", f"--out must be a folder, but {args.out} is a file.")
    params = GenerationParams(
        prompt=args.prompt,
        negative_prompt=args.negative,
        mode=mode,
        model=model,
        # Until the model is loaded and its family known, the SD 1.5 defaults stand in (see _fit_to_family).
        scheduler=args.scheduler or DEFAULT_SCHEDULER,
        steps=args.steps if args.steps is not None else 25,
        guidance=args.guidance if args.guidance is not None else 7.5,
        width=args.width or (image.width // 8 * 8 if image else 512),
        height=args.height or (image.height // 8 * 8 if image else 512),
        seed=args.seed,
        batch_count=args.count,
        strength=args.strength if args.strength is not None else 0.6 if mode == IMG2IMG else 1.0,
        mask_blur=args.mask_blur,
        inpaint_only_masked=args.only_masked,
        speed=FAST if args.fast else QUALITY,
        decode=FULL_DECODE if args.final else AUTO_DECODE,
    )
    return (params.upscaled() if args.upscale else params).with_resolved_seed()


def _generate_on_server(args: argparse.Namespace, server: str, image, mask, guide=None) -> int:
    """``generate --server``: the same request, its model and LoRAs named as the server lists
    them, nothing downloaded here. Exit codes as on this computer (2 for a model, LoRA or option
    the server or the command cannot use)."""
    import dataclasses

    from desktop.cli.server import connection_from
    from desktop.remote.engine import RemoteEngine

    if not args.model:
        raise InvalidParameters(
            "model", f"Name one of the server's models with --model (logo-studio server models {server} lists them)."
        )
    for flag, given in (("--device", args.device), ("--low-memory", args.low_memory), ("--compile", args.compile)):
        if given:
            status(f"note: {flag} applies on this computer only; the server decides how it runs.")
    params = _request(args, image, mask, args.model)
    loras = tuple(LoraRef(*_name_and_weight(text)) for text in args.lora)
    params = dataclasses.replace(params, loras=(*params.loras, *loras))
    if guide is not None:
        if not args.guide_model:
            raise InvalidParameters(
                "guide", "With --server, name the server's ControlNet with --guide-model (a file in models/controlnet)."
            )
        params = dataclasses.replace(params, guide=_guide_settings(args, args.guide_model))
    connection = connection_from(args, server)
    engine = RemoteEngine(connection, {args.model: args.family} if args.family else {})
    try:
        return _generate(args, params, args.inpaint_model, image, mask, engine=engine, guide=guide)
    finally:
        engine.close()


def _name_and_weight(text: str) -> tuple[str, float]:
    """'name:0.8' -> ('name', 0.8); a name without a number after its last colon keeps it all."""
    head, colon, tail = text.rpartition(":")
    if colon and head:
        try:
            return head, float(tail)
        except ValueError:
            pass
    return text, 1.0


def _with_loras(args: argparse.Namespace, params: GenerationParams) -> tuple[GenerationParams, str]:
    """``params`` with the --lora LoRAs and the prompt's <lora:name:weight> tags (looked up in
    --lora-dir, else the first --lora's folder), and that folder. Each local file is checked now
    (a pickle LoRA or a missing file is bad input, found before anything loads)."""
    import dataclasses

    from desktop.models.loras import apply_prompt_loras, find_in_folder, is_hub_lora, lora_file

    folder = args.lora_dir.expanduser() if args.lora_dir else None
    loras = []
    for text in args.lora:
        ref, weight = _name_and_weight(text)
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
        from desktop.models.references import classify, inspect

        family = inspect(classify(model))[0].family.name
    return [ref for ref in Job(params, family=family).models() if ref != params.model]


def _generate(
    args: argparse.Namespace,
    params: GenerationParams,
    inpaint_model: str,
    image,
    mask,
    lora_dir: str = "",
    engine=None,
    guide=None,
) -> int:
    """Run the job on ``engine`` (a RemoteEngine), or on this computer's engine made here."""
    from desktop.jobs import Job, run_job

    job = Job(params, image=image, mask=mask, inpaint_model=inpaint_model, lora_dir=lora_dir, guide=guide)
    try:
        from desktop.files import atomic_save_png, unused_path
        from desktop.gallery import GalleryStore
        from desktop.metadata import png_info
        from desktop.paths import data_dir

        store = GalleryStore(data_dir())
        engine = engine or _local_engine(args)
        status(f"Loading {params.model} on {engine.describe()}…")
        engine.load(params.model, inpaint_model=inpaint_model)
        job.params = _fit_to_family(args, job.params, engine.family_for(job.params.mode), image)
        plan = f" · {engine.memory_plan.describe()}" if engine.memory_plan is not None else ""
        status(f"{engine.family.label} model{plan}")
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
    except (InvalidParameters, ModelNotAvailable) as error:
        return fail(error, EXIT_USAGE)
    except LogoStudioError as error:
        return fail(error, EXIT_FAILURE)
    except OSError as error:
        return fail(f"{error.strerror or error}: {error.filename or ''}".strip(": "), EXIT_FAILURE)
    return 0


def _local_engine(args: argparse.Namespace):
    """This computer's engine on the device the arguments ask for."""
    from desktop.engine import Engine, choose_device, device_preference
    from desktop.engine.allocator import keep_freed_memory

    keep_freed_memory()  # this process runs the steps, as the window's engine process does
    device = choose_device(device_preference(args.device))
    if args.compile and device.device != "cuda":
        status("note: --compile applies on NVIDIA GPUs only; ignored here.")
    if args.low_memory and device.device != "cuda":
        status("note: --low-memory turns on attention slicing and VAE tiling; CPU offload needs an NVIDIA GPU.")
    return Engine(device, low_memory=args.low_memory, compile_unet=args.compile)


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
