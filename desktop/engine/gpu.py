"""CUDA-specific tuning: channels_last, a VAE that recovers from fp16 overflow, torch.compile (of
the UNet, or of FLUX's transformer).

diffusers already uses PyTorch's scaled-dot-product attention (SDPA) by default.
"""

from __future__ import annotations


def tune_for_cuda(pipe, compile_unet: bool = False) -> None:
    """channels_last UNet (faster convolutions on tensor cores; FLUX's transformer has none), a
    guarded fp16 VAE decode, and optionally a compiled UNet or transformer (slow first image,
    faster afterwards)."""
    import torch

    unet = getattr(pipe, "unet", None)
    if unet is not None:
        unet.to(memory_format=torch.channels_last)
    if pipe.vae.dtype == torch.float16:
        guard_vae_decode(pipe.vae)
    if compile_unet:
        name = "unet" if unet is not None else "transformer"
        setattr(pipe, name, torch.compile(getattr(pipe, name), mode="max-autotune-no-cudagraphs", fullgraph=False))


def guard_vae_decode(vae) -> None:
    """Make an fp16 VAE decode again in fp32 when fp16 overflows (NaN/inf: the black images many
    SD 1.x VAEs give in half precision), and decode in fp32 from then on. Encoding is untouched,
    so the pipeline's dtypes stay as they are."""
    import torch

    if getattr(vae, "_logo_studio_guarded", False):
        return
    half_decode = vae.decode
    state = {"fp32": False}

    def decode_in_fp32(latents, *args, **kwargs):
        vae.to(torch.float32)
        try:
            return half_decode(latents.to(torch.float32), *args, **kwargs)
        finally:
            vae.to(torch.float16)

    def decode(latents, *args, **kwargs):
        if state["fp32"]:
            return decode_in_fp32(latents, *args, **kwargs)
        output = half_decode(latents, *args, **kwargs)
        sample = output[0] if isinstance(output, tuple) else output.sample
        if torch.isfinite(sample).all():
            return output
        state["fp32"] = True
        return decode_in_fp32(latents, *args, **kwargs)

    vae.decode = decode
    vae._logo_studio_guarded = True
