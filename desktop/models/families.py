"""Model families (Stable Diffusion 1.5, SDXL, FLUX.1): what each one is, read from the model.

A family is never guessed from a name: a diffusers folder says it in ``model_index.json`` (the
pipeline class and its components), a single ``.safetensors`` checkpoint in its tensor names, which
diffusers' own classifier reads here from the file's header alone. What the UI shows for a family
(default size, aspect presets, steps, guidance, the samplers that apply, whether there is a negative
prompt) is plain data in :class:`ModelFamily`. No torch import at module level.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import ModelLoadError
from desktop.params import GenerationParams
from desktop.schedulers import FLOW_SCHEDULERS, SD_SCHEDULERS


@dataclass(frozen=True)
class LatentFormat:
    """How a family's latents look: channel -> RGB factors, an RGB bias, and whether they are packed."""

    rgb_factors: tuple[tuple[float, float, float], ...]
    rgb_bias: tuple[float, float, float] = (0.0, 0.0, 0.0)
    packed: bool = False


SD15_LATENTS = LatentFormat(
    (
        (0.3512, 0.2297, 0.3227),
        (0.3250, 0.4974, 0.2350),
        (-0.2829, 0.1762, 0.2721),
        (-0.2120, -0.2616, -0.7177),
    )
)
SDXL_LATENTS = LatentFormat(
    (
        (0.3651, 0.4232, 0.4341),
        (-0.2533, -0.0042, 0.1068),
        (0.1076, 0.1111, -0.0362),
        (-0.3165, -0.2492, -0.2188),
    ),
    (0.1084, -0.0175, -0.0011),
)
FLUX_LATENTS = LatentFormat(
    (
        (-0.0346, 0.0244, 0.0681),
        (0.0034, 0.0210, 0.0687),
        (0.0275, -0.0668, -0.0433),
        (-0.0174, 0.0160, 0.0617),
        (0.0859, 0.0721, 0.0329),
        (0.0004, 0.0383, 0.0115),
        (0.0405, 0.0861, 0.0915),
        (-0.0236, -0.0185, -0.0259),
        (-0.0245, 0.0250, 0.1180),
        (0.1008, 0.0755, -0.0421),
        (-0.0515, 0.0201, 0.0011),
        (0.0428, -0.0012, -0.0036),
        (0.0817, 0.0765, 0.0749),
        (-0.1264, -0.0522, -0.1103),
        (-0.0280, -0.0881, -0.0499),
        (-0.1262, -0.0982, -0.0778),
    ),
    (-0.0329, -0.0718, -0.0851),
    packed=True,
)


@dataclass(frozen=True)
class AspectPreset:
    """A size the family was trained on, e.g. ``AspectPreset("3:2", 1216, 832)``."""

    label: str
    width: int
    height: int


def _presets(*sizes: tuple[str, int, int]) -> tuple[AspectPreset, ...]:
    return tuple(AspectPreset(*size) for size in sizes)


# SDXL's training buckets (SDXL report, appendix), which FLUX.1 handles well too.
_XL_PRESETS = _presets(
    ("1:1", 1024, 1024),
    ("9:7", 1152, 896),
    ("7:9", 896, 1152),
    ("3:2", 1216, 832),
    ("2:3", 832, 1216),
    ("16:9", 1344, 768),
    ("9:16", 768, 1344),
)


@dataclass(frozen=True)
class ModelFamily:
    """What a family of models needs and offers; ``Engine.family`` gives the loaded one.

    ``name`` is what is stored (params and PNG metadata: sd15, sdxl or flux), ``label`` what users
    read. ``samplers`` are the sampler names (``desktop.schedulers.SCHEDULERS``) that apply;
    ``uses_guidance`` is False for models that ignore the guidance value (FLUX.1 schnell); sizes
    must be multiples of ``size_multiple``. ``max_sequence_length`` is how many T5 tokens of the
    prompt a FLUX model reads (None: the pipeline's default); ``prompt_tokenizer`` names the
    pipeline's tokenizer whose limit decides which words of a long prompt the model ignores."""

    name: str
    label: str
    default_size: int
    aspect_presets: tuple[AspectPreset, ...]
    default_steps: int
    default_guidance: float
    samplers: tuple[str, ...]
    default_sampler: str
    supports_negative_prompt: bool
    latent_format: LatentFormat
    uses_guidance: bool = True
    size_multiple: int = 8
    max_sequence_length: int | None = None
    prompt_tokenizer: str = "tokenizer"
    text_to_image_class: str = ""  # the diffusers classes that read a single-file checkpoint
    inpaint_class: str = ""

    def defaults(self) -> dict:
        """The request fields this family sets by default: size, steps, guidance and sampler."""
        return {
            "width": self.default_size,
            "height": self.default_size,
            "steps": self.default_steps,
            "guidance": self.default_guidance,
            "scheduler": self.default_sampler,
        }

    def apply_defaults(self, params: GenerationParams, fields=("width", "height", "steps", "guidance", "scheduler")):
        """``params`` with the named fields set to this family's defaults (InvalidParameters if the
        result is not a valid request, e.g. too few steps for the strength)."""
        defaults = self.defaults()
        return dataclasses.replace(params, **{name: defaults[name] for name in fields})

    def describe(self) -> str:
        """One line for the status bar or the CLI: the family and its defaults."""
        guidance = f"guidance {self.default_guidance:g}" if self.uses_guidance else "no guidance"
        return (
            f"{self.label}: {self.default_size}×{self.default_size}, {self.default_steps} steps, {guidance}, "
            f"{self.default_sampler}" + ("" if self.supports_negative_prompt else ", no negative prompt")
        )


