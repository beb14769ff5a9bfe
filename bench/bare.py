"""The reference every benchmark compares against: the diffusers pipeline called directly."""

from __future__ import annotations


def run_bare(pipe, params, callback_on_step_end=None):
    """Call ``pipe`` as a diffusers user would, with ``params``' settings; returns the image.

    Works for every family's text-to-image pipeline (StableDiffusion, StableDiffusionXL, Flux): no
    negative prompt is None, which each pipeline reads as its own default (SDXL: zeroed embeddings;
    FLUX.1 has none)."""
    import diffusers
    import torch

    from desktop.schedulers import SCHEDULERS

    class_name, overrides = SCHEDULERS[params.scheduler]
    pipe.scheduler = getattr(diffusers, class_name).from_config(pipe.scheduler.config, **overrides)
    return pipe(
        params.prompt,
        negative_prompt=params.negative_prompt or None,
        num_inference_steps=params.steps,
        guidance_scale=params.guidance,
        width=params.width,
        height=params.height,
        generator=torch.Generator("cpu").manual_seed(params.seed),
        callback_on_step_end=callback_on_step_end,
    ).images[0]
