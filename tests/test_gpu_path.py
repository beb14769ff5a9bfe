"""The CUDA-only tuning, exercised on the CPU with the tiny model in half precision."""

import torch

from desktop.engine.gpu import guard_vae_decode


def test_fp16_vae_overflow_is_decoded_again_in_fp32_and_stays_fp32(tiny_model):
    from diffusers import AutoencoderKL

    vae = AutoencoderKL.from_pretrained(str(tiny_model / "vae")).to(torch.float16)
    latents = torch.randn(1, 4, 16, 16, generator=torch.Generator().manual_seed(0)).to(torch.float16)
    half_decode = vae.decode
    dtypes_seen = []

    def overflowing_in_half(latents_in, *args, **kwargs):
        dtypes_seen.append(vae.dtype)
        output = half_decode(latents_in, *args, **kwargs)
        if vae.dtype == torch.float16:
            output.sample[:] = float("nan")  # what an overflowing fp16 VAE produces
        return output

    vae.decode = overflowing_in_half
    guard_vae_decode(vae)
    first = vae.decode(latents).sample
    assert torch.isfinite(first).all() and first.dtype == torch.float32
    assert dtypes_seen == [torch.float16, torch.float32]
    assert vae.dtype == torch.float16  # back to half for encoding and memory
    second = vae.decode(latents).sample
    assert torch.isfinite(second).all()
    assert dtypes_seen[2:] == [torch.float32]  # no more wasted half-precision attempts
    assert torch.allclose(first, second)


def test_finite_fp16_decode_is_left_alone(tiny_model):
    from diffusers import AutoencoderKL

    vae = AutoencoderKL.from_pretrained(str(tiny_model / "vae")).to(torch.float16)
    latents = torch.zeros(1, 4, 16, 16, dtype=torch.float16)
    guard_vae_decode(vae)
    assert vae.decode(latents).sample.dtype == torch.float16
