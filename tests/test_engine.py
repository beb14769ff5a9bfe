import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from desktop.engine import Engine, choose_device
from desktop.errors import (
    GenerationCancelled,
    InvalidParameters,
    ModelLoadError,
    ModelNotAvailable,
    UnsafeModelFormat,
)
from desktop.params import GenerationParams

SIZE = 64


def txt2img(**changes) -> GenerationParams:
    return GenerationParams(
        **{"prompt": "a fox logo", "width": SIZE, "height": SIZE, "steps": 3, "seed": 11, **changes}
    )


def inpaint(**changes) -> GenerationParams:
    return txt2img(mode="inpaint", **changes)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int16)


def square_mask(box=(16, 16, 48, 48)) -> Image.Image:
    mask = Image.new("L", (SIZE, SIZE), 0)
    mask.paste(255, box)
    return mask


@pytest.fixture(scope="module")
def base_image(engine) -> Image.Image:
    return next(engine.generate(txt2img(seed=1))).image


def test_same_seed_gives_the_same_image_and_another_seed_another(engine):
    first = next(engine.generate(txt2img())).image
    again = next(engine.generate(txt2img())).image
    other = next(engine.generate(txt2img(seed=12))).image
    assert first.size == (SIZE, SIZE)
    assert np.array_equal(pixels(first), pixels(again))
    assert not np.array_equal(pixels(first), pixels(other))


def test_batch_image_i_equals_a_single_run_with_seed_plus_i(engine):
    batch = list(engine.generate(txt2img(seed=20, batch_count=3)))
    assert [result.params.seed for result in batch] == [20, 21, 22]
    alone = next(engine.generate(txt2img(seed=22))).image
    assert np.array_equal(pixels(batch[2].image), pixels(alone))


def test_random_seed_is_recorded_in_the_result(engine):
    result = next(engine.generate(txt2img(seed=None)))
    assert result.params.seed is not None
    again = next(engine.generate(txt2img(seed=result.params.seed))).image
    assert np.array_equal(pixels(result.image), pixels(again))


