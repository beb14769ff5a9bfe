"""LoRA files without the engine: the family a file fits, its Civitai hash, a LoRA folder, A1111's
<lora:name:weight> prompt syntax, the request field, the PNG metadata round trip and the CLI."""

import hashlib
import json

import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from desktop.app import main
from desktop.errors import InvalidParameters
from desktop.metadata import parse_a1111_text, png_info, read_params, to_a1111_text
from desktop.models.loras import (
    apply_prompt_loras,
    autov3,
    detect_family,
    inspect_lora,
    list_loras,
    split_prompt,
)
from desktop.params import GenerationParams, LoraRef

pytest_plugins = ["family_models"]


@pytest.fixture(scope="module")
def lora_folder(tiny_model, tmp_path_factory):
    import make_tiny_assets as tiny

    folder = tmp_path_factory.mktemp("lora-folder")
    tiny.make_tiny_lora(tiny_model, folder / "logo-style.safetensors")
    tiny.make_tiny_lora(tiny_model, folder / "styles" / "Flat Icons.safetensors", kind="kohya", seed=2)
    (folder / "old-style.pt").write_bytes(b"pickle")
    return folder


@pytest.mark.parametrize(
    ("keys", "family"),
    [
        ({"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight": (4, 768)}, "sd15"),
        ({"lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight": (4, 2048)}, "sdxl"),
        ({"unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight": (8, 2048)}, "sdxl"),
        ({"lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight": (4, 1280)}, "sdxl"),
        ({"transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight": (4, 3072)}, "flux"),
        ({"lora_unet_double_blocks_0_img_attn_proj.lora_down.weight": (4, 3072)}, "flux"),
        ({"lora_unet_input_blocks_4_1_transformer_blocks_1_attn1_to_q.lora_down.weight": (4, 640)}, "sdxl"),
        ({"unet.up_blocks.1.attentions.0.proj_in.lora_A.weight": (4, 1280)}, "sd15"),
        ({"lora_unet_mid_block_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight": (4, 1024)}, "sd2"),
        ({"some.other.weight": (4, 4)}, ""),
    ],
)
def test_the_family_a_lora_fits_is_read_from_its_names_and_shapes(keys, family):
    assert detect_family(keys) == family


def test_tiny_loras_of_each_family_and_format_are_recognised(tiny_model, tiny_sdxl, tmp_path):
    import make_tiny_assets as tiny

    for model, family in ((tiny_model, "sd15"), (tiny_sdxl, "sdxl")):
        for kind in ("diffusers", "kohya"):
            info = inspect_lora(str(tiny.make_tiny_lora(model, tmp_path / f"{family}-{kind}.safetensors", kind=kind)))
            assert (info.family, info.format, info.problem) == (family, kind, ""), (family, kind)


def test_the_hash_is_civitais_autov3_and_ignores_the_header(tmp_path):
    tensors = {"lora_unet_x.lora_down.weight": torch.arange(12, dtype=torch.float32).reshape(3, 4)}
    first, second = tmp_path / "a.safetensors", tmp_path / "renamed.safetensors"
    save_file(tensors, str(first))
    save_file(tensors, str(second), metadata={"ss_output_name": "something else"})
    raw = first.read_bytes()
    payload = raw[8 + int.from_bytes(raw[:8], "little") :]
    assert autov3(first) == hashlib.sha256(payload).hexdigest()[:12]
    assert autov3(second) == autov3(first)  # metadata is in the header: the same LoRA, the same hash


def test_a_lora_folder_lists_every_lora_with_its_family_and_refuses_pickles(lora_folder):
    listed = {info.name: info for info in list_loras(lora_folder)}
    assert sorted(listed) == ["Flat Icons", "logo-style", "old-style"]
    assert listed["logo-style"].family_label == "Stable Diffusion 1.5"
    assert listed["Flat Icons"].format == "kohya" and listed["Flat Icons"].hash == ""  # listing reads no data
    assert len(inspect_lora(listed["Flat Icons"].ref).hash) == 12
    assert "can run arbitrary code" in listed["old-style"].problem
    few_step = inspect_lora("latent-consistency/lcm-lora-sdv1-5")
    assert few_step.few_step.kind == "LCM" and "not downloaded yet" in few_step.problem


def test_prompt_tags_become_loras_and_leave_the_prompt(lora_folder):
    assert split_prompt("fox logo <lora:logo-style:0.8>, flat <LORA:Flat Icons>") == (
        "fox logo, flat",
        [("logo-style", 0.8), ("Flat Icons", 1.0)],
    )
    assert split_prompt("<lora:a:0.5:0.7> fox") == ("fox", [("a", 0.5)])  # A1111's te:unet form: the first weight
    prompt = "fox logo <lora:logo-style:0.8>, flat <lora:flat icons:-0.5>"
    params = apply_prompt_loras(GenerationParams(prompt), lora_folder)
    assert params.prompt == "fox logo, flat"
    assert params.loras == (
        LoraRef(str((lora_folder / "logo-style.safetensors").resolve()), 0.8),
        LoraRef(str((lora_folder / "styles" / "Flat Icons.safetensors").resolve()), -0.5),
    )
    with pytest.raises(InvalidParameters, match="There is no LoRA called nothing-here in"):
        apply_prompt_loras(GenerationParams("fox <lora:nothing-here:1>"), lora_folder)
    with pytest.raises(InvalidParameters, match="must be a number"):
        split_prompt("fox <lora:logo-style:strong>")