SD15 = ModelFamily(
    name="sd15",
    label="Stable Diffusion 1.5",
    default_size=512,
    aspect_presets=_presets(
        ("1:1", 512, 512), ("4:5", 512, 640), ("5:4", 640, 512), ("2:3", 512, 768), ("3:2", 768, 512)
    ),
    default_steps=25,
    default_guidance=7.5,
    samplers=SD_SCHEDULERS,
    default_sampler="DPM++ 2M Karras",
    supports_negative_prompt=True,
    latent_format=SD15_LATENTS,
    text_to_image_class="StableDiffusionPipeline",
    inpaint_class="StableDiffusionInpaintPipeline",
)
SDXL = ModelFamily(
    name="sdxl",
    label="SDXL",
    default_size=1024,
    aspect_presets=_XL_PRESETS,
    default_steps=30,
    default_guidance=7.0,
    samplers=SD_SCHEDULERS,
    default_sampler="DPM++ 2M Karras",
    supports_negative_prompt=True,
    latent_format=SDXL_LATENTS,
    text_to_image_class="StableDiffusionXLPipeline",
    inpaint_class="StableDiffusionXLInpaintPipeline",
)
FLUX_DEV = ModelFamily(
    name="flux",
    label="FLUX.1 dev",
    default_size=1024,
    aspect_presets=_XL_PRESETS,
    default_steps=28,
    default_guidance=3.5,  # FLUX.1 dev's guidance is a model input ("distilled"), not classifier-free guidance
    samplers=FLOW_SCHEDULERS,
    default_sampler="Flow Euler",
    supports_negative_prompt=False,
    latent_format=FLUX_LATENTS,
    size_multiple=16,
    max_sequence_length=512,
    prompt_tokenizer="tokenizer_2",  # T5 reads the prompt; CLIP (77 tokens) only adds a summary of it
)
FLUX_SCHNELL = dataclasses.replace(
    FLUX_DEV,
    label="FLUX.1 schnell",
    default_steps=4,
    default_guidance=0.0,  # schnell has no guidance input: the value is ignored
    uses_guidance=False,
    max_sequence_length=256,  # what schnell was trained with
)
FAMILIES = (SD15, SDXL, FLUX_DEV, FLUX_SCHNELL)
FAMILY_LABELS = {"sd15": SD15.label, "sdxl": SDXL.label, "flux": "FLUX.1"}

