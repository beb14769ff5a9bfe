"""Few-step models (LCM, Turbo, Lightning/Hyper for Stable Diffusion 1.5 and SDXL; FLUX.1 schnell)
and few-step LoRAs (LCM-LoRA, Hyper-SD, SDXL-Lightning, TCD): recognised from the scheduler they
ship with or their name (SD families), or from the model's config (FLUX.1 schnell has no guidance
input), and given the sampler, steps and guidance they need. Guidance 1 or less also skips the
unconditional pass of each step (diffusers runs classifier-free guidance only above 1), which
halves the cost of a step.
Regular settings (25 steps, guidance 7.5) give such models burnt or mushy images, which users take
for a broken app."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from desktop.params import GenerationParams

REGULAR_STEPS = 12  # more steps than this means settings meant for a regular model
REGULAR_GUIDANCE = 3.0


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
_STEPS_IN_NAME = re.compile(r"(\d+)[-_ ]?steps?")


def detect(model: str, scheduler_class: str, family=None) -> FewStepProfile | None:
    """The profile for a model, from its scheduler class or its name; None for a regular model.

    ``family`` (a ``desktop.engine.families.ModelFamily``; None means Stable Diffusion) decides
    which profiles can apply: a FLUX model is few-step when it is FLUX.1 schnell (read from its
    config), never from its name."""
    if family is not None and family.name == "flux":
        return FLUX_SCHNELL if not family.uses_guidance else None
    name = model.lower()
    if scheduler_class == "LCMScheduler" or "lcm" in name:
        return LCM
    if "turbo" in name:
        return TURBO
    if "lightning" in name or "hyper" in name:
        return LIGHTNING
    return None


def detect_lora(name: str) -> FewStepProfile | None:
    """The profile of a few-step LoRA, from its file or repo name (LCM-LoRA, TCD, Hyper-SD,
    SDXL-Lightning); None for any other LoRA. A step count in the name ("Hyper-SD15-8steps-lora",
    "sdxl_lightning_4step_lora") sets the steps."""
    name = name.lower()
    if "lcm" in name:
        return LCM
    if "tcd" in name:
        return TCD
    if "lightning" in name or "hyper" in name:
        steps = _STEPS_IN_NAME.search(name)
        if steps and 1 <= int(steps.group(1)) <= 16:
            kind = "Lightning" if "lightning" in name else "Hyper-SD"
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