def test_lora_refs_are_checked_and_round_trip_through_dicts():
    loras = (LoraRef("/x/a.safetensors", 0.5, "0123456789ab"), LoraRef("o/n", fast=True))
    params = GenerationParams("fox", loras=loras)
    assert GenerationParams.from_dict(json.loads(json.dumps(params.to_dict()))) == params
    assert params.user_loras == (params.loras[0],)
    assert LoraRef("latent-consistency/lcm-lora-sdv1-5/pytorch_lora_weights.safetensors").name == "lcm-lora-sdv1-5"
    for bad, text in ((dict(weight=9.0), "between -4 and 4"), (dict(hash="xyz"), "12 hex digits")):
        with pytest.raises(InvalidParameters, match=text):
            LoraRef("/x/a.safetensors", **bad)
    with pytest.raises(InvalidParameters, match="at most 8 LoRAs"):
        GenerationParams("fox", loras=tuple(LoraRef(f"/x/{i}.safetensors") for i in range(9)))
    with pytest.raises(InvalidParameters) as caught:
        GenerationParams.from_dict({"prompt": "fox", "loras": [{"weight": 1}]})
    assert caught.value.field == "loras"


def test_loras_are_written_as_a1111_writes_them_and_our_json_restores_the_files(tmp_path):
    params = GenerationParams(
        "fox logo",
        seed=3,
        colors=("#ff6600",),
        loras=(LoraRef("/loras/logo-style.safetensors", 0.8, "0123456789ab"), LoraRef("someone/flat-icons", 1.0)),
    )
    text = to_a1111_text(params)
    assert text.splitlines()[0] == "fox logo, orange colors <lora:logo-style:0.8> <lora:flat-icons:1>"
    assert 'Lora hashes: "logo-style: 0123456789ab"' in text
    path = tmp_path / "logo.png"
    Image.new("RGB", (8, 8)).save(path, pnginfo=png_info(params))
    with Image.open(path) as image:
        assert read_params(image) == params  # exact files and hub ids, weights and hashes
    from_text = parse_a1111_text(text)  # another tool's view: the tags stay in the prompt for the LoRA folder
    assert from_text.prompt == "fox logo <lora:logo-style:0.8> <lora:flat-icons:1>"
    assert from_text.colors == ("#ff6600",) and from_text.loras == ()


def test_the_command_line_takes_loras_as_options_and_in_the_prompt(tiny_model, lora_folder, capsys):
    style = lora_folder / "logo-style.safetensors"
    args = ["generate", "--prompt", "fox <lora:Flat Icons:0.5>", "--model", str(tiny_model), "--device", "cpu"]
    args += ["--width", "64", "--height", "64", "--steps", "2", "--seed", "4", "--lora", f"{style}:0.7"]
    assert main(args) == 0
    out, _ = capsys.readouterr()
    with Image.open(out.split()[0]) as image:
        params, text = read_params(image), image.text["parameters"]
    assert params.prompt == "fox"
    assert [(lora.name, lora.weight, lora.hash) for lora in params.loras] == [
        ("logo-style", 0.7, autov3(style)),
        ("Flat Icons", 0.5, autov3(lora_folder / "styles" / "Flat Icons.safetensors")),
    ]
    assert "<lora:logo-style:0.7> <lora:Flat Icons:0.5>" in text and "Lora hashes:" in text


@pytest.mark.parametrize(
    ("lora", "code", "text"),
    [
        ("old-style.pt", 2, "can run arbitrary code"),
        ("missing.safetensors", 2, "No LoRA found at"),
        ("logo-style.safetensors:9", 2, "between -4 and 4"),
        ("someone/not-downloaded-lora", 2, "there is nobody to ask: add --yes"),
    ],
)
def test_the_command_line_refuses_bad_loras_before_loading_the_model(tiny_model, lora_folder, capsys, lora, code, text):
    ref = lora if "/" in lora else str(lora_folder / lora)
    args = ["generate", "--prompt", "fox", "--model", str(tiny_model), "--device", "cpu", "--lora", ref]
    assert main(args) == code
    assert text in capsys.readouterr().err


def test_the_command_line_names_a_lora_of_another_family(tiny_model, tiny_sdxl, tmp_path, capsys):
    import make_tiny_assets as tiny

    lora = tiny.make_tiny_lora(tiny_sdxl, tmp_path / "xl.safetensors")
    args = ["generate", "--prompt", "fox", "--model", str(tiny_model), "--device", "cpu", "--lora", str(lora)]
    assert main([*args, "--width", "64", "--height", "64", "--steps", "1"]) == 1
    assert "xl is a SDXL LoRA, and the model is Stable Diffusion 1.5" in capsys.readouterr().err