@pytest.mark.parametrize(
    ("name", "cls", "overrides"),
    [
        ("DPM++ 2M Karras", "DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
        ("Euler a", "EulerAncestralDiscreteScheduler", {}),
        ("DDIM", "DDIMScheduler", {}),
    ],
)
def test_output_is_pixel_identical_to_plain_diffusers(engine, tiny_model, name, cls, overrides):
    import diffusers

    pipe = diffusers.StableDiffusionPipeline.from_pretrained(str(tiny_model), dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = getattr(diffusers, cls).from_config(pipe.scheduler.config, **overrides)
    expected = pipe(
        "a fox logo",
        negative_prompt="text",
        num_inference_steps=3,
        guidance_scale=6.0,
        width=SIZE,
        height=SIZE,
        generator=torch.Generator("cpu").manual_seed(5),
    ).images[0]
    ours = next(engine.generate(txt2img(scheduler=name, negative_prompt="text", guidance=6.0, seed=5))).image
    assert np.array_equal(pixels(expected), pixels(ours))


def test_every_scheduler_of_the_family_generates(engine):
    from desktop.schedulers import SD_SCHEDULERS

    assert engine.family.name == "sd15" and engine.family.samplers == SD_SCHEDULERS
    for name in SD_SCHEDULERS:
        image = next(engine.generate(txt2img(scheduler=name, steps=2))).image
        assert image.size == (SIZE, SIZE), name


def test_progress_reports_each_step_with_a_preview(engine):
    seen = []
    list(engine.generate(txt2img(batch_count=2, steps=4), on_progress=lambda p: seen.append(p)))
    expected = [(i, 2, s, 4) for i in range(2) for s in range(1, 5)]
    assert [(p.image_index, p.image_count, p.step, p.total) for p in seen] == expected
    preview = seen[-1].preview()
    assert preview.mode == "RGB" and preview.size[0] > 0


@pytest.mark.parametrize("only_masked", [False, True])
def test_inpainting_keeps_every_pixel_outside_the_feathered_mask(engine, base_image, only_masked):
    mask = square_mask()
    params = inpaint(mask_blur=4, inpaint_only_masked=only_masked, inpaint_padding=8)
    result = next(engine.generate(params, image=base_image, mask=mask)).image
    feathered = np.asarray(engine.pipeline("inpaint").mask_processor.blur(mask, 4))
    before, after = pixels(base_image), pixels(result)
    assert np.array_equal(after[feathered == 0], before[feathered == 0])
    assert (after[feathered == 255] != before[feathered == 255]).any(axis=-1).mean() > 0.5


def test_all_white_mask_over_a_blank_canvas_generates_from_scratch(engine):
    blank = Image.new("RGB", (SIZE, SIZE), "white")
    result = next(engine.generate(inpaint(mask_blur=0), image=blank, mask=Image.new("L", (SIZE, SIZE), 255))).image
    values = pixels(result)
    assert (values != 255).any(axis=-1).mean() > 0.9
    assert values.std() > 5


def test_dedicated_inpainting_model_inpaints_and_also_makes_images_from_text(tiny_models):
    txt2img_folder, inpaint_folder = tiny_models
    engine = Engine(choose_device("cpu"))
    engine.load(str(inpaint_folder))
    image = next(engine.generate(txt2img())).image
    assert image.size == (SIZE, SIZE) and pixels(image).std() > 5
    result = next(engine.generate(inpaint(), image=image, mask=square_mask())).image
    assert np.array_equal(pixels(result)[:8], pixels(image)[:8])

    paired = Engine(choose_device("cpu"))
    paired.load(str(txt2img_folder), inpaint_model=str(inpaint_folder))
    assert paired.pipeline("inpaint").unet.config.in_channels == 9
    assert paired.pipeline("txt2img").unet.config.in_channels == 4
    # The saved parameters name the model that made each image.
    assert next(paired.generate(txt2img(model=str(txt2img_folder)))).params.model == str(txt2img_folder)
    made = next(paired.generate(inpaint(model=str(txt2img_folder)), image=image, mask=square_mask()))
    assert made.params.model == str(inpaint_folder)


def test_inpaint_pipeline_shares_the_text_to_image_weights(engine):
    assert engine.pipeline("inpaint").unet is engine.pipeline("txt2img").unet
    assert engine.pipeline("inpaint").vae is engine.pipeline("txt2img").vae


def test_cancel_mid_run_stops_within_a_step_and_skips_the_decode(engine, monkeypatch):
    decodes = []
    original_decode = engine.pipeline("txt2img").vae.decode
    monkeypatch.setattr(
        engine.pipeline("txt2img").vae, "decode", lambda *a, **k: decodes.append(1) or original_decode(*a, **k)
    )
    cancel = threading.Event()
    steps = []

    def on_progress(progress):
        steps.append(progress.step)
        if progress.step == 2:
            cancel.set()

    results = []
    with pytest.raises(GenerationCancelled):
        for result in engine.generate(txt2img(steps=10, batch_count=2), on_progress=on_progress, cancel=cancel):
            results.append(result)
    assert steps == [1, 2]
    assert results == [] and decodes == []
    # The engine is usable straight after a cancel.
    assert next(engine.generate(txt2img(steps=2))).image.size == (SIZE, SIZE)


def test_long_prompt_warning_quotes_what_was_cut(engine):
    words = " ".join(f"w{i}" for i in range(60))
    warnings = engine.prompt_warnings(txt2img(prompt=words))
    assert len(warnings) == 1
    assert "longer than the 75 tokens" in warnings[0]
    assert "w59" in warnings[0] and "w0 " not in warnings[0]
    assert engine.prompt_warnings(txt2img()) == []


@pytest.mark.parametrize(
    ("image", "mask", "field", "text"),
    [
        (None, "mask", "image", "needs an image"),
        ("image", None, "mask", "needs a mask"),
        ("image", "small", "mask", "The mask is 32×32 but the image is 64×64"),
        ("big", "mask", "image", "The image is 128×128 but the request is 64×64"),
        ("image", "empty", "mask", "The mask is empty"),
    ],
)
def test_inpaint_input_problems_are_named(engine, base_image, image, mask, field, text):
    images = {"image": base_image, "big": base_image.resize((128, 128)), None: None}
    masks = {
        "mask": square_mask(),
        "small": Image.new("L", (32, 32), 255),
        "empty": Image.new("L", (SIZE, SIZE), 0),
        None: None,
    }
    with pytest.raises(InvalidParameters) as caught:
        list(engine.generate(inpaint(), image=images[image], mask=masks[mask]))
    assert caught.value.field == field
    assert text in caught.value.message


def test_missing_hub_model_while_offline_says_what_to_do():
    engine = Engine(choose_device("cpu"))
    with pytest.raises(ModelNotAvailable) as caught:
        engine.load("someone/not-downloaded-model")
    assert "not downloaded yet" in caught.value.message
    assert "logo-studio download someone/not-downloaded-model" in caught.value.message
    assert "on this computer" in caught.value.message


def test_missing_local_path_is_reported(tmp_path):
    with pytest.raises(ModelNotAvailable, match="No model found at"):
        Engine(choose_device("cpu")).load(str(tmp_path / "nothing-here" / "model.safetensors"))


@pytest.mark.parametrize("suffix", [".ckpt", ".pt", ".bin"])
def test_pickle_checkpoints_are_refused_with_the_reason(tmp_path, suffix):
    checkpoint = tmp_path / f"model{suffix}"
    checkpoint.write_bytes(b"not really a pickle")
    with pytest.raises(UnsafeModelFormat) as caught:
        Engine(choose_device("cpu")).load(str(checkpoint))
    assert "can run arbitrary code" in caught.value.message
    assert ".safetensors" in caught.value.message


def test_folder_without_model_index_is_a_load_error(tmp_path):
    with pytest.raises(ModelLoadError, match="has no model_index.json"):
        Engine(choose_device("cpu")).load(str(tmp_path))


def test_incomplete_model_folder_is_a_load_error(tmp_path, tiny_model):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    shutil.rmtree(broken / "unet")
    with pytest.raises(ModelLoadError, match="Could not load the model"):
        Engine(choose_device("cpu")).load(str(broken))


def test_garbage_safetensors_file_is_a_load_error(tmp_path):
    checkpoint = tmp_path / "model.safetensors"
    checkpoint.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelLoadError, match="not readable as a .safetensors checkpoint"):
        Engine(choose_device("cpu")).load(str(checkpoint))


def test_generating_without_a_model_says_so():
    with pytest.raises(ModelNotAvailable, match="No model is loaded"):
        list(Engine(choose_device("cpu")).generate(txt2img()))


def test_out_of_memory_becomes_advice(engine, monkeypatch):
    from desktop.errors import OutOfMemory

    def exhausted(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(engine.pipeline("txt2img").unet, "forward", exhausted)
    with pytest.raises(OutOfMemory, match="memory savers"):
        list(engine.generate(txt2img()))


def test_hub_model_already_in_the_hugging_face_cache_is_reused_offline(tiny_model):
    import shutil

    from huggingface_hub import constants

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = Path(constants.HF_HUB_CACHE) / "models--tiny-org--cached-logo-model"
    shutil.copytree(tiny_model, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    engine = Engine(choose_device("cpu"))
    engine.load("tiny-org/cached-logo-model")  # offline (HF_HUB_OFFLINE=1): found in the cache
    assert engine.model == "tiny-org/cached-logo-model"
    assert next(engine.generate(txt2img(steps=1))).image.size == (SIZE, SIZE)


def test_variations_share_weights_start_from_the_image_and_strength_sets_the_steps(engine, base_image):
    assert engine.pipeline("img2img").unet is engine.pipeline("txt2img").unet

    def vary(strength: float, source: Image.Image) -> tuple[Image.Image, int]:
        totals = []
        params = replace(txt2img(seed=1, steps=10).variation(strength), seed=7)
        image = next(engine.generate(params, image=source, on_progress=lambda p: totals.append(p.total))).image
        return image, totals[-1]

    first, steps_low = vary(0.3, base_image)
    _, steps_high = vary(0.8, base_image)
    assert (steps_low, steps_high) == (3, 8)  # the image is redrawn for steps x strength steps
    assert np.array_equal(pixels(vary(0.3, base_image)[0]), pixels(first))  # reproducible
    other_source = Image.new("RGB", base_image.size, "navy")
    assert not np.array_equal(pixels(vary(0.3, other_source)[0]), pixels(first))  # the image is used


def test_upscale_doubles_the_size_with_the_loaded_model(engine, base_image):
    params = txt2img(seed=1, steps=10).upscaled()
    assert (params.width, params.height, params.strength) == (128, 128, 0.3)
    result = next(engine.generate(params, image=base_image))
    assert result.image.size == (128, 128) and result.params.mode == "img2img"


def test_upscaling_a_large_image_says_why_not():
    with pytest.raises(InvalidParameters, match="would exceed 2048 px"):
        GenerationParams("fox", width=1536, height=1024).upscaled()


def test_variation_needs_an_image(engine):
    with pytest.raises(InvalidParameters, match="needs the image to start from"):
        list(engine.generate(txt2img(steps=4).variation(0.5)))


def test_inpainting_only_model_makes_variations_too(tiny_models, base_image):
    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_models[1]))
    result = next(engine.generate(txt2img(seed=2, steps=4).variation(0.5).with_resolved_seed(), image=base_image)).image
    assert result.size == (SIZE, SIZE)


def test_a_samplers_settings_do_not_leak_into_the_next_job(engine, tiny_model):
    fresh = Engine(choose_device("cpu"))
    fresh.load(str(tiny_model))
    expected = next(fresh.generate(txt2img(scheduler="DDIM"))).image
    next(engine.generate(txt2img(scheduler="Euler (trailing)")))  # timestep_spacing="trailing"
    after = next(engine.generate(txt2img(scheduler="DDIM"))).image
    assert np.array_equal(pixels(after), pixels(expected))


def test_bad_input_fails_at_the_call_before_any_image_is_asked_for(engine):
    with pytest.raises(InvalidParameters, match="Inpainting needs an image"):
        engine.generate(inpaint(), image=None, mask=square_mask())  # no next(): the call itself refuses
    with pytest.raises(InvalidParameters, match="mask is empty"):
        engine.generate(inpaint(), image=Image.new("RGB", (SIZE, SIZE)), mask=Image.new("L", (SIZE, SIZE), 0))


def test_nothing_loaded_is_refused_at_the_call():
    with pytest.raises(ModelNotAvailable, match="No model is loaded"):
        Engine(choose_device("cpu")).generate(txt2img())


def resident_in_this_process(path: Path) -> int:
    """Bytes of ``path`` that this process's memory maps of it hold in memory (Linux smaps)."""
    resident, in_mapping = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        first = line.split(maxsplit=1)[0]
        if "-" in first and not first.endswith(":"):  # a mapping's header line
            in_mapping = line.rstrip().endswith(str(path))
        elif in_mapping and first == "Rss:":
            resident += int(line.split()[1]) * 1024
    return resident


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="what is in memory is read from Linux smaps")
def test_a_loaded_model_is_read_in_so_the_first_image_does_not_wait_for_the_disk(tiny_model, tmp_path):
    import shutil

    from diffusers import UNet2DConditionModel

    folder = shutil.copytree(tiny_model, tmp_path / "model")
    config = dict(UNet2DConditionModel.load_config(str(folder / "unet")), block_out_channels=(128, 256))
    UNet2DConditionModel.from_config(config).save_pretrained(str(folder / "unet"))
    weights = folder / "unet" / "diffusion_pytorch_model.safetensors"
    engine = Engine(choose_device("cpu"))
    engine.load(str(folder))
    # diffusers maps the file and reads each weight when a step first uses it; after load, it is read.
    assert resident_in_this_process(weights.resolve()) > 0.95 * weights.stat().st_size
