"""Writes a small random ControlNet for the test checkpoint of ../shared/comfyui/make_test_checkpoint.py
(the same 2-level SD 1.5-layout UNet, seed 0), in the SD layout ComfyUI's ControlNetLoader reads
("control_model." keys). Its zero convolutions are random rather than zero, so a guide visibly
changes the image. Run it with the ComfyUI venv's python (it uses ComfyUI's own key maps):
    VENV/bin/python make_test_controlnet.py OUT.safetensors"""

import sys

import torch
from comfy import utils
from diffusers import ControlNetModel, UNet2DConditionModel
from safetensors.torch import save_file

out_path = sys.argv[1]
torch.manual_seed(0)
unet = UNet2DConditionModel(
    sample_size=64,
    cross_attention_dim=768,
    block_out_channels=(320, 640),
    layers_per_block=1,
    down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
    attention_head_dim=8,
)
cfg = {
    "num_res_blocks": [1, 1],
    "channel_mult": [1, 2],
    "transformer_depth": [1, 0],
    "transformer_depth_output": [1, 1, 0, 0],
    "transformer_depth_middle": 1,
}
controlnet = ControlNetModel.from_unet(unet)
with torch.no_grad():
    for block in [*controlnet.controlnet_down_blocks, controlnet.controlnet_mid_block]:
        block.weight.normal_(0, 0.05)
    controlnet.controlnet_cond_embedding.conv_out.weight.normal_(0, 0.05)
state = controlnet.state_dict()
keys = {d: ldm for d, ldm in utils.unet_to_diffusers(cfg).items() if d in state}
keys["controlnet_mid_block.weight"], keys["controlnet_mid_block.bias"] = (
    "middle_block_out.0.weight",
    "middle_block_out.0.bias",
)
for i in range(len(controlnet.controlnet_down_blocks)):
    for s in (".weight", ".bias"):
        keys[f"controlnet_down_blocks.{i}{s}"] = f"zero_convs.{i}.0{s}"
embedding = ["conv_in", *[f"blocks.{i}" for i in range(len(controlnet.controlnet_cond_embedding.blocks))], "conv_out"]
for i, name in enumerate(embedding):
    for s in (".weight", ".bias"):
        keys[f"controlnet_cond_embedding.{name}{s}"] = f"input_hint_block.{i * 2}{s}"
missing = [key for key in state if key not in keys]
assert not missing, f"unmapped ControlNet keys: {missing[:5]}"
save_file({f"control_model.{ldm}": state[d].to(torch.float16).contiguous() for d, ldm in keys.items()}, out_path)
print(f"{len(keys)} tensors written to {out_path}")
