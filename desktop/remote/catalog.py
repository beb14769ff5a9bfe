"""What a ComfyUI server has: its checkpoints and diffusion models (with the family each one is),
its LoRAs, text encoders and autoencoders, and the samplers it knows, read from ``/object_info``
of the core loader nodes. A model's family comes from its file's metadata where the file says it,
else from its name (whole words: 'sdxl', 'xl', 'flux', 'sd15'), else the user is asked once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.models.assets import fast_kit
from desktop.remote.client import ComfyClient

CHECKPOINT = "checkpoint"  # CheckpointLoaderSimple: model, text encoder and autoencoder in one file
DIFFUSION_MODEL = "diffusion_model"  # UNETLoader: the denoiser alone (FLUX.1 as most servers hold it)
_ARCHITECTURES = (  # safetensors metadata values -> family ('modelspec.architecture', kohya's base model)
    ("xl", "sdxl"),
    ("flux", "flux"),
    ("stable-diffusion-v1", "sd15"),
    ("sd_v1", "sd15"),
)
_NAME_FAMILIES = (  # what a model's file or folder name says, as whole words, checked in order
    (re.compile(r"(?<![a-z0-9])(flux|schnell)"), "flux"),
    (re.compile(r"(?<![a-z0-9])(sdxl|xl|pony|illustrious|noobai)(?![a-z0-9])"), "sdxl"),
    (re.compile(r"(?<![a-z0-9])(sd[-_ ]?1[-_.]?5|sd[-_]?v1[-_.]?5|v1[-_.]5)(?![0-9])"), "sd15"),
)


@dataclass(frozen=True)
class ServerModel:
    """A model on the server: ``name`` as the server lists it (e.g. 'sdxl/juggernaut.safetensors'),
    ``kind`` CHECKPOINT or DIFFUSION_MODEL, ``family`` sd15 / sdxl / flux, or '' when unknown."""

    name: str
    kind: str
    family: str = ""

    @property
    def inpaint_only(self) -> bool:
        """An inpainting checkpoint by its name ('…-inpainting.safetensors', FLUX 'fill')."""
        return bool(re.search(r"(?<![a-z0-9])(inpainting|inpaint|fill)(?![a-z0-9])", self.name.lower()))


@dataclass(frozen=True)
class ServerCatalog:
    """Everything a job can use on one server (names as the server lists them)."""

    checkpoints: tuple[ServerModel, ...] = ()
    diffusion_models: tuple[ServerModel, ...] = ()
    loras: tuple[str, ...] = ()
    controlnets: tuple[str, ...] = ()
    text_encoders: tuple[str, ...] = ()
    vaes: tuple[str, ...] = ()
    samplers: tuple[str, ...] = ()
    schedulers: tuple[str, ...] = ()

    @property
    def models(self) -> tuple[ServerModel, ...]:
        return self.checkpoints + self.diffusion_models

    def model(self, name: str) -> ServerModel | None:
        """The model the server lists as ``name`` (exactly, or by its file name alone)."""
        exact = next((model for model in self.models if model.name == name), None)
        return exact or next((model for model in self.models if _file_name(model.name) == name), None)

    def lora(self, name: str) -> str | None:
        """The server's LoRA for a name as a prompt or the LoRA panel says it: the listed name,
        the file name, or the file name without '.safetensors' (A1111's ``<lora:name:w>``)."""
        return _find(self.loras, name)

    def controlnet(self, name: str) -> str | None:
        """The server's ControlNet for a name, found as ``lora`` finds LoRAs."""
        return _find(self.controlnets, name)

    def fast_lora(self, family: str) -> str | None:
        """The server's few-step LoRA that Fast mode uses for ``family`` (LCM-LoRA), if it has one."""
        kit = fast_kit(family)[0]
        if kit is None:
            return None
        wanted = {_squash(name) for name in (kit.id.split("/")[-1], *kit.server_names)}
        for lora in self.loras:
            parts = lora.replace("\\", "/").split("/")
            stem = _stem(parts[-1])
            if stem == "pytorch_lora_weights" and len(parts) > 1:  # the file as diffusers names it, in its folder
                stem = parts[-2]
            if _squash(stem) in wanted:
                return lora
        return None


def _find(names: tuple[str, ...], name: str) -> str | None:
    if name in names:
        return name
    key = _stem(_file_name(name)).lower()
    return next((listed for listed in names if _stem(_file_name(listed)).lower() == key), None)


def _file_name(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _stem(name: str) -> str:
    return re.sub(r"\.safetensors$", "", name, flags=re.IGNORECASE)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def family_from_name(name: str) -> str:
    """The family a model's file or folder name says in whole words ('sdxl/juggernaut', 'flux1-dev',
    'v1-5-pruned'), or '' ('juggernautXL_v9' says nothing: the user is asked)."""
    text = name.replace("\\", "/").lower()
    return next((family for pattern, family in _NAME_FAMILIES if pattern.search(text)), "")


def family_from_metadata(metadata: dict) -> str:
    """The family a .safetensors file's metadata says ('modelspec.architecture' or kohya's
    'ss_base_model_version'), or ''."""
    for key in ("modelspec.architecture", "ss_base_model_version"):
        value = str(metadata.get(key, "")).lower()
        for marker, family in _ARCHITECTURES:
            if marker in value:
                return family
    return ""


def _choices(info: dict, section: str, field: str) -> tuple[str, ...]:
    """The names a node input offers (ComfyUI lists them as [[names…], {options}] or ['COMBO', {options}])."""
    spec = info.get("input", {}).get(section, {}).get(field)
    if not isinstance(spec, list) or not spec:
        return ()
    names = spec[0] if isinstance(spec[0], list) else spec[1].get("options", []) if len(spec) > 1 else []
    return tuple(str(name) for name in names if isinstance(name, str))


def read_catalog(client: ComfyClient) -> ServerCatalog:
    """The server's models, LoRAs, encoders, autoencoders and samplers."""
    checkpoint = client.object_info("CheckpointLoaderSimple")
    unet = client.object_info("UNETLoader")
    lora = client.object_info("LoraLoader")
    controlnet = client.object_info("ControlNetLoader")
    clip = client.object_info("DualCLIPLoader")
    vae = client.object_info("VAELoader")
    sampler = client.object_info("KSampler")
    return ServerCatalog(
        checkpoints=tuple(
            ServerModel(name, CHECKPOINT, family_from_name(name))
            for name in _choices(checkpoint, "required", "ckpt_name")
        ),
        diffusion_models=tuple(
            ServerModel(name, DIFFUSION_MODEL, family_from_name(name))
            for name in _choices(unet, "required", "unet_name")
        ),
        loras=_choices(lora, "required", "lora_name"),
        controlnets=_choices(controlnet, "required", "control_net_name"),
        text_encoders=_choices(clip, "required", "clip_name1"),
        vaes=_choices(vae, "required", "vae_name"),
        samplers=_choices(sampler, "required", "sampler_name"),
        schedulers=_choices(sampler, "required", "scheduler"),
    )