# Pipeline classes (a folder's model_index.json "_class_name") -> family name.
_PIPELINE_FAMILIES = {
    "StableDiffusionPipeline": "sd15",
    "StableDiffusionInpaintPipeline": "sd15",
    "StableDiffusionImg2ImgPipeline": "sd15",
    "StableDiffusionXLPipeline": "sdxl",
    "StableDiffusionXLInpaintPipeline": "sdxl",
    "StableDiffusionXLImg2ImgPipeline": "sdxl",
    "FluxPipeline": "flux",
    "FluxInpaintPipeline": "flux",
    "FluxImg2ImgPipeline": "flux",
    "FluxFillPipeline": "flux",
}
# The components each family cannot do without (an SDXL refiner lacks the first text encoder).
_REQUIRED = {
    "sd15": ("text_encoder", "tokenizer", "unet", "vae", "scheduler"),
    "sdxl": ("text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "unet", "vae", "scheduler"),
    "flux": ("text_encoder", "text_encoder_2", "tokenizer", "tokenizer_2", "transformer", "vae", "scheduler"),
}
# diffusers' single-file model types (loaders.single_file_utils.infer_diffusers_model_type).
_CHECKPOINT_TYPES = {
    "v1": ("sd15", False),
    "v2": ("sd15", False),
    "inpainting": ("sd15", True),
    "inpainting_v2": ("sd15", True),
    "xl_base": ("sdxl", False),
    "xl_inpaint": ("sdxl", True),
}
SUPPORTED = "Logo Studio runs Stable Diffusion 1.5, SDXL and FLUX.1 models"


@dataclass(frozen=True)
class ModelInfo:
    """What a model is: its family, whether it only inpaints (9-channel UNet, FLUX Fill), the
    diffusers pipeline class it declares, and for a single file diffusers' model type."""

    family: ModelFamily
    inpaint_only: bool
    pipeline_class: str = ""
    checkpoint_type: str = ""


def family_named(name: str, guidance_embeds: bool = True) -> ModelFamily:
    """The family for a stored name (sd15, sdxl, flux); FLUX.1 schnell when guidance is not embedded."""
    if name == "flux":
        return FLUX_DEV if guidance_embeds else FLUX_SCHNELL
    return {"sd15": SD15, "sdxl": SDXL}[name]


def _read_json(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    return data


def folder_info(folder: Path) -> ModelInfo:
    """Read a diffusers folder's family from ``model_index.json`` and its denoiser's config.

    Raises ModelLoadError naming what is wrong: no readable model_index.json, a pipeline of another
    kind, or a missing part the family needs."""
    folder = Path(folder)
    try:
        index = _read_json(folder / "model_index.json")
    except (OSError, ValueError) as error:
        raise ModelLoadError(
            f"{folder} is not a diffusers model folder (it has no model_index.json, or cannot read it). "
            "Choose the folder that contains model_index.json, or a .safetensors file."
        ) from error
    pipeline = str(index.get("_class_name", ""))
    name = _PIPELINE_FAMILIES.get(pipeline)
    if name is None:
        raise ModelLoadError(f"{folder.name} holds a {pipeline or 'model'} model; {SUPPORTED}.")
    absent = [part for part in _REQUIRED[name] if not _declared(index.get(part))]
    if absent:
        raise ModelLoadError(f"{folder.name} is a {pipeline} without {', '.join(absent)}; {SUPPORTED}.")
    denoiser = "transformer" if name == "flux" else "unet"
    try:
        config = _read_json(folder / denoiser / "config.json")
    except (OSError, ValueError):
        config = {}  # a folder still downloading: the family is known, the rest is checked at load
    inputs, outputs = config.get("in_channels", 0), config.get("out_channels") or config.get("in_channels", 0)
    family = family_named(name, bool(config.get("guidance_embeds", True)))
    return ModelInfo(family, bool(inputs and outputs and inputs > outputs), pipeline)


def _declared(entry) -> bool:
    return isinstance(entry, list) and len(entry) == 2 and entry[0] is not None and entry[1] is not None


def checkpoint_info(checkpoint: Path) -> ModelInfo:
    """Read a single ``.safetensors`` checkpoint's family from its tensor names and shapes, with
    diffusers' own classifier, without loading any weights (the header holds names and shapes).

    Raises ModelLoadError for an unreadable file or a kind of checkpoint Logo Studio does not run."""
    checkpoint = Path(checkpoint)
    try:
        header = _checkpoint_header(checkpoint)
    except Exception as error:  # safetensors raises its own errors for damaged or foreign files
        raise ModelLoadError(f"{checkpoint.name} is not readable as a .safetensors checkpoint: {error}") from error
    from diffusers.loaders.single_file_utils import infer_diffusers_model_type

    model_type = infer_diffusers_model_type(header)
    if model_type.startswith("flux"):
        raise ModelLoadError(
            f"{checkpoint.name} is a single-file FLUX checkpoint, which holds only part of the model. "
            "Use a FLUX.1 model from Hugging Face (e.g. black-forest-labs/FLUX.1-schnell) or a diffusers folder."
        )
    if model_type not in _CHECKPOINT_TYPES:
        raise ModelLoadError(f"{checkpoint.name} is a {model_type} checkpoint; {SUPPORTED}.")
    name, inpaint_only = _CHECKPOINT_TYPES[model_type]
    family = family_named(name)
    pipeline = family.inpaint_class if inpaint_only else family.text_to_image_class
    return ModelInfo(family, inpaint_only, pipeline, model_type)


def _checkpoint_header(checkpoint: Path) -> dict:
    """Tensor name -> an empty tensor of its shape on the meta device (no data is read)."""
    import torch
    from safetensors import safe_open

    with safe_open(str(checkpoint), framework="pt") as handle:
        names = list(handle.keys())  # noqa: SIM118 - a safetensors handle is not iterable
        return {name: torch.empty(handle.get_slice(name).get_shape(), device="meta") for name in names}


def single_file_config_repo(info: ModelInfo) -> str:
    """The hub repo whose configuration and tokenizer files describe a single-file checkpoint of
    this type (diffusers' own choice, e.g. stabilityai/stable-diffusion-xl-base-1.0 for SDXL)."""
    from diffusers.loaders.single_file_utils import DIFFUSERS_DEFAULT_PIPELINE_PATHS

    return DIFFUSERS_DEFAULT_PIPELINE_PATHS[info.checkpoint_type]["pretrained_model_name_or_path"]
