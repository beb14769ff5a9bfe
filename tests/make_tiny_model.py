"""Build tiny, randomly initialised Stable Diffusion model folders, fully offline.

The components are the real diffusers/transformers classes at tiny sizes, so the app's loading,
scheduling, inpainting and saving code runs exactly as it does for a full-size model; only the
pictures are noise. The tokenizer files are written here, not downloaded.

Usage: ``python tests/make_tiny_model.py OUTDIR`` writes ``OUTDIR/txt2img`` and ``OUTDIR/inpaint``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _byte_symbols() -> list[str]:
    """The 256 printable stand-ins CLIP's byte-level BPE uses for raw bytes (GPT-2's table)."""
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            codes.append(256 + extra)
            extra += 1
    return [chr(code) for code in codes]


def build_tokenizer():
    """A byte-level CLIP tokenizer: every byte, every byte ending a word, and a few merges."""
    from transformers import CLIPTokenizer

    symbols = _byte_symbols()
    vocab: dict[str, int] = {}
    for symbol in symbols + [s + "</w>" for s in symbols]:
        vocab[symbol] = len(vocab)
    merges = [("l", "o"), ("lo", "g"), ("log", "o</w>"), ("c", "a"), ("ca", "t</w>")]
    for merge in merges:
        vocab.setdefault("".join(merge), len(vocab))
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)


def build_components(in_channels: int, vocab_size: int) -> dict:
    """Tiny UNet/VAE/CLIP components; ``in_channels`` is 4 for text-to-image, 9 for inpainting."""
    import torch
    from diffusers import AutoencoderKL, DPMSolverMultistepScheduler, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=2,
        sample_size=32,
        in_channels=in_channels,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=8,
        norm_num_groups=32,
    )
    torch.manual_seed(0)
    vae = AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=32,
    )
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=vocab_size - 2,
            eos_token_id=vocab_size - 1,
            hidden_size=32,
            intermediate_size=37,
            layer_norm_eps=1e-05,
            num_attention_heads=4,
            num_hidden_layers=5,
            pad_token_id=vocab_size - 1,
            vocab_size=vocab_size,
            max_position_embeddings=77,
        )
    )
    scheduler = DPMSolverMultistepScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1
    )
    return {"unet": unet, "vae": vae, "text_encoder": text_encoder, "scheduler": scheduler}


def make_tiny_model(folder: Path, *, inpaint: bool = False) -> Path:
    """Save a tiny text-to-image (or 9-channel inpainting) pipeline to ``folder``; returns it."""
    from diffusers import StableDiffusionInpaintPipeline, StableDiffusionPipeline

    tokenizer = build_tokenizer()
    components = build_components(9 if inpaint else 4, vocab_size=len(tokenizer))
    pipeline_class = StableDiffusionInpaintPipeline if inpaint else StableDiffusionPipeline
    pipe = pipeline_class(
        **components,
        tokenizer=tokenizer,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(Path(folder), safe_serialization=True)
    return folder


def make_tiny_models(outdir: Path) -> tuple[Path, Path]:
    """Write ``outdir/txt2img`` and ``outdir/inpaint``; returns both folders."""
    outdir = Path(outdir)
    return make_tiny_model(outdir / "txt2img"), make_tiny_model(outdir / "inpaint", inpaint=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/make_tiny_model.py OUTDIR")
    for path in make_tiny_models(Path(sys.argv[1])):
        print(path)
