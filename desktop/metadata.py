"""Generation parameters inside PNG files.

Two text chunks are written: ``parameters`` in the A1111 format, which A1111, Krita AI Diffusion,
Civitai and others read, and ``logo_studio`` with exact JSON for a lossless restore: every request
field, including the model and the model family that made the image (sd15, sdxl or flux; PNGs
written before families existed read back with family ''). The A1111 text stays what A1111 writes
(the family is not an A1111 field). LoRAs are written as A1111 does: ``<lora:name:weight>`` at
the end of the prompt and ``Lora hashes: "name: hash"`` with their AutoV3 hashes, which Civitai
recognises; our JSON keeps their exact files or hub ids. A Fast draft decoded by the tiny
autoencoder says so (``VAE: TAESD (Fast draft)``). Reading prefers our JSON and falls back to A1111
text written by any tool; its ``<lora:...>`` tags stay in the prompt, where the job resolves them in
the user's LoRA folder. Everything read is untrusted:
parsing never evaluates anything, and any malformed input ends in :class:`MetadataError`.
"""

from __future__ import annotations

import json
import re

from PIL import Image, PngImagePlugin

from desktop import __version__
from desktop.errors import InvalidParameters, MetadataError
from desktop.palette import palette_prompt
from desktop.params import IMG2IMG, INPAINT, GenerationParams
from desktop.schedulers import DEFAULT_SCHEDULER, canonical_scheduler

A1111_KEY = "parameters"
JSON_KEY = "logo_studio"
MAX_TEXT = 64 * 1024  # longer chunks are not parameters anyone wrote by hand; refuse them

# One "Key: value" pair of A1111's last line; a value may be double-quoted (with \" escapes).
_PAIR = re.compile(r'\s*([\w][\w \-/()]*?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)')
_SIZE = re.compile(r"^(\d{1,5})x(\d{1,5})$")
_TRAILING_LORAS = re.compile(r"(?:\s*<lora:[^<>]*>)+\s*$", re.IGNORECASE)
TINY_VAE_NAME = "TAESD (Fast draft)"


def _lora_name(name: str) -> str:
    """A LoRA name as A1111 writes it inside its tags and hash list (no separators)."""
    return re.sub(r"[:,<>]", "_", name)


def _quote(value: str) -> str:
    """A1111 quotes values containing separators so its parser reads them back whole."""
    if any(ch in value for ch in ',:"\n'):
        return json.dumps(value)
    return value


# The preprocessor names A1111's ControlNet extension gives our guide kinds.
_MODULES = {"sketch": "invert", "edges": "canny", "lineart": "lineart_standard"}


def _controlnet_text(guide) -> str:
    """A guide as A1111's ControlNet extension writes one unit ("Module: canny, Model: …")."""
    model = guide.model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    text = f"Module: {_MODULES[guide.kind]}, Model: {model}, Weight: {guide.strength:g}"
    if guide.kind == "edges":
        text += f", Detail: {guide.detail:g}"
    return f"{text}, Guidance Start: {guide.start:g}, Guidance End: {guide.end:g}"


