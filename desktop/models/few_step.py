"""Few-step models (LCM, Turbo, Lightning/Hyper for Stable Diffusion 1.5 and SDXL; FLUX.1 schnell)
and few-step LoRAs (LCM-LoRA, Hyper-SD, SDXL-Lightning, TCD): recognised from what they are (the
scheduler a model ships with; FLUX.1 schnell's config, which has no guidance input; a LoRA's content
or the name its trainer recorded, see ``desktop.models.loras.few_step_lora``) or from their own
name, and given the sampler, steps and guidance they need. A name counts word by word and only the
file's, folder's or repo's own: ``/home/tcdavis/loras/flat-logo.safetensors`` is no TCD LoRA.
Guidance 1 or less also skips the unconditional pass of each step (diffusers runs classifier-free
guidance only above 1), which halves the cost of a step.
Regular settings (25 steps, guidance 7.5) give such models burnt or mushy images, which users take
for a broken app."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from desktop.params import GenerationParams

REGULAR_STEPS = 12  # more steps than this means settings meant for a regular model
REGULAR_GUIDANCE = 3.0
_SUFFIXES = {".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".pkl"}


@dataclass(frozen=True)
class FewStepProfile:
    kind: str
    scheduler: str
    steps: int
    guidance: float

    def reason(self) -> str:
        return (
            f"This is a {self.kind} model, which needs few steps: using {self.steps} steps, guidance "
            f"{self.guidance:g} and the {self.scheduler} sampler."
        )


LCM = FewStepProfile("LCM", "LCM", 4, 1.0)
TURBO = FewStepProfile("Turbo", "Euler a (trailing)", 4, 0.0)
LIGHTNING = FewStepProfile("Lightning/Hyper", "Euler (trailing)", 8, 0.0)
FLUX_SCHNELL = FewStepProfile("FLUX.1 schnell", "Flow Euler", 4, 0.0)
TCD = FewStepProfile("TCD", "LCM", 4, 1.0)  # TCD-LoRAs also sample well with LCM's multistep sampler
_STEPS_IN_NAME = re.compile(r"(?<![a-z0-9])(\d+)[-_ ]?steps?(?![a-z])")
# Few-step LoRAs known by their file's size and SHA-256 (as Hugging Face lists them), so that a copy
# is recognised whatever it is called: both are usually saved as pytorch_lora_weights.safetensors.
KNOWN_LORAS = {
    (134_621_556, "8f90d840e075ff588a58e22c6586e2ae9a6f7922996ee6649a7f01072333afe4"): LCM,  # lcm-lora-sdv1-5
    (393_855_224, "a764e6859b6e04047cd761c08ff0cee96413a8e004c9f07707530cd776b19141"): LCM,  # lcm-lora-sdxl
}


def own_names(ref: str) -> list[str]:
    """The names of ``ref`` itself, never of the folders it lies in: a file's name without its
    suffix, a folder's name, a hub repo's name (for ``owner/repo/file.safetensors`` the file's, then the repo's)."""
    from desktop.models.assets import split_file_ref

    ref = ref.strip().replace("\\", "/").rstrip("/")
    own = PurePath(ref)
    names = [own.stem if own.suffix.lower() in _SUFFIXES else own.name]
    hub_file = None if Path(ref).expanduser().exists() else split_file_ref(ref)
    return [*names, hub_file[0].split("/")[1]] if hub_file else names


def words(name: str) -> list[str]:
    """The words of a name, lower-cased: split at anything but letters and digits, and where a
    lower-case letter or digit meets a capital ("dreamshaperXL_lightningDPMSDE")."""
    return re.findall(r"[a-z0-9]+", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower())


def detect(model: str, scheduler_class: str, family=None) -> FewStepProfile | None:
    """The profile for a model, from its scheduler class or its name; None for a regular model.

    ``family`` (a ``desktop.models.families.ModelFamily``; None means Stable Diffusion) decides
    which profiles can apply: a FLUX model is few-step when it is FLUX.1 schnell (read from its
    config), never from its name."""
    if family is not None and family.name == "flux":
        return FLUX_SCHNELL if not family.uses_guidance else None
    if scheduler_class in ("LCMScheduler", "TCDScheduler"):
        return LCM
    found = {word for name in own_names(model) for word in words(name)}
    if "lcm" in found:
        return LCM
    if "turbo" in found:
        return TURBO
    if found & {"lightning", "hyper"}:
        return LIGHTNING
    return None


def detect_lora(ref: str) -> FewStepProfile | None:
    """The profile of a few-step LoRA from its own file or repo name (LCM-LoRA, TCD, Hyper-SD,
    SDXL-Lightning); None for any other LoRA. A step count in the name ("Hyper-SD15-8steps-lora",
    "sdxl_lightning_4step_lora") sets the steps."""
    return profile_from_names(own_names(ref))


def profile_from_names(names: list[str]) -> FewStepProfile | None:
    """The few-step LoRA profile that ``names`` (a LoRA's names: file, repo, the name in its
    metadata) give, word by word; None when none names a few-step LoRA."""
    for name in names:
        found = set(words(name))
        if "lcm" in found:
            return LCM
        if "tcd" in found:
            return TCD
        if found & {"lightning", "hyper"}:
            steps = _STEPS_IN_NAME.search(name.lower())
            if steps and 1 <= int(steps.group(1)) <= 16:
                kind = "Lightning" if "lightning" in found else "Hyper-SD"
                return dataclasses.replace(LIGHTNING, kind=kind, steps=int(steps.group(1)))
            return LIGHTNING
    return None


def adapt(params: GenerationParams, profile: FewStepProfile | None) -> tuple[GenerationParams, str]:
    """``params`` fitted to ``profile`` and a note saying why ('' when nothing changed). The
    sampler always follows the profile; steps and guidance only when they are regular-model
    settings, so a user's own few-step tweaks are kept."""
    if profile is None:
        return params, ""
    changes = {"scheduler": profile.scheduler}
    if params.steps > REGULAR_STEPS:
        changes["steps"] = profile.steps
    if params.guidance > REGULAR_GUIDANCE:
        changes["guidance"] = profile.guidance
    adapted = dataclasses.replace(params, **changes)
    return adapted, (profile.reason() if adapted != params else "")
