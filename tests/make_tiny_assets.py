"""Tiny LoRAs and a tiny autoencoder (TAESD) for the tiny models of ``make_tiny_model``, fully offline,
and ``install_in_hf_cache``, which puts such files into the Hugging Face cache under a repo id as a
download would.

``make_tiny_lora`` writes random low-rank weights over the attention layers (or, with
``LCM_LORA_TARGETS``, the layers LCM-LoRA adapts) in the diffusers/PEFT format or kohya's, the
format of most Civitai files; ``make_tiny_taesd`` saves a random ``AutoencoderTiny``.
"""

from __future__ import annotations

from pathlib import Path

UNET_ATTENTION = ("to_q", "to_k", "to_v", "to_out.0")
TEXT_ATTENTION = ("q_proj", "k_proj", "v_proj", "out_proj")
# What LCM-LoRA (latent-consistency/lcm-lora-sdv1-5) adapts in the UNet, at rank 64.
LCM_LORA_TARGETS = (
    *UNET_ATTENTION,
    "proj_in",
    "proj_out",
    "ff.net.0.proj",
    "ff.net.2",
    "conv1",
    "conv2",
    "conv_shortcut",
    "downsamplers.0.conv",
    "upsamplers.0.conv",
    "time_emb_proj",
)


def random_lora(model, prefix: str, targets, rank: int = 4, scale: float = 0.05, seed: int = 0) -> dict:
    """A random LoRA (diffusers/PEFT names: ``prefix.module.lora_A.weight`` / ``lora_B``) for every
    Linear or Conv2d of ``model`` whose name ends with one of ``targets``."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    state = {}
    for name, module in model.named_modules():
        if not any(name == t or name.endswith("." + t) for t in targets):
            continue
        if isinstance(module, torch.nn.Linear):
            down, up = (rank, module.in_features), (module.out_features, rank)
        elif isinstance(module, torch.nn.Conv2d):
            down, up = (rank, module.in_channels, *module.kernel_size), (module.out_channels, rank, 1, 1)
        else:
            continue
        state[f"{prefix}.{name}.lora_A.weight"] = torch.randn(down, generator=generator) * scale
        state[f"{prefix}.{name}.lora_B.weight"] = torch.randn(up, generator=generator) * scale
    return state


def to_kohya(state: dict, rank: int) -> dict:
    """The same LoRA in kohya's format (lora_unet_/lora_te_ names, lora_down/lora_up, alpha)."""
    import torch

    prefixes = {"unet": "lora_unet", "text_encoder": "lora_te", "text_encoder_2": "lora_te2"}
    if any(key.startswith("text_encoder_2.") for key in state):
        prefixes["text_encoder"] = "lora_te1"
    kohya = {}
    for key, tensor in state.items():
        component, rest = key.split(".", 1)
        module, kind = rest.rsplit(".lora_", 1)
        name = f"{prefixes[component]}_{module.replace('.', '_')}"
        kohya[f"{name}.{'lora_down' if kind.startswith('A') else 'lora_up'}.weight"] = tensor
        kohya[f"{name}.alpha"] = torch.tensor(float(rank))
    return kohya


def make_tiny_lora(
    model_folder: Path,
    path: Path,
    *,
    kind: str = "diffusers",
    rank: int = 4,
    seed: int = 0,
    text_encoder: bool = True,
    targets=UNET_ATTENTION,
    scale: float = 0.05,
) -> Path:
    """Write a random LoRA for the tiny model in ``model_folder`` (SD 1.5 or SDXL) to ``path``
    (a .safetensors file) in ``kind`` "diffusers" (PEFT) or "kohya" format; returns ``path``."""
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    model_folder = Path(model_folder)
    unet = UNet2DConditionModel.from_pretrained(str(model_folder / "unet"))
    state = random_lora(unet, "unet", targets, rank, scale, seed)
    if text_encoder:
        for index, part in enumerate(("text_encoder", "text_encoder_2")):
            if (model_folder / part).is_dir():
                encoder_class = CLIPTextModelWithProjection if index else CLIPTextModel
                encoder = encoder_class.from_pretrained(str(model_folder / part))
                state.update(random_lora(encoder, part, TEXT_ATTENTION, rank, scale, seed + 1 + index))
    if kind == "kohya":
        state = to_kohya(state, rank)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({key: value.contiguous() for key, value in state.items()}, str(path))
    return path


def tiny_taesd(latent_channels: int = 4, levels: int = 2, seed: int = 0):
    """A random AutoencoderTiny that upsamples ``levels - 1`` times (2 for the tiny models' VAE,
    4 for TAESD's real config: ``AutoencoderTiny()``)."""
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(seed)
    if levels == 4:
        return AutoencoderTiny(latent_channels=latent_channels)
    return AutoencoderTiny(
        encoder_block_out_channels=(16,) * levels,
        decoder_block_out_channels=(16,) * levels,
        num_encoder_blocks=(1,) * levels,
        num_decoder_blocks=(1,) * levels,
        latent_channels=latent_channels,
    )


def make_tiny_taesd(folder: Path, latent_channels: int = 4, levels: int = 2) -> Path:
    """Save a random AutoencoderTiny (config.json + safetensors, as the TAESD repos hold) to ``folder``."""
    tiny_taesd(latent_channels, levels).save_pretrained(str(folder), safe_serialization=True)
    return Path(folder)


def install_in_hf_cache(repo_id: str, files: dict[str, Path], cache: Path | None = None) -> Path:
    """Copy ``files`` (name in the repo -> local file) into the Hugging Face cache as ``repo_id``'s
    snapshot, the layout a download leaves; returns the snapshot folder."""
    import shutil

    from huggingface_hub import constants

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = Path(cache or constants.HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / commit
    for name, source in files.items():
        (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, snapshot / name)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot
