"""Every guarantee the engine gives for Stable Diffusion 1.5 holds for SDXL and FLUX.1 too: outputs
pixel-identical to the diffusers pipeline called directly, seed + i per batch image, cancel within
one step without decoding, live preview, pixels outside the mask kept exactly, variations and
upscaling from shared weights, samplers that apply to the family, and the out-of-memory retry."""

import threading
from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image

from desktop.errors import GenerationCancelled, InvalidParameters
from desktop.params import GenerationParams

pytest_plugins = ["family_models"]  # tiny SDXL and FLUX.1 models, engines per family
SIZE = 64


def request(engine, **changes) -> GenerationParams:
    fields = {"prompt": "a fox logo", "width": SIZE, "height": SIZE, "steps": 3, "seed": 11}
    fields["scheduler"] = engine.family.default_sampler
    return GenerationParams(**{**fields, **changes})


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int16)


def square_mask() -> Image.Image:
    mask = Image.new("L", (SIZE, SIZE), 0)
    mask.paste(255, (16, 16, 48, 48))
    return mask


def bare_pipeline(folder, scheduler: str):
    """The family's diffusers pipeline, loaded and called as a diffusers user would."""
    import diffusers

    from desktop.schedulers import SCHEDULERS

    pipe = diffusers.AutoPipelineForText2Image.from_pretrained(str(folder), dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    class_name, overrides = SCHEDULERS[scheduler]
    pipe.scheduler = getattr(diffusers, class_name).from_config(pipe.scheduler.config, **overrides)
    return pipe


def family_arguments(name: str, negative: str = "") -> dict:
    """What differs by family in a direct call: SDXL takes a negative prompt, FLUX.1 reads 512 T5 tokens."""
    return {"negative_prompt": negative or None} if name == "sdxl" else {"max_sequence_length": 512}


@pytest.fixture(scope="module")
def base_image(family_engine):
    return next(family_engine.generate(request(family_engine, seed=1))).image


def test_the_family_and_its_defaults_are_read_from_the_model(family_engine, family_model):
    name, _ = family_model
    family = family_engine.family
    assert family.name == name and family.default_size == 1024
    assert (1024, 1024) in {(p.width, p.height) for p in family.aspect_presets}
    assert family.default_sampler in family.samplers
    assert family.supports_negative_prompt == (name == "sdxl")
    assert family_engine.memory_plan.describe().startswith("float32")
    if name == "flux":
        assert (family.label, family.default_steps, family.default_guidance) == ("FLUX.1 dev", 28, 3.5)
        assert family.samplers == ("Flow Euler", "Flow Euler Karras", "Flow Euler Exponential")
        assert family_engine.few_step is None  # dev embeds guidance: a regular model
    else:
        assert (family.label, family.default_steps) == ("SDXL", 30) and "Euler a" in family.samplers


@pytest.mark.parametrize("pick", [0, 1])
def test_text_to_image_is_pixel_identical_to_plain_diffusers(family_engine, family_model, pick):
    name, folder = family_model
    scheduler = family_engine.family.samplers[pick]
    negative = "text, gradient" if name == "sdxl" else ""
    pipe = bare_pipeline(folder, scheduler)
    expected = pipe(
        "a fox logo",
        num_inference_steps=3,
        guidance_scale=6.0,
        width=SIZE,
        height=SIZE,
        generator=torch.Generator("cpu").manual_seed(5),
        **family_arguments(name, negative),
    ).images[0]
    params = request(family_engine, scheduler=scheduler, guidance=6.0, seed=5, negative_prompt=negative)
    result = next(family_engine.generate(params))
    assert np.array_equal(pixels(expected), pixels(result.image))
    assert result.params.family == name


def test_inpainting_is_plain_diffusers_with_every_pixel_outside_the_mask_kept(family_engine, family_model, base_image):
    import diffusers

    name, folder = family_model
    pipe = diffusers.AutoPipelineForInpainting.from_pipe(bare_pipeline(folder, family_engine.family.default_sampler))
    pipe.set_progress_bar_config(disable=True)
    feathered = pipe.mask_processor.blur(square_mask(), 4)
    raw = pipe(
        "a fox logo",
        image=base_image,
        mask_image=feathered,
        strength=1.0,
        num_inference_steps=3,
        guidance_scale=7.5,
        width=SIZE,
        height=SIZE,
        generator=torch.Generator("cpu").manual_seed(11),
        **family_arguments(name),
    ).images[0]
    expected = Image.composite(raw, base_image, feathered)
    params = request(family_engine, mode="inpaint", mask_blur=4, guidance=7.5)
    result = next(family_engine.generate(params, image=base_image, mask=square_mask())).image
    assert np.array_equal(pixels(result), pixels(expected))
    outside, inside = np.asarray(feathered) == 0, np.asarray(feathered) == 255
    assert np.array_equal(pixels(result)[outside], pixels(base_image)[outside])
    assert (pixels(result)[inside] != pixels(base_image)[inside]).any(axis=-1).mean() > 0.5
    assert family_engine.pipeline("inpaint").vae is family_engine.pipeline("txt2img").vae  # shared weights


def test_only_masked_inpainting_keeps_the_outside_too(family_engine, base_image):
    params = request(family_engine, mode="inpaint", mask_blur=0, inpaint_only_masked=True, inpaint_padding=8)
    params, note = family_engine.adapt(params)
    assert params.inpaint_only_masked and note == ""
    result = next(family_engine.generate(params, image=base_image, mask=square_mask())).image
    outside = np.asarray(square_mask()) == 0
    assert np.array_equal(pixels(result)[outside], pixels(base_image)[outside])


def test_variations_are_plain_diffusers_image_to_image_on_shared_weights(family_engine, family_model, base_image):
    import diffusers

    name, folder = family_model
    pipe = diffusers.AutoPipelineForImage2Image.from_pipe(bare_pipeline(folder, family_engine.family.default_sampler))
    pipe.set_progress_bar_config(disable=True)
    size = {"width": SIZE, "height": SIZE} if name == "flux" else {}  # SDXL's image-to-image takes the image's size
    expected = pipe(
        "a fox logo",
        image=base_image,
        strength=0.5,
        num_inference_steps=6,
        guidance_scale=7.5,
        generator=torch.Generator("cpu").manual_seed(7),
        **size,
        **family_arguments(name),
    ).images[0]
    params = replace(request(family_engine, steps=6, guidance=7.5).variation(0.5), seed=7)
    totals = []
    result = next(family_engine.generate(params, image=base_image, on_progress=lambda p: totals.append(p.total)))
    assert np.array_equal(pixels(result.image), pixels(expected)) and totals[-1] == 3
    denoiser = "transformer" if name == "flux" else "unet"
    assert getattr(family_engine.pipeline("img2img"), denoiser) is getattr(family_engine.pipeline("txt2img"), denoiser)


def test_upscale_doubles_the_size(family_engine, base_image):
    params = request(family_engine, seed=1, steps=10).upscaled()
    result = next(family_engine.generate(params, image=base_image))
    assert result.image.size == (128, 128) and result.params.mode == "img2img"


def test_batch_image_i_equals_a_single_run_with_seed_plus_i(family_engine):
    batch = list(family_engine.generate(request(family_engine, seed=20, batch_count=3, steps=2)))
    assert [result.params.seed for result in batch] == [20, 21, 22]
    alone = next(family_engine.generate(request(family_engine, seed=22, steps=2))).image
    assert np.array_equal(pixels(batch[2].image), pixels(alone))
    assert not np.array_equal(pixels(batch[0].image), pixels(batch[1].image))


def test_progress_reports_each_step_with_a_preview(family_engine):
    seen = []
    list(family_engine.generate(request(family_engine, batch_count=2, steps=3, height=80), on_progress=seen.append))
    assert [(p.image_index, p.step, p.total) for p in seen] == [(i, s, 3) for i in range(2) for s in (1, 2, 3)]
    preview = seen[-1].preview()
    vae_scale = family_engine.pipeline("txt2img").vae_scale_factor
    assert preview.mode == "RGB" and preview.size == (SIZE // vae_scale, 80 // vae_scale)  # FLUX's unpacked too


def test_cancel_mid_run_stops_within_a_step_and_skips_the_decode(family_engine, monkeypatch):
    vae = family_engine.pipeline("txt2img").vae
    decodes = []
    original = vae.decode
    monkeypatch.setattr(vae, "decode", lambda *a, **k: decodes.append(1) or original(*a, **k))
    cancel, steps, results = threading.Event(), [], []

    def on_progress(progress):
        steps.append(progress.step)
        if progress.step == 2:
            cancel.set()

    with pytest.raises(GenerationCancelled):
        for result in family_engine.generate(
            request(family_engine, steps=10, batch_count=2), on_progress=on_progress, cancel=cancel
        ):
            results.append(result)
    assert steps == [1, 2] and results == [] and decodes == []


def test_every_sampler_of_the_family_generates_and_others_fall_back_with_a_notice(family_engine):
    from desktop.schedulers import FLOW_SCHEDULERS, SD_SCHEDULERS

    for name in family_engine.family.samplers:
        assert next(family_engine.generate(request(family_engine, scheduler=name, steps=2))).image.size == (SIZE, SIZE)
    foreign = SD_SCHEDULERS[0] if family_engine.family.name == "flux" else FLOW_SCHEDULERS[0]
    adapted, note = family_engine.adapt(request(family_engine, scheduler=foreign))
    assert adapted.scheduler == family_engine.family.default_sampler
    assert f"The {foreign} sampler does not apply to {family_engine.family.label} models" in note


def test_long_prompts_warn_at_the_limit_of_the_encoder_that_reads_them(family_engine):
    words = " ".join(["fox"] * 600)
    [warning] = family_engine.prompt_warnings(request(family_engine, prompt=words))
    limit = 511 if family_engine.family.name == "flux" else 75  # T5 reads 512 tokens with its end marker, CLIP 77
    assert f"longer than the {limit} tokens" in warning
    assert family_engine.prompt_warnings(request(family_engine)) == []


def test_the_negative_prompt_is_used_where_the_family_has_one_and_named_where_not(family_engine):
    plain = next(family_engine.generate(request(family_engine, steps=2))).image
    negative = request(family_engine, steps=2, negative_prompt="text, shadow")
    with_negative = next(family_engine.generate(negative)).image
    warnings = family_engine.prompt_warnings(negative)
    if family_engine.family.supports_negative_prompt:
        assert not np.array_equal(pixels(plain), pixels(with_negative)) and warnings == []
    else:
        assert np.array_equal(pixels(plain), pixels(with_negative))  # left out, not silently half-used
        assert warnings and "have no negative prompt, so it is left out" in warnings[0]


def test_sizes_the_family_cannot_take_are_refused_at_the_call(family_engine):
    if family_engine.family.name != "flux":
        assert next(family_engine.generate(request(family_engine, width=72, steps=1))).image.size == (72, SIZE)
        return
    with pytest.raises(InvalidParameters, match="multiples of 16 px; the width is 72") as caught:
        family_engine.generate(request(family_engine, width=72))
    assert caught.value.field == "width"


def test_out_of_memory_turns_the_savers_on_and_retries(family_model, monkeypatch, tmp_path):
    from desktop.engine import Engine, choose_device
    from desktop.gallery import GalleryStore
    from desktop.jobs import OUT_OF_MEMORY_RETRY, Job, run_job

    name, folder = family_model
    engine = Engine(choose_device("cpu"))
    engine.load(str(folder))
    pipe = engine.pipeline("txt2img")
    denoiser = pipe.transformer if name == "flux" else pipe.unet
    original, failures = denoiser.forward, [1]

    def forward(*args, **kwargs):
        if failures[0]:
            failures[0] -= 1
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 9.00 GiB")
        return original(*args, **kwargs)

    monkeypatch.setattr(denoiser, "forward", forward)
    warnings = []
    job = Job(request(engine, steps=2, batch_count=2, seed=5))
    saved = run_job(engine, GalleryStore(tmp_path / "gallery"), job, on_warning=warnings.append)
    assert warnings == [OUT_OF_MEMORY_RETRY] and [item.params.seed for item in saved] == [5, 6]
    assert engine.savers.attention_slicing and engine.savers.vae_tiling
    assert "the device ran out of memory" in engine.memory_plan.describe()
