"""Fast and Quality: the one choice the window offers instead of sampler names, with the same
meaning on this computer and on a ComfyUI server.

Quality is the model's own sampler, steps and guidance, decoded by its own autoencoder. Fast adds
the family's few-step LoRA (LCM-LoRA for Stable Diffusion 1.5 and SDXL; resources/models.json
"fast"), takes its sampler, steps and guidance (guidance 1: no unconditional pass, half the cost of
a step), and on this computer decodes text-to-image and inpainting drafts with the tiny autoencoder
(a server's GPU decodes them in full in a fraction of a step). A model that is
few-step already (an LCM or Turbo checkpoint, FLUX.1 schnell), or a few-step LoRA the user added,
needs no extra LoRA. Variations and upscales always decode with the full autoencoder, and
``GenerationParams.final_version()`` redraws a draft in full quality from the same seed.
"""

from __future__ import annotations

import dataclasses

from desktop.models.assets import fast_kit
from desktop.models.few_step import FewStepProfile, detect_lora
from desktop.models.few_step import adapt as adapt_to_few_step
from desktop.models.loras import few_step_lora
from desktop.params import FAST, GenerationParams, LoraRef


def lora_profile(params: GenerationParams) -> tuple[FewStepProfile | None, str]:
    """The few-step profile of the first few-step LoRA the user chose, and that LoRA's name."""
    for lora in params.user_loras:
        profile = few_step_lora(lora.ref)
        if profile is not None:
            return profile, lora.name
    return None, ""


def adapt_speed(
    params: GenerationParams,
    family,
    model_profile: FewStepProfile | None,
    *,
    fast_lora: str | None = None,
    tiny_drafts: bool = True,
) -> tuple[GenerationParams, str]:
    """``params`` fitted to their speed on a model of ``family`` (a ModelFamily) whose own few-step
    profile is ``model_profile``, and a note saying what changed ('' when nothing worth saying).

    ``fast_lora`` is the family's few-step LoRA where the job runs (a ComfyUI server's file name);
    None means Fast's own from resources/models.json. ``tiny_drafts`` says whether drafts are
    decoded by the tiny autoencoder (this computer) or in full (a server)."""
    profile, lora_name = lora_profile(params)
    params = dataclasses.replace(params, loras=params.user_loras)  # Fast's LoRA follows speed and family
    if params.speed != FAST:
        if profile is not None:
            adapted, _ = adapt_to_few_step(params, profile)
            note = (
                f"{lora_name} is a {profile.kind} LoRA, which needs few steps: using {adapted.steps} steps, guidance "
                f"{adapted.guidance:g} and the {adapted.scheduler} sampler."
            )
            return adapted, note if adapted != params else ""
        return adapt_to_few_step(params, model_profile)
    added = ""
    if profile is None and model_profile is None:
        kit_lora = fast_kit(family.name)[0]
        if kit_lora is None:
            return params, (
                f"{family.label} has no few-step LoRA in Logo Studio, so Fast only makes the decoding quicker; "
                "FLUX.1 schnell is the fast FLUX model."
            )
        reference = fast_lora if fast_lora is not None else kit_lora.id
        params = dataclasses.replace(params, loras=(*params.loras, LoraRef(reference, 1.0, fast=True)))
        profile, added = detect_lora(kit_lora.id), kit_lora.name
    profile = profile or model_profile
    adapted = dataclasses.replace(
        params, scheduler=profile.scheduler, steps=profile.steps, guidance=min(params.guidance, profile.guidance)
    )
    if (adapted.scheduler, adapted.steps, adapted.guidance) == (params.scheduler, params.steps, params.guidance):
        return adapted, ""
    using = f"{added}: " if added else ""
    text = f"Fast: {using}{profile.steps} steps, guidance {adapted.guidance:g} and the {profile.scheduler} sampler"
    return adapted, f"{text}; drafts are decoded by the tiny autoencoder." if tiny_drafts else f"{text}."
