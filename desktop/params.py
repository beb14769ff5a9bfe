"""GenerationParams: one frozen dataclass that is the whole generation request.

Creating one validates it, so an invalid request cannot exist: every rejection is an
:class:`~desktop.errors.InvalidParameters` whose ``field`` names the offending field and whose
message says what is allowed. Conversion to and from plain dicts (for JSON and settings) lives
here too; the PNG text formats are in :mod:`desktop.metadata`.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from dataclasses import dataclass

from desktop.errors import InvalidParameters
from desktop.schedulers import DEFAULT_SCHEDULER, SCHEDULERS

TXT2IMG = "txt2img"
INPAINT = "inpaint"
IMG2IMG = "img2img"  # variations ("more like this") and upscaling
MODES = (TXT2IMG, INPAINT, IMG2IMG)
UPSCALE_STRENGTH = 0.3  # enough to add detail at the new size, little enough to keep the design

SIZE_RANGE = (64, 2048)
STEPS_RANGE = (1, 150)
GUIDANCE_RANGE = (0.0, 30.0)
BATCH_RANGE = (1, 16)
SEED_MAX = 2**32 - 1
MASK_BLUR_RANGE = (0, 64)
PADDING_RANGE = (0, 256)
MAX_COLORS = 4
FAMILIES = ("sd15", "sdxl", "flux")  # model families (desktop.models.families); "" = not recorded
QUALITY = "quality"  # the model's own sampler, steps and guidance; the full autoencoder decodes
FAST = "fast"  # the family's few-step LoRA, its sampler, steps and guidance; the tiny autoencoder decodes drafts
SPEEDS = (QUALITY, FAST)
AUTO_DECODE = "auto"  # Fast drafts (text-to-image, inpainting) decode with the tiny autoencoder, the rest in full
FULL_DECODE = "full"  # always the model's own autoencoder: the final version of a Fast draft
DECODES = (AUTO_DECODE, FULL_DECODE)
MAX_LORAS = 8
LORA_WEIGHT_RANGE = (-4.0, 4.0)

_HEX_COLOR = re.compile(r"^#[0-9a-f]{6}$")
_HASH = re.compile(r"^([0-9a-f]{12}|)$")


@dataclass(frozen=True)
class LoraRef:
    """One LoRA of a request and its weight (A1111's multiplier: 1 full, 0.5 half, negative inverts).

    ``ref`` is an absolute path of a ``.safetensors`` file, a Hugging Face repo id (``owner/name``)
    or one file in a repo (``owner/name/file.safetensors``). ``hash`` is the file's AutoV3 hash
    (what A1111 writes as "Lora hashes" and Civitai looks up); the engine fills it in each result,
    '' in a request. ``fast`` marks the few-step LoRA that Fast mode added (``Engine.adapt``): it
    follows the speed and the model family, so the window lists only the others."""

    ref: str
    weight: float = 1.0
    hash: str = ""
    fast: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.ref, str) or not self.ref.strip():
            raise InvalidParameters("loras", "A LoRA needs a file or a Hugging Face id.")
        weight = self.weight
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight != weight:
            raise InvalidParameters("loras", f"The weight of LoRA {self.name} must be a number.")
        if not LORA_WEIGHT_RANGE[0] <= weight <= LORA_WEIGHT_RANGE[1]:
            low, high = LORA_WEIGHT_RANGE
            raise InvalidParameters(
                "loras", f"The weight of LoRA {self.name} must be between {low:g} and {high:g}, not {weight:g}."
            )
        if not isinstance(self.hash, str) or not _HASH.match(self.hash):
            raise InvalidParameters("loras", f"The hash of LoRA {self.name} must be 12 hex digits, not {self.hash!r}.")
        if not isinstance(self.fast, bool):
            raise InvalidParameters("loras", "A LoRA's fast mark must be true or false.")

    @property
    def name(self) -> str:
        """The short name A1111 uses in ``<lora:name:weight>``: the file name without .safetensors,
        or a hub repo's name ('lcm-lora-sdv1-5')."""
        text = str(self.ref).replace("\\", "/").rstrip("/")
        last = text.rsplit("/", 1)[-1]
        stem, dot, suffix = last.rpartition(".")
        if dot and stem and suffix.lower() in ("safetensors", "ckpt", "pt", "pth", "bin"):
            last = stem
            if last == "pytorch_lora_weights" and text.count("/") >= 2:  # diffusers' default file name in a repo
                last = text.split("/")[-2]
        return last

    def to_dict(self) -> dict:
        return {"ref": self.ref, "weight": self.weight, "hash": self.hash, "fast": self.fast}

    @classmethod
    def from_dict(cls, data) -> LoraRef:
        """From :meth:`to_dict`'s output; InvalidParameters for anything else."""
        if not isinstance(data, dict) or not isinstance(data.get("ref"), str):
            raise InvalidParameters("loras", "Each LoRA must be an object with a ref.")
        weight = data.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise InvalidParameters("loras", "A LoRA's weight must be a number.")
        return cls(data["ref"], float(weight), data.get("hash", ""), data.get("fast", False))


GUIDE_KINDS = ("sketch", "edges", "lineart")  # see desktop.guides
GUIDE_STRENGTH_RANGE = (0.0, 2.0)


@dataclass(frozen=True)
class Guide:
    """A shape for the image to follow (ControlNet): ``kind`` sketch, edges or lineart says how
    the user's picture becomes the control image (desktop.guides), ``model`` is the ControlNet (a
    hub id, folder or .safetensors file here; a file name on a ComfyUI server), ``strength`` how
    strictly it is followed (diffusers' ``controlnet_conditioning_scale``: 0 not at all), and
    ``start``/``end`` the share of the steps it guides (``control_guidance_start/end``).
    ``detail`` is the edge finder's sensitivity (edges only). The picture itself is stored beside
    the gallery item, not here."""

    kind: str
    model: str
    strength: float = 0.8
    start: float = 0.0
    end: float = 1.0
    detail: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in GUIDE_KINDS:
            raise InvalidParameters(
                "guide", f"The guide kind must be one of {', '.join(GUIDE_KINDS)}, not {self.kind!r}."
            )
        if not isinstance(self.model, str) or not self.model.strip():
            raise InvalidParameters("guide", "A guide needs a ControlNet model: choose one for the model's family.")
        for name, low, high in (
            ("strength", *GUIDE_STRENGTH_RANGE),
            ("start", 0.0, 1.0),
            ("end", 0.0, 1.0),
            ("detail", 0.0, 1.0),
        ):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value != value
                or not low <= value <= high
            ):
                raise InvalidParameters(
                    "guide", f"The guide's {name} must be between {low:g} and {high:g}, not {value!r}."
                )
        if self.start >= self.end:
            raise InvalidParameters(
                "guide", f"The guide must start before it ends (start {self.start:g}, follow until {self.end:g})."
            )

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data) -> Guide:
        """From :meth:`to_dict`'s output; InvalidParameters for anything else."""
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("kind"), str)
            or not isinstance(data.get("model"), str)
        ):
            raise InvalidParameters("guide", "A guide must be an object with a kind and a model.")
        numbers = {}
        for name in ("strength", "start", "end", "detail"):
            if name in data:
                value = data[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise InvalidParameters("guide", f"The guide's {name} must be a number.")
                numbers[name] = float(value)
        return cls(data["kind"], data["model"], **numbers)


@dataclass(frozen=True)
class GenerationParams:
    """Everything needed to reproduce a generation.

    ``seed`` None means "pick one at random": call :meth:`with_resolved_seed` before the job so
    the chosen seed is recorded. Image *i* of a batch uses ``seed + i``. ``colors`` are the brand
    colours and ``background`` the background colour, as ``#rrggbb``. ``model`` is a hub repo
    id, a local folder or a ``.safetensors`` file; empty means the app's current model.
    ``family`` is the model family that made the image (sd15, sdxl or flux): the engine records it
    in each result; '' in a request, and in images saved before families existed.
    ``strength`` applies to inpainting and image-to-image; ``mask_blur``,
    ``inpaint_only_masked`` and ``inpaint_padding`` to inpainting only.
    ``loras`` are applied for this request only, each with its weight (see :class:`LoraRef`).
    ``speed`` is "quality" (the model's own settings, full autoencoder) or "fast" (the family's
    few-step LoRA with its settings, and the tiny autoencoder for text-to-image and inpainting
    drafts; variations and upscales always decode in full). ``decode`` "full" makes a Fast request
    decode with the model's own autoencoder: the same seed then gives the final version of a draft.
    ``server`` is where the image was made: '' for this computer, else the ComfyUI server's address
    (never its credentials); ``model`` is then the checkpoint's name as that server lists it. The
    same seed gives other pixels there (ComfyUI makes its noise its own way), so it is part of
    the request.
    """

    prompt: str
    mode: str = TXT2IMG
    negative_prompt: str = ""
    colors: tuple[str, ...] = ()
    background: str = ""
    model: str = ""
    family: str = ""
    scheduler: str = DEFAULT_SCHEDULER
    steps: int = 25
    guidance: float = 7.5
    width: int = 512
    height: int = 512
    seed: int | None = None
    batch_count: int = 1
    strength: float = 1.0
    mask_blur: int = 4
    inpaint_only_masked: bool = False
    inpaint_padding: int = 32
    loras: tuple[LoraRef, ...] = ()
    speed: str = QUALITY
    decode: str = AUTO_DECODE
    server: str = ""
    guide: Guide | None = None

    def __post_init__(self) -> None:
        _validate(self)

    def with_resolved_seed(self) -> GenerationParams:
        """This request with a concrete seed: a random one if ``seed`` is None."""
        if self.seed is not None:
            return self
        return dataclasses.replace(self, seed=secrets.randbelow(SEED_MAX + 1))

    def for_image(self, index: int) -> GenerationParams:
        """The request that reproduces image ``index`` of this batch on its own."""
        if self.seed is None:
            raise InvalidParameters("seed", "Resolve the seed before splitting a batch.")
        return dataclasses.replace(self, seed=self.seed + index, batch_count=1)

    def variation(self, strength: float) -> GenerationParams:
        """'More like this': image-to-image from an image made with these parameters."""
        return dataclasses.replace(self, mode=IMG2IMG, strength=strength, seed=None, batch_count=1)

    def upscaled(self) -> GenerationParams:
        """Twice the size, redrawn at low strength from the enlarged image (a 'hires fix')."""
        if max(self.width, self.height) * 2 > SIZE_RANGE[1]:
            raise InvalidParameters(
                "width", f"This image is {self.width}×{self.height}; twice that would exceed {SIZE_RANGE[1]} px."
            )
        return dataclasses.replace(
            self,
            mode=IMG2IMG,
            width=self.width * 2,
            height=self.height * 2,
            strength=UPSCALE_STRENGTH,
            batch_count=1,
        )

    def final_version(self) -> GenerationParams:
        """The request that redraws this (Fast) image with the model's own autoencoder: the same
        seed, LoRAs, steps and sampler give the same latents, decoded in full quality."""
        return dataclasses.replace(self, decode=FULL_DECODE, batch_count=1)

    @property
    def tiny_decode(self) -> bool:
        """True when the images are decoded by the tiny autoencoder: Fast drafts of text-to-image and
        inpainting (variations and upscales, and ``final_version()``, decode in full)."""
        return self.speed == FAST and self.decode == AUTO_DECODE and self.mode != IMG2IMG

    @property
    def user_loras(self) -> tuple[LoraRef, ...]:
        """The LoRAs the user chose (without the one Fast mode adds): what the window lists."""
        return tuple(lora for lora in self.loras if not lora.fast)

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field."""
        data = dataclasses.asdict(self)
        data["colors"] = list(self.colors)
        data["loras"] = [lora.to_dict() for lora in self.loras]
        data["guide"] = self.guide.to_dict() if self.guide is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> GenerationParams:
        """Build from a dict such as :meth:`to_dict` wrote; unknown keys are ignored.

        Raises InvalidParameters (naming the field) for a wrong type or value.
        """
        if not isinstance(data, dict):
            raise InvalidParameters("params", "Parameters must be a JSON object.")
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                kwargs[f.name] = _coerce(f.name, data[f.name])
        if "prompt" not in kwargs:
            raise InvalidParameters("prompt", "The parameters have no prompt.")
        return cls(**kwargs)


_FIELD_TYPES = {f.name: f.type for f in dataclasses.fields(GenerationParams)}


def _coerce(name: str, value):
    """Convert a JSON value to the field's type, strictly (no bool-as-int, no float-as-int)."""
    kind = _FIELD_TYPES[name]
    if name == "colors":
        if not isinstance(value, (list, tuple)) or not all(isinstance(c, str) for c in value):
            raise InvalidParameters(name, "Colours must be a list of #rrggbb strings.")
        return tuple(value)
    if name == "seed" and value is None:
        return None
    if name == "loras":
        if not isinstance(value, (list, tuple)):
            raise InvalidParameters(name, "LoRAs must be a list.")
        return tuple(LoraRef.from_dict(item) for item in value)
    if name == "guide":
        return None if value is None else Guide.from_dict(value)
    if kind in ("int", "int | None"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidParameters(name, f"{_LABELS[name]} must be a whole number.")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidParameters(name, f"{_LABELS[name]} must be a number.")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise InvalidParameters(name, f"{_LABELS[name]} must be true or false.")
        return value
    if not isinstance(value, str):
        raise InvalidParameters(name, f"{_LABELS[name]} must be text.")
    return value


_LABELS = {
    "prompt": "Prompt",
    "mode": "Mode",
    "negative_prompt": "Negative prompt",
    "colors": "Colours",
    "background": "Background colour",
    "model": "Model",
    "family": "Model family",
    "scheduler": "Sampler",
    "steps": "Steps",
    "guidance": "Guidance",
    "width": "Width",
    "height": "Height",
    "seed": "Seed",
    "batch_count": "Batch count",
    "strength": "Strength",
    "mask_blur": "Mask feather",
    "inpaint_only_masked": "Only masked",
    "inpaint_padding": "Masked area padding",
    "loras": "LoRAs",
    "speed": "Speed",
    "decode": "Decode",
    "server": "Server",
    "guide": "Guide",
}


def _check_int(p: GenerationParams, name: str, low: int, high: int) -> None:
    value = getattr(p, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameters(name, f"{_LABELS[name]} must be a whole number.")
    if not low <= value <= high:
        raise InvalidParameters(name, f"{_LABELS[name]} must be between {low} and {high}, not {value}.")


def _check_float(p: GenerationParams, name: str, low: float, high: float) -> None:
    value = getattr(p, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise InvalidParameters(name, f"{_LABELS[name]} must be a number.")
    if not low <= value <= high:
        raise InvalidParameters(name, f"{_LABELS[name]} must be between {low:g} and {high:g}, not {value:g}.")


def _check_color(name: str, value: str) -> None:
    if not isinstance(value, str) or not _HEX_COLOR.match(value):
        raise InvalidParameters(name, f"{_LABELS[name]} must be written #rrggbb in lower case, not {value!r}.")


def _validate(p: GenerationParams) -> None:
    for name in (
        "prompt",
        "negative_prompt",
        "model",
        "family",
        "mode",
        "scheduler",
        "background",
        "speed",
        "decode",
        "server",
    ):
        if not isinstance(getattr(p, name), str):
            raise InvalidParameters(name, f"{_LABELS[name]} must be text.")
    if not p.prompt.strip():
        raise InvalidParameters("prompt", "Describe the logo first: the prompt is empty.")
    if p.mode not in MODES:
        raise InvalidParameters("mode", f"Mode must be one of {', '.join(MODES)}, not {p.mode!r}.")
    if p.family and p.family not in FAMILIES:
        raise InvalidParameters("family", f"Model family must be one of {', '.join(FAMILIES)}, not {p.family!r}.")
    if p.scheduler not in SCHEDULERS:
        raise InvalidParameters("scheduler", f"Unknown sampler {p.scheduler!r}; choose one of {', '.join(SCHEDULERS)}.")
    for name in ("width", "height"):
        _check_int(p, name, *SIZE_RANGE)
        if getattr(p, name) % 8:
            raise InvalidParameters(name, f"{_LABELS[name]} must be a multiple of 8, not {getattr(p, name)}.")
    _check_int(p, "steps", *STEPS_RANGE)
    _check_float(p, "guidance", *GUIDANCE_RANGE)
    _check_int(p, "batch_count", *BATCH_RANGE)
    if p.seed is not None:
        _check_int(p, "seed", 0, SEED_MAX)
    if not isinstance(p.strength, (int, float)) or isinstance(p.strength, bool) or not 0.0 < p.strength <= 1.0:
        raise InvalidParameters("strength", f"Strength must be above 0 and at most 1, not {p.strength!r}.")
    if p.mode != TXT2IMG and isinstance(p.steps, int) and int(p.steps * p.strength) < 1:
        raise InvalidParameters(
            "strength",
            f"With {p.steps} steps at strength {p.strength:g} no step would run (the image is redrawn for "
            f"steps × strength steps). Raise the steps or the strength.",
        )
    _check_int(p, "mask_blur", *MASK_BLUR_RANGE)
    _check_int(p, "inpaint_padding", *PADDING_RANGE)
    if not isinstance(p.inpaint_only_masked, bool):
        raise InvalidParameters("inpaint_only_masked", "Only masked must be true or false.")
    if not isinstance(p.colors, tuple):
        raise InvalidParameters("colors", "Colours must be a tuple of #rrggbb strings.")
    if len(p.colors) > MAX_COLORS:
        raise InvalidParameters("colors", f"Pick at most {MAX_COLORS} brand colours, not {len(p.colors)}.")
    for color in p.colors:
        _check_color("colors", color)
    if p.background:
        _check_color("background", p.background)
    if p.speed not in SPEEDS:
        raise InvalidParameters("speed", f"Speed must be one of {', '.join(SPEEDS)}, not {p.speed!r}.")
    if any(mark in p.server for mark in "@?#"):
        raise InvalidParameters("server", "A server is recorded by its address alone, without sign-in or query.")
    if p.decode not in DECODES:
        raise InvalidParameters("decode", f"Decode must be one of {', '.join(DECODES)}, not {p.decode!r}.")
    if not isinstance(p.loras, tuple) or not all(isinstance(lora, LoraRef) for lora in p.loras):
        raise InvalidParameters("loras", "LoRAs must be a tuple of LoraRef.")
    if p.guide is not None and not isinstance(p.guide, Guide):
        raise InvalidParameters("guide", "The guide must be a Guide.")
    if len(p.loras) > MAX_LORAS:
        raise InvalidParameters("loras", f"Use at most {MAX_LORAS} LoRAs at once, not {len(p.loras)}.")
