import contextlib
import dataclasses
import io
import random

import pytest
from PIL import Image, PngImagePlugin

from desktop.errors import MetadataError
from desktop.metadata import parse_a1111_text, png_info, read_params, to_a1111_text
from desktop.params import GenerationParams

A1111_NEW = """masterpiece, fox logo, (flat vector:1.2), orange and navy
Negative prompt: text, watermark, 3d
Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3141592653, Size: 512x768, \
Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, VAE hash: 735e4c3a44, Clip skip: 2, \
Lora hashes: "fox: a1b2c3, other: d4e5f6", Version: v1.10.1"""

A1111_OLD_INPAINT = """a shield emblem
Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 12, Size: 512x512, Model: sd-v1-5-inpainting, \
Denoising strength: 0.75, Mask blur: 4, Inpaint area: Only masked, Masked area padding: 48"""


def saved_png(params: GenerationParams) -> Image.Image:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG", pnginfo=png_info(params))
    buffer.seek(0)
    return Image.open(buffer)


def test_png_round_trip_restores_every_field_exactly():
    params = GenerationParams(
        "fox logo, minimalist\nsecond line",
        negative_prompt="text, 3D",
        mode="inpaint",
        colors=("#ff6600", "#001f3f"),
        background="#ffffff",
        model="/models/my model.safetensors",
        scheduler="DPM++ 2M Karras",
        steps=30,
        guidance=6.5,
        width=512,
        height=768,
        seed=99,
        strength=0.55,
        mask_blur=8,
        inpaint_only_masked=True,
        inpaint_padding=40,
    )
    assert read_params(saved_png(params)) == params


def test_our_a1111_text_is_readable_by_an_a1111_parser_and_keeps_the_main_fields():
    params = GenerationParams(
        "fox, logo", negative_prompt="text", seed=5, steps=12, guidance=7.0, scheduler="Euler a", colors=("#ff6600",)
    )
    text = to_a1111_text(params)
    assert text.splitlines()[0] == "fox, logo, orange colors"
    assert text.splitlines()[1] == "Negative prompt: text"
    assert "Steps: 12, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512" in text
    assert parse_a1111_text(text) == params


def test_a1111_png_without_our_chunk_yields_usable_parameters():
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", A1111_NEW)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG", pnginfo=info)
    buffer.seek(0)
    params = read_params(Image.open(buffer))
    assert params.prompt == "masterpiece, fox logo, (flat vector:1.2), orange and navy"
    assert params.negative_prompt == "text, watermark, 3d"
    assert (params.steps, params.guidance, params.seed) == (28, 6.5, 3141592653)
    assert (params.width, params.height) == (512, 768)
    assert params.scheduler == "DPM++ 2M Karras"
    assert params.model == ""  # an A1111 model name is not a loadable model here
    assert params.mode == "txt2img"


def test_a1111_inpaint_settings_are_read():
    params = parse_a1111_text(A1111_OLD_INPAINT)
    assert params.mode == "inpaint"
    assert params.scheduler == "Euler a"
    assert (params.strength, params.mask_blur, params.inpaint_only_masked, params.inpaint_padding) == (
        0.75,
        4,
        True,
        48,
    )


def test_prompt_only_text_is_usable():
    params = parse_a1111_text("just a prompt")
    assert params.prompt == "just a prompt" and params.steps == 25


def test_unknown_sampler_falls_back_to_default():
    params = parse_a1111_text("fox\nSteps: 20, Sampler: Restart, CFG scale: 7, Seed: 1, Size: 512x512")
    assert params.scheduler == "DPM++ 2M Karras"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "fox\nSteps: 9999999, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512",
        "fox\nSteps: 20, Sampler: Euler, CFG scale: nan, Seed: 1, Size: 512x512",
        "fox\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: -5, Size: 512x512",
        "fox\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 99999999999x1",
        "fox\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1" + "9" * 5000 + ", Size: 512x512",
        "x" * 70000,
    ],
)
def test_hostile_a1111_text_is_rejected_cleanly(text):
    with pytest.raises(MetadataError):
        parse_a1111_text(text)


@pytest.mark.parametrize(
    "chunk", ["{", "[]", '{"params": null}', '{"params": {"prompt": "x", "steps": "many"}}', "[" * 100000]
)
def test_hostile_json_chunk_is_rejected_cleanly(chunk):
    info = PngImagePlugin.PngInfo()
    info.add_text("logo_studio", chunk)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG", pnginfo=info)
    buffer.seek(0)
    with pytest.raises(MetadataError):
        read_params(Image.open(buffer))


def test_random_garbage_never_raises_anything_but_metadata_error():
    generator = random.Random(0)
    alphabet = 'abc:,"\\\n 0123456789xSteps:Sampler:Seed:Size:CFG scale:Negative prompt:'
    for _ in range(2000):
        text = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 200)))
        with contextlib.suppress(MetadataError):
            parse_a1111_text(text)


def test_image_without_parameters_says_so():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    buffer.seek(0)
    with pytest.raises(MetadataError, match="no generation parameters"):
        read_params(Image.open(buffer))


def test_img2img_round_trips_and_a1111_hires_fix_stays_text_to_image():
    variation = GenerationParams("fox", seed=3).variation(0.45).with_resolved_seed()
    assert parse_a1111_text(to_a1111_text(variation)) == variation
    hires = parse_a1111_text(
        "fox\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.7, "
        "Hires upscale: 2, Hires upscaler: Latent"
    )
    assert hires.mode == "txt2img"
    img2img = parse_a1111_text(
        "fox\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.7"
    )
    assert (img2img.mode, img2img.strength) == ("img2img", 0.7)


def test_the_family_is_kept_in_our_json_and_pngs_from_before_families_still_read():
    import json

    from desktop.metadata import JSON_KEY, parse_json_text, to_json_text

    params = GenerationParams("fox", model="black-forest-labs/FLUX.1-schnell", family="flux", scheduler="Flow Euler")
    data = json.loads(to_json_text(params))["params"]
    assert (data["family"], data["model"]) == ("flux", "black-forest-labs/FLUX.1-schnell")
    assert read_params(saved_png(params)) == params
    del data["family"]  # written by Logo Studio before it knew families
    old = parse_json_text(json.dumps({"version": 1, "params": data}))
    assert old.family == "" and old == dataclasses.replace(params, family="")
    text = to_a1111_text(params)  # other tools read the A1111 text; the family is ours only
    assert "family" not in text.lower() and "Sampler: Flow Euler," in text and JSON_KEY not in text


def test_a_flow_sampler_with_a_schedule_type_round_trips_through_a1111_text():
    params = GenerationParams("fox", scheduler="Flow Euler Karras", seed=1)
    text = to_a1111_text(params)
    assert "Sampler: Flow Euler, Schedule type: Karras" in text
    assert parse_a1111_text(text).scheduler == "Flow Euler Karras"
