"""Test helper: write an SDXL diffusers folder as one A1111/Civitai-style ``.safetensors`` checkpoint.

The key names are the original (LDM / "generative-models") ones that A1111, ComfyUI and Civitai
files use: ``model.diffusion_model.*`` for the UNet, ``first_stage_model.*`` for the VAE,
``conditioner.embedders.0.transformer.*`` for CLIP ViT-L and ``conditioner.embedders.1.model.*``
(OpenCLIP layout, fused q/k/v) for the second encoder. It is the inverse of diffusers' own
conversion (``diffusers.loaders.single_file_utils``: ``convert_ldm_unet_checkpoint``,
``convert_ldm_vae_checkpoint``, ``convert_open_clip_checkpoint``), which the tests use to check it.
Not part of the app.
"""

from __future__ import annotations

import json
from pathlib import Path

_RESNET = (
    ("norm1", "in_layers.0"),
    ("conv1", "in_layers.2"),
    ("norm2", "out_layers.0"),
    ("conv2", "out_layers.3"),
    ("time_emb_proj", "emb_layers.1"),
    ("conv_shortcut", "skip_connection"),
)
_UNET_TOP = {
    "time_embedding.linear_1": "time_embed.0",
    "time_embedding.linear_2": "time_embed.2",
    "add_embedding.linear_1": "label_emb.0.0",
    "add_embedding.linear_2": "label_emb.0.2",
    "conv_in": "input_blocks.0.0",
    "conv_norm_out": "out.0",
    "conv_out": "out.2",
}
_VAE_ATTENTION = (
    ("group_norm", "norm"),
    ("to_q", "q"),
    ("to_k", "k"),
    ("to_v", "v"),
    ("to_out.0", "proj_out"),
)


def _resnet(rest: str) -> str:
    for new, old in _RESNET:
        if rest.startswith(new + "."):
            return old + rest[len(new) :]
    return rest


def unet_to_ldm(state: dict, config: dict) -> dict:
    """A diffusers SDXL UNet state dict with LDM names (``model.diffusion_model.`` prefix)."""
    layers = config["layers_per_block"]
    attention_blocks = {
        (int(key.split(".")[1]), int(key.split(".")[3]))
        for key in state
        if key.startswith("up_blocks.") and ".attentions." in key
    }
    out = {}
    for key, value in state.items():
        parts = key.split(".")
        top = ".".join(parts[:2])
        if parts[0] in _UNET_TOP:
            name = _UNET_TOP[parts[0]] + "." + ".".join(parts[1:])
        elif top in _UNET_TOP:
            name = _UNET_TOP[top] + "." + ".".join(parts[2:])
        elif parts[0] == "down_blocks":
            block, kind = int(parts[1]), parts[2]
            rest = ".".join(parts[4:])
            if kind == "downsamplers":
                name = f"input_blocks.{(block + 1) * (layers + 1)}.0.op.{parts[-1]}"
            else:
                index = 1 + block * (layers + 1) + int(parts[3])
                name = (
                    f"input_blocks.{index}.0.{_resnet(rest)}" if kind == "resnets" else f"input_blocks.{index}.1.{rest}"
                )
        elif parts[0] == "mid_block":
            rest = ".".join(parts[3:])
            if parts[1] == "attentions":
                name = f"middle_block.1.{rest}"
            else:
                name = f"middle_block.{2 * int(parts[2])}.{_resnet(rest)}"
        elif parts[0] == "up_blocks":
            block, kind = int(parts[1]), parts[2]
            rest = ".".join(parts[4:])
            if kind == "upsamplers":
                slot = 2 if (block, layers) in attention_blocks else 1
                name = f"output_blocks.{block * (layers + 1) + layers}.{slot}.conv.{parts[-1]}"
            else:
                index = block * (layers + 1) + int(parts[3])
                name = (
                    f"output_blocks.{index}.0.{_resnet(rest)}"
                    if kind == "resnets"
                    else f"output_blocks.{index}.1.{rest}"
                )
        else:
            raise KeyError(f"no LDM name for UNet key {key}")
        out["model.diffusion_model." + name] = value
    return out


