"""Build tiny, randomly initialised diffusion model folders of every family, fully offline.

The components are the real diffusers/transformers classes at tiny sizes, so the app's loading,
scheduling, inpainting and saving code runs exactly as it does for a full-size model; only the
pictures are noise. The tokenizer files are written here, not downloaded.

Usage: ``python tests/make_tiny_model.py OUTDIR`` writes ``OUTDIR/txt2img`` and ``OUTDIR/inpaint``
(Stable Diffusion 1.5 class), ``OUTDIR/sdxl`` (SDXL: two CLIP text encoders, the second with a
projection, real CLIP tokenizer classes) and ``OUTDIR/flux`` (FLUX.1: a CLIP and a T5 text encoder,
a T5 tokenizer built here), each a diffusers folder that ``from_pretrained`` loads, and
``OUTDIR/controlnet`` and ``OUTDIR/controlnet-sdxl``: ControlNets made from the tiny SD 1.5 and SDXL
UNets (``make_tiny_controlnet``).

LoRAs for them, a tiny ``AutoencoderTiny`` (TAESD) and putting files into the Hugging Face cache
are in ``make_tiny_assets``.
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


def build_tokenizer(pad_token: str = "<|endoftext|>"):
    """A byte-level CLIP tokenizer: every byte, every byte ending a word, and a few merges.

    SDXL's second tokenizer pads with "!" instead of the end marker, as the real one does."""
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
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77, pad_token=pad_token)


