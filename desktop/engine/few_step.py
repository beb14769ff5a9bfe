"""Few-step models (LCM, Turbo, Lightning/Hyper for Stable Diffusion 1.5 and SDXL; FLUX.1 schnell):
recognised from the scheduler they ship with or their name (SD families), or from the model's
config (FLUX.1 schnell has no guidance input), and given the sampler, steps and guidance they need.
Regular settings (25 steps, guidance 7.5) give such models burnt or mushy images, which users take
for a broken app."""

from __future__ import annotations

import dataclasses
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