def vae_to_ldm(state: dict, config: dict) -> dict:
    """A diffusers VAE state dict with LDM names (``first_stage_model.`` prefix)."""
    blocks = len(config["up_block_types"])
    out = {}
    for key, value in state.items():
        name = key.replace("conv_norm_out", "norm_out")
        for side in ("encoder", "decoder"):
            name = name.replace(f"{side}.mid_block.resnets.0.", f"{side}.mid.block_1.")
            name = name.replace(f"{side}.mid_block.resnets.1.", f"{side}.mid.block_2.")
        if ".mid_block.attentions.0." in name:
            name = name.replace(".mid_block.attentions.0.", ".mid.attn_1.")
            for new, old in _VAE_ATTENTION:
                name = name.replace(f".attn_1.{new}.", f".attn_1.{old}.")
            if value.ndim == 2:
                value = value[:, :, None, None]  # LDM's attention projections are 1×1 convolutions
        parts = name.split(".")
        if parts[:2] == ["encoder", "down_blocks"]:
            rest = ".".join(parts[3:])
            rest = rest.replace("downsamplers.0.", "downsample.").replace("resnets.", "block.")
            name = f"encoder.down.{parts[2]}.{rest}"
        elif parts[:2] == ["decoder", "up_blocks"]:
            rest = ".".join(parts[3:])
            rest = rest.replace("upsamplers.0.", "upsample.").replace("resnets.", "block.")
            name = f"decoder.up.{blocks - 1 - int(parts[2])}.{rest}"
        name = name.replace("conv_shortcut", "nin_shortcut")
        out["first_stage_model." + name] = value
    return out


def clip_to_ldm(state: dict) -> dict:
    """The first text encoder (CLIP ViT-L, transformers layout) under SDXL's LDM prefix."""
    prefix = "conditioner.embedders.0.transformer."
    return {
        prefix + (key if key.startswith("text_model.") else "text_model." + key): value
        for key, value in state.items()
        if not key.endswith("position_ids")
    }


def open_clip_to_ldm(state: dict) -> dict:
    """The second text encoder (CLIPTextModelWithProjection) in OpenCLIP's layout: fused q/k/v
    ``in_proj`` weights, ``resblocks``, and a transposed ``text_projection``."""
    prefix = "conditioner.embedders.1.model."
    out = {}
    renames = (
        ("text_model.embeddings.position_embedding.weight", "positional_embedding"),
        ("text_model.embeddings.token_embedding.weight", "token_embedding.weight"),
        ("text_model.final_layer_norm.", "ln_final."),
    )
    fused: dict[str, dict[str, object]] = {}
    for key, value in state.items():
        if key.endswith("position_ids"):
            continue
        if key == "text_projection.weight":
            out[prefix + "text_projection"] = value.T.contiguous()
            continue
        name = key
        for old, new in renames:
            name = name.replace(old, new)
        if name.startswith("text_model.encoder.layers."):
            name = "transformer." + name.replace("text_model.encoder.layers.", "resblocks.")
            name = name.replace("layer_norm1", "ln_1").replace("layer_norm2", "ln_2")
            name = name.replace(".mlp.fc1.", ".mlp.c_fc.").replace(".mlp.fc2.", ".mlp.c_proj.")
            name = name.replace(".self_attn.out_proj.", ".attn.out_proj.")
            for projection in ("q", "k", "v"):
                marker = f".self_attn.{projection}_proj."
                if marker in name:
                    stem, kind = name.split(marker)
                    fused.setdefault(f"{stem}.attn.in_proj_{kind}", {})[projection] = value
                    break
            else:
                out[prefix + name] = value
            continue
        out[prefix + name] = value
    import torch

    for name, parts in fused.items():
        out[prefix + name] = torch.cat([parts["q"], parts["k"], parts["v"]], dim=0)
    return out


def write_sdxl_checkpoint(folder: Path, checkpoint: Path) -> Path:
    """Write the SDXL diffusers ``folder`` as the single-file checkpoint ``checkpoint``."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    folder = Path(folder)
    unet = UNet2DConditionModel.from_pretrained(folder / "unet")
    vae = AutoencoderKL.from_pretrained(folder / "vae")
    text_encoder = CLIPTextModel.from_pretrained(folder / "text_encoder")
    text_encoder_2 = CLIPTextModelWithProjection.from_pretrained(folder / "text_encoder_2")
    tensors = {
        **unet_to_ldm(unet.state_dict(), json.loads((folder / "unet" / "config.json").read_text())),
        **vae_to_ldm(vae.state_dict(), json.loads((folder / "vae" / "config.json").read_text())),
        **clip_to_ldm(text_encoder.state_dict()),
        **open_clip_to_ldm(text_encoder_2.state_dict()),
    }
    save_file({name: tensor.contiguous() for name, tensor in tensors.items()}, str(checkpoint))
    return Path(checkpoint)