def build_t5_tokenizer():
    """A SentencePiece-style (Unigram) T5 tokenizer: pad, end and unknown markers, every letter,
    digit and common punctuation with and without the word-start mark, and a few words."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import T5TokenizerFast

    pieces = ["<pad>", "</s>", "<unk>", "▁"]
    characters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?'\"-#()/&+"
    pieces += [f"▁{c}" for c in characters] + list(characters)
    pieces += ["▁logo", "▁fox", "▁flat", "▁vector", "▁minimal", "▁icon", "▁white", "▁background", "▁a", "▁the"]
    vocab = [(piece, 0.0 if index < 3 else -float(index % 50) - 1.0) for index, piece in enumerate(pieces)]
    model = Tokenizer(models.Unigram(vocab, unk_id=2, byte_fallback=False))
    model.normalizer = normalizers.Sequence([normalizers.Replace("  ", " ")])
    model.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    model.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    return T5TokenizerFast(
        tokenizer_object=model,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        extra_ids=0,
        model_max_length=512,
    )


def _clip_text_config(vocab_size: int, hidden_size: int = 32, layers: int = 5, projection_dim: int | None = None):
    from transformers import CLIPTextConfig

    extra = {"projection_dim": projection_dim} if projection_dim else {}
    return CLIPTextConfig(
        bos_token_id=vocab_size - 2,
        eos_token_id=vocab_size - 1,
        hidden_size=hidden_size,
        intermediate_size=37,
        layer_norm_eps=1e-05,
        num_attention_heads=4,
        num_hidden_layers=layers,
        pad_token_id=vocab_size - 1,
        vocab_size=vocab_size,
        max_position_embeddings=77,
        **extra,
    )


def _tiny_vae(latent_channels: int = 4, **config):
    import torch
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=latent_channels,
        norm_num_groups=32,
        **config,
    )


def build_components(in_channels: int, vocab_size: int) -> dict:
    """Tiny UNet/VAE/CLIP components; ``in_channels`` is 4 for text-to-image, 9 for inpainting."""
    import torch
    from diffusers import DPMSolverMultistepScheduler, UNet2DConditionModel
    from transformers import CLIPTextModel

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
    vae = _tiny_vae()
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(_clip_text_config(vocab_size))
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


def make_tiny_sdxl(folder: Path, *, inpaint: bool = False) -> Path:
    """Save a tiny SDXL pipeline (9-channel inpainting one with ``inpaint``) to ``folder``.

    Like SDXL: a CLIP text encoder and a larger one with a projection (the pooled text embedding
    and size conditioning feed the UNet's "text_time" embedding), the two hidden states side by side
    as the UNet's cross-attention input. The second encoder has 10 layers and a wider hidden size
    than the first, as in SDXL, so a single-file checkpoint of it is recognised as SDXL."""
    import torch
    from diffusers import (
        EulerDiscreteScheduler,
        StableDiffusionXLInpaintPipeline,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    tokenizer, tokenizer_2 = build_tokenizer(), build_tokenizer(pad_token="!")
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=2,
        sample_size=32,
        in_channels=9 if inpaint else 4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=6 * 8 + 32,  # six size numbers + the pooled text embedding
        cross_attention_dim=32 + 64,  # both encoders' hidden states, concatenated
        norm_num_groups=32,
    )
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(_clip_text_config(len(tokenizer), hidden_size=32))
    torch.manual_seed(0)
    text_encoder_2 = CLIPTextModelWithProjection(
        _clip_text_config(len(tokenizer_2), hidden_size=64, layers=10, projection_dim=32)
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1, timestep_spacing="leading"
    )
    pipeline_class = StableDiffusionXLInpaintPipeline if inpaint else StableDiffusionXLPipeline
    pipe = pipeline_class(
        vae=_tiny_vae(),
        text_encoder=text_encoder,
        text_encoder_2=text_encoder_2,
        tokenizer=tokenizer,
        tokenizer_2=tokenizer_2,
        unet=unet,
        scheduler=scheduler,
    )
    pipe.save_pretrained(Path(folder), safe_serialization=True)
    return folder


def make_tiny_flux(folder: Path, *, fill: bool = False, guidance_embeds: bool = True) -> Path:
    """Save a tiny FLUX.1 pipeline to ``folder``: dev-like (guidance embedded) by default,
    schnell-like with ``guidance_embeds=False``, or a Fill (inpainting) model with ``fill``.

    The VAE has 16 latent channels like FLUX's, packed 2×2 into 64 transformer channels; a Fill
    transformer also reads the packed masked image (64) and the packed mask (one channel per pixel
    of a latent cell: 2×2 for this two-level VAE, ×4 when packed)."""
    import torch
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxFillPipeline, FluxPipeline, FluxTransformer2DModel
    from transformers import CLIPTextModel, T5Config, T5EncoderModel

    tokenizer, tokenizer_2 = build_tokenizer(), build_t5_tokenizer()
    latent_channels, vae_scale = 16, 2
    packed = latent_channels * 4
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=packed * 2 + vae_scale * vae_scale * 4 if fill else packed,
        out_channels=packed,
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=32,
        pooled_projection_dim=32,
        guidance_embeds=guidance_embeds,
        axes_dims_rope=[4, 4, 8],
    )
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(_clip_text_config(len(tokenizer)))
    torch.manual_seed(0)
    text_encoder_2 = T5EncoderModel(
        T5Config(
            vocab_size=len(tokenizer_2),
            d_model=32,
            d_ff=37,
            d_kv=8,
            num_layers=2,
            num_heads=4,
            relative_attention_num_buckets=8,
            pad_token_id=0,
            eos_token_id=1,
            decoder_start_token_id=0,
        )
    )
    vae = _tiny_vae(
        latent_channels, use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.1159, scaling_factor=0.3611
    )
    dynamic = guidance_embeds  # FLUX.1-dev shifts its schedule with the image size; schnell does not
    scheduler = FlowMatchEulerDiscreteScheduler(
        base_image_seq_len=256,
        base_shift=0.5,
        max_image_seq_len=4096,
        max_shift=1.15,
        shift=3.0 if dynamic else 1.0,
        use_dynamic_shifting=dynamic,
    )
    pipeline_class = FluxFillPipeline if fill else FluxPipeline
    pipe = pipeline_class(
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        text_encoder_2=text_encoder_2,
        tokenizer_2=tokenizer_2,
        transformer=transformer,
    )
    pipe.save_pretrained(Path(folder), safe_serialization=True)
    return folder


def make_tiny_controlnet(model: Path, folder: Path) -> Path:
    """Save a ControlNet for the tiny model in ``model`` (SD 1.5 or SDXL) to ``folder``; returns it.

    ``ControlNetModel.from_unet`` of the model's UNet (its weights copied, as ControlNet training
    starts), with a conditioning embedding of as many levels as the model's VAE has, so the guide is
    downscaled like the latents (one stride-2 step fewer than levels). The "zero convolutions" that
    feed the UNet start at zero in a real ControlNet; here they are small random numbers, so that a
    guide changes the image as a trained ControlNet's does."""
    import json

    import torch
    from diffusers import ControlNetModel, UNet2DConditionModel

    model = Path(model)
    vae_levels = len(json.loads((model / "vae" / "config.json").read_text())["block_out_channels"])
    unet = UNet2DConditionModel.from_pretrained(str(model / "unet"))
    controlnet = ControlNetModel.from_unet(
        unet, conditioning_embedding_out_channels=tuple(16 * 2**level for level in range(vae_levels))
    )
    torch.manual_seed(0)
    zero_convolutions = [controlnet.controlnet_cond_embedding.conv_out, controlnet.controlnet_mid_block]
    zero_convolutions += list(controlnet.controlnet_down_blocks)
    with torch.no_grad():
        for convolution in zero_convolutions:
            convolution.weight.normal_(0.0, 0.1)
            convolution.bias.normal_(0.0, 0.01)
    controlnet.save_pretrained(Path(folder), safe_serialization=True)
    return folder


def make_tiny_models(outdir: Path) -> tuple[Path, Path]:
    """Write ``outdir/txt2img`` and ``outdir/inpaint`` (SD 1.5 class); returns both folders."""
    outdir = Path(outdir)
    return make_tiny_model(outdir / "txt2img"), make_tiny_model(outdir / "inpaint", inpaint=True)


def make_tiny_family_models(outdir: Path) -> tuple[Path, Path]:
    """Write ``outdir/sdxl`` and ``outdir/flux``; returns both folders."""
    outdir = Path(outdir)
    return make_tiny_sdxl(outdir / "sdxl"), make_tiny_flux(outdir / "flux")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/make_tiny_model.py OUTDIR")
    out = Path(sys.argv[1])
    txt2img, inpaint = make_tiny_models(out)
    sdxl, flux = make_tiny_family_models(out)
    controlnets = make_tiny_controlnet(txt2img, out / "controlnet"), make_tiny_controlnet(sdxl, out / "controlnet-sdxl")
    for path in (txt2img, inpaint, sdxl, flux, *controlnets):
        print(path)
