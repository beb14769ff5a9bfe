"""The samplers users can pick, by the names A1111 and most SD tools show.

Plain data, so that parameter validation and metadata parsing need no torch import. The engine
turns an entry into a diffusers scheduler with ``getattr(diffusers, class_name).from_config`` on
the loaded model's own scheduler config. Stable Diffusion 1.5 and SDXL models predict noise and
use ``SD_SCHEDULERS``; FLUX.1 models are flow-matching models and use ``FLOW_SCHEDULERS`` (each
family lists the ones that apply to it, see ``desktop.models.families``).
"""

from __future__ import annotations

# name shown to users -> (diffusers scheduler class, config overrides)
SCHEDULERS: dict[str, tuple[str, dict]] = {
    "DPM++ 2M Karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
    "DPM++ 2M": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": False}),
    "Euler": ("EulerDiscreteScheduler", {}),
    "Euler a": ("EulerAncestralDiscreteScheduler", {}),
    "DDIM": ("DDIMScheduler", {}),
    "PNDM": ("PNDMScheduler", {"skip_prk_steps": True}),
    "UniPC": ("UniPCMultistepScheduler", {}),
    # For few-step models (see desktop/models/few_step.py).
    "LCM": ("LCMScheduler", {}),
    "Euler a (trailing)": ("EulerAncestralDiscreteScheduler", {"timestep_spacing": "trailing"}),
    "Euler (trailing)": ("EulerDiscreteScheduler", {"timestep_spacing": "trailing"}),
    # Flow matching (FLUX.1): the model's own Euler sampler, and the same with Karras or exponential
    # spacing of the (size-shifted) noise levels. Deterministic for a seed; they work for text-to-image,
    # inpainting and image-to-image alike.
    "Flow Euler": ("FlowMatchEulerDiscreteScheduler", {}),
    "Flow Euler Karras": ("FlowMatchEulerDiscreteScheduler", {"use_karras_sigmas": True}),
    "Flow Euler Exponential": ("FlowMatchEulerDiscreteScheduler", {"use_exponential_sigmas": True}),
}

FLOW_SCHEDULERS: tuple[str, ...] = tuple(name for name in SCHEDULERS if name.startswith("Flow "))
SD_SCHEDULERS: tuple[str, ...] = tuple(name for name in SCHEDULERS if name not in FLOW_SCHEDULERS)

DEFAULT_SCHEDULER = "DPM++ 2M Karras"

# Names other tools write into PNG metadata, mapped to ours.
ALIASES: dict[str, str] = {
    "PLMS": "PNDM",
    "DPM++ 2M SDE Karras": "DPM++ 2M Karras",
    "Euler Ancestral": "Euler a",
    "dpmpp_2m": "DPM++ 2M",
    "euler": "Euler",
    "euler_ancestral": "Euler a",
    "ddim": "DDIM",
    "uni_pc": "UniPC",
}


def canonical_scheduler(name: str, schedule_type: str = "") -> str | None:
    """Our scheduler name for a sampler name written by us or another tool, or None if unknown.

    A1111 1.9+ writes ``Sampler: DPM++ 2M`` and ``Schedule type: Karras`` separately.
    """
    name = name.strip()
    if schedule_type.strip().lower() == "karras" and f"{name} Karras" in SCHEDULERS:
        return f"{name} Karras"
    if name in SCHEDULERS:
        return name
    return ALIASES.get(name)