def to_a1111_text(params: GenerationParams) -> str:
    """The A1111 ``parameters`` text for ``params`` (seed must be resolved)."""
    # The prompt as sent to the model (palette in words), so other tools reproduce the image.
    prompt = palette_prompt(params.prompt, params.colors, params.background)
    tags = " ".join(f"<lora:{_lora_name(lora.name)}:{lora.weight:g}>" for lora in params.loras)
    lines = [f"{prompt} {tags}" if tags else prompt]
    if params.negative_prompt:
        lines.append(f"Negative prompt: {params.negative_prompt}")
    pairs = [("Steps", str(params.steps))]
    if params.scheduler.endswith(" Karras"):
        pairs += [("Sampler", params.scheduler.removesuffix(" Karras")), ("Schedule type", "Karras")]
    else:
        pairs.append(("Sampler", params.scheduler))
    pairs += [
        ("CFG scale", f"{params.guidance:g}"),
        ("Seed", str(params.seed)),
        ("Size", f"{params.width}x{params.height}"),
    ]
    if params.model:
        pairs.append(("Model", params.model))
    if params.server:
        pairs.append(("ComfyUI server", params.server))
    if params.tiny_decode:
        pairs.append(("VAE", TINY_VAE_NAME))
    hashes = [f"{_lora_name(lora.name)}: {lora.hash}" for lora in params.loras if lora.hash]
    if hashes:
        pairs.append(("Lora hashes", ", ".join(hashes)))
    if params.mode == IMG2IMG:
        pairs.append(("Denoising strength", f"{params.strength:g}"))
    if params.mode == INPAINT:
        pairs += [("Denoising strength", f"{params.strength:g}"), ("Mask blur", str(params.mask_blur))]
        if params.inpaint_only_masked:
            pairs += [("Inpaint area", "Only masked"), ("Masked area padding", str(params.inpaint_padding))]
    if params.guide is not None:
        pairs.append(("ControlNet 0", _controlnet_text(params.guide)))
    if params.colors:
        pairs.append(("Palette", " ".join(params.colors)))
    if params.background:
        pairs.append(("Background", params.background))
    pairs.append(("Version", f"Logo Studio {__version__}"))
    lines.append(", ".join(f"{key}: {_quote(value)}" for key, value in pairs))
    return "\n".join(lines)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def parse_a1111_text(text: str) -> GenerationParams:
    """Parse A1111 ``parameters`` text (from any tool) into usable GenerationParams.

    Settings we do not support (unknown samplers, hires fix, ...) fall back to our defaults;
    out-of-range values are rejected with a MetadataError naming the field.
    """
    if not isinstance(text, str) or not text.strip():
        raise MetadataError("This image has no generation parameters.")
    if len(text) > MAX_TEXT:
        raise MetadataError("The image's parameters text is too long to be real parameters.")
    lines = text.strip().split("\n")
    settings_line = ""
    if len(_PAIR.findall(lines[-1])) >= 3 and "Steps:" in lines[-1]:
        settings_line = lines.pop()
    prompt_lines: list[str] = []
    negative_lines: list[str] = []
    target = prompt_lines
    for line in lines:
        if line.startswith("Negative prompt:"):
            target = negative_lines
            line = line[len("Negative prompt:") :].strip()
        target.append(line)
    settings = {key.strip(): _unquote(value) for key, value in _PAIR.findall(settings_line)}

    kwargs: dict = {"prompt": "\n".join(prompt_lines).strip(), "negative_prompt": "\n".join(negative_lines).strip()}
    try:
        if "Steps" in settings:
            kwargs["steps"] = int(settings["Steps"])
        if "CFG scale" in settings:
            kwargs["guidance"] = float(settings["CFG scale"])
        if "Seed" in settings:
            kwargs["seed"] = int(settings["Seed"])
        if "Size" in settings:
            size = _SIZE.match(settings["Size"])
            if not size:
                raise MetadataError(f"Unreadable image size {settings['Size']!r} in the image's parameters.")
            kwargs["width"], kwargs["height"] = (int(size.group(1)) // 8 * 8, int(size.group(2)) // 8 * 8)
        kwargs["scheduler"] = (
            canonical_scheduler(settings.get("Sampler", ""), settings.get("Schedule type", "")) or DEFAULT_SCHEDULER
        )
        if "Denoising strength" in settings and "Hires upscale" not in settings:  # hires fix: still txt2img
            kwargs["mode"] = IMG2IMG
            kwargs["strength"] = float(settings["Denoising strength"])
        if "Denoising strength" in settings and "Mask blur" in settings:
            kwargs["mode"] = INPAINT
            kwargs["mask_blur"] = int(settings["Mask blur"])
            if settings.get("Inpaint area") == "Only masked":
                kwargs["inpaint_only_masked"] = True
                kwargs["inpaint_padding"] = int(settings.get("Masked area padding", 32))
        if "Palette" in settings:
            kwargs["colors"] = tuple(settings["Palette"].split())
        if "Background" in settings:
            kwargs["background"] = settings["Background"]
        palette_words = palette_prompt("", kwargs.get("colors", ()), kwargs.get("background", ""))
        tags = _TRAILING_LORAS.search(kwargs["prompt"])
        tags_text = tags.group(0).strip() if tags else ""
        if tags:
            kwargs["prompt"] = kwargs["prompt"][: tags.start()]
        if palette_words and kwargs["prompt"].endswith(palette_words):
            kwargs["prompt"] = kwargs["prompt"][: -len(palette_words)]
        if tags_text:
            kwargs["prompt"] = f"{kwargs['prompt']} {tags_text}".strip()
        # A1111's "Model" is a local file stem that rarely names a loadable model here, so only
        # our own files restore the model.
        if "Logo Studio" in settings.get("Version", "") and "Model" in settings:
            kwargs["model"] = settings["Model"]
        return GenerationParams(**kwargs)
    except InvalidParameters as error:
        raise MetadataError(f"The image's parameters are not usable: {error}") from error
    except (ValueError, OverflowError) as error:
        raise MetadataError(f"The image's parameters are malformed: {error}") from error


def to_json_text(params: GenerationParams) -> str:
    """Exact JSON for a lossless restore (every field, the model and its family included)."""
    return json.dumps({"version": 1, "params": params.to_dict()}, sort_keys=True)


def parse_json_text(text: str) -> GenerationParams:
    """Parse our own JSON chunk; MetadataError for anything malformed."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise MetadataError("The image's Logo Studio parameters are missing or too long.")
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise MetadataError("The image's Logo Studio parameters are not a JSON object.")
        return GenerationParams.from_dict(data.get("params"))
    except InvalidParameters as error:
        raise MetadataError(f"The image's parameters are not usable: {error}") from error
    except (ValueError, RecursionError) as error:
        raise MetadataError(f"The image's Logo Studio parameters are malformed: {error}") from error


def png_info(params: GenerationParams, extra: dict[str, str] | None = None) -> PngImagePlugin.PngInfo:
    """PNG text chunks for ``params`` (plus ``extra`` key/values), for ``Image.save(pnginfo=...)``."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt(A1111_KEY, to_a1111_text(params))
    info.add_itxt(JSON_KEY, to_json_text(params))
    for key, value in (extra or {}).items():
        info.add_itxt(key, value)
    return info


def read_params(image: Image.Image) -> GenerationParams:
    """The generation parameters stored in an opened PNG: ours if present, else A1111's.

    Raises MetadataError when there are none or they cannot be used.
    """
    text = getattr(image, "text", None) or image.info
    ours = text.get(JSON_KEY)
    if isinstance(ours, str):
        try:
            return parse_json_text(ours)
        except MetadataError:
            if A1111_KEY not in text:
                raise
    a1111 = text.get(A1111_KEY)
    if not isinstance(a1111, str):
        raise MetadataError("This image has no generation parameters.")
    return parse_a1111_text(a1111)
