"""Guides on this computer: the engine follows a guide with diffusers' ControlNet pipelines, and its
images are pixel-identical to those pipelines called directly with the same components, seed and
settings (text-to-image, image-to-image, inpainting; SD 1.5 and SDXL). A guide changes the image; a
strength of 0 gives exactly the image without a guide; one ControlNet stays loaded while the same
one is asked for; FLUX.1, a ControlNet of another family and a missing one are refused in words.

Tiny models only (tests/make_tiny_model.py), 2 steps, 64 px."""

import inspect
from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from desktop.engine import Engine, choose_device
from desktop.errors import InvalidParameters, ModelLoadError, ModelNotAvailable, ModelNotDownloaded
from desktop.guides import control_image
from desktop.params import GenerationParams, Guide

pytest_plugins = ["family_models"]  # tiny SDXL and FLUX.1 models
SIZE = 64
MODES = ("txt2img", "img2img", "inpaint")


def sketch() -> Image.Image:
    """A drawing as the sketch layer makes it: dark lines on white."""
    picture = Image.new("RGB", (SIZE, SIZE), "white")
    draw = ImageDraw.Draw(picture)
    draw.ellipse((10, 10, 54, 54), outline="black", width=3)
    draw.line((20, 44, 44, 20), fill="black", width=3)
    return picture


def square_mask() -> Image.Image:
    mask = Image.new("L", (SIZE, SIZE), 0)
    mask.paste(255, (16, 16, 48, 48))
    return mask


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int16)


@pytest.fixture(scope="module")
def controlnets(tiny_model, tiny_sdxl, tmp_path_factory):
    from make_tiny_model import make_tiny_controlnet

    folder = tmp_path_factory.mktemp("controlnets")
    return {
        "sd15": make_tiny_controlnet(tiny_model, folder / "controlnet"),
        "sdxl": make_tiny_controlnet(tiny_sdxl, folder / "controlnet-sdxl"),
    }


@pytest.fixture(scope="module")
def sdxl_engine(tiny_sdxl):
    loaded = Engine(choose_device("cpu"))
    loaded.load(str(tiny_sdxl))
    return loaded


@pytest.fixture(params=["sd15", "sdxl"])
def family(request, engine, sdxl_engine, tiny_model, tiny_sdxl, controlnets):
    """(family name, engine, model folder, ControlNet folder) for each family with ControlNets."""
    name = request.param
    if name == "sd15":
        return name, engine, tiny_model, controlnets["sd15"]
    return name, sdxl_engine, tiny_sdxl, controlnets["sdxl"]


@pytest.fixture(scope="module")
def start_images(engine, sdxl_engine):
    """A picture of each family's own to vary and inpaint."""
    plain = GenerationParams(prompt="a fox logo", width=SIZE, height=SIZE, steps=2, seed=1)
    return {name: next(e.generate(plain)).image for name, e in (("sd15", engine), ("sdxl", sdxl_engine))}


def guided(engine, controlnet, mode="txt2img", **changes) -> GenerationParams:
    guide = Guide("sketch", str(controlnet), **changes.pop("guide", {"strength": 0.9, "start": 0.0, "end": 1.0}))
    fields = dict(prompt="a fox logo", negative_prompt="text", mode=mode, width=SIZE, height=SIZE, steps=2, seed=7)
    fields.update(scheduler=engine.family.default_sampler, guidance=7.5, strength=0.8, mask_blur=4)
    return GenerationParams(**{**fields, **changes}, guide=guide)


def bare_controlnet_pipeline(mode: str, folder, controlnet_folder, scheduler: str):
    """diffusers' ControlNet pipeline of ``mode``, loaded and called as a diffusers user would."""
    import diffusers

    from desktop.schedulers import SCHEDULERS

    auto = {
        "txt2img": diffusers.AutoPipelineForText2Image,
        "img2img": diffusers.AutoPipelineForImage2Image,
        "inpaint": diffusers.AutoPipelineForInpainting,
    }[mode]
    controlnet = diffusers.ControlNetModel.from_pretrained(str(controlnet_folder), dtype=torch.float32)
    pipe = auto.from_pretrained(str(folder), controlnet=controlnet, dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    class_name, overrides = SCHEDULERS[scheduler]
    pipe.scheduler = getattr(diffusers, class_name).from_config(pipe.scheduler.config, **overrides)
    return pipe


@pytest.mark.parametrize("mode", MODES)
def test_guided_images_are_pixel_identical_to_diffusers_controlnet_pipelines(family, start_images, mode):
    name, engine, folder, controlnet = family
    params = guided(engine, controlnet, mode, guide={"strength": 0.9, "start": 0.0, "end": 0.75})
    pipe = bare_controlnet_pipeline(mode, folder, controlnet, params.scheduler)
    assert type(pipe).__name__ == {
        "txt2img": "StableDiffusion{}ControlNetPipeline",
        "img2img": "StableDiffusion{}ControlNetImg2ImgPipeline",
        "inpaint": "StableDiffusion{}ControlNetInpaintPipeline",
    }[mode].format("XL" if name == "sdxl" else "")
    control = control_image(sketch(), "sketch", (SIZE, SIZE))[0]
    arguments = dict(
        prompt="a fox logo",
        negative_prompt="text",
        num_inference_steps=2,
        guidance_scale=7.5,
        width=SIZE,
        height=SIZE,
        generator=torch.Generator("cpu").manual_seed(7),
        controlnet_conditioning_scale=0.9,
        control_guidance_start=0.0,
        control_guidance_end=0.75,
    )
    start = start_images[name]
    feathered = None
    if mode == "txt2img":
        arguments["image"] = control
    else:
        arguments.update(image=start, control_image=control, strength=0.8)
    if mode == "inpaint":
        feathered = pipe.mask_processor.blur(square_mask(), 4)
        arguments["mask_image"] = feathered
    accepted = inspect.signature(type(pipe).__call__).parameters  # SDXL's image-to-image takes the image's size
    expected = pipe(**{key: value for key, value in arguments.items() if key in accepted}).images[0]
    if feathered is not None:
        expected = Image.composite(expected, start, feathered)

    result = next(engine.generate(params, image=start, mask=square_mask(), guide=sketch()))
    assert np.array_equal(pixels(result.image), pixels(expected))
    assert result.params.guide == params.guide and result.params.family == name
    base = engine.pipeline(mode)
    used = engine._controlnets._pipelines[(id(base), mode)]
    assert used.unet is base.unet and used.vae is base.vae  # built from the loaded components
    assert used.controlnet is engine._controlnets.model


def test_a_guide_changes_the_image_and_strength_zero_gives_the_image_without_one(family, start_images):
    name, engine, _folder, controlnet = family
    for mode in MODES:
        inputs = dict(image=start_images[name], mask=square_mask())
        followed = guided(engine, controlnet, mode, guide={"strength": 1.0})
        ignored = guided(engine, controlnet, mode, guide={"strength": 0.0})
        without = replace(guided(engine, controlnet, mode), guide=None)
        with_guide = pixels(next(engine.generate(followed, guide=sketch(), **inputs)).image)
        at_zero = pixels(next(engine.generate(ignored, guide=sketch(), **inputs)).image)
        plain = pixels(next(engine.generate(without, **inputs)).image)
        # diffusers scales the ControlNet's residuals by the strength and adds them to the UNet's:
        # x + 0.0 is exactly x, so strength 0 is pixel-identical, not merely close.
        assert np.array_equal(at_zero, plain), mode
        assert np.abs(with_guide - plain).max() > 10, mode


def test_the_controlnet_is_loaded_once_and_replaced_when_another_is_asked_for(engine, controlnets, tmp_path):
    import shutil

    params = guided(engine, controlnets["sd15"])
    next(engine.generate(params, guide=sketch()))
    loaded = engine._controlnets.model
    next(engine.generate(guided(engine, controlnets["sd15"], seed=8), guide=sketch()))
    assert engine._controlnets.model is loaded
    copy = shutil.copytree(controlnets["sd15"], tmp_path / "another")
    next(engine.generate(guided(engine, copy), guide=sketch()))
    assert engine._controlnets.model is not loaded and engine._controlnets.ref == str(copy)


def test_prepare_loads_the_guides_controlnet_ahead_of_the_job(tiny_model, controlnets):
    fresh = Engine(choose_device("cpu"))
    fresh.load(str(tiny_model))
    params = guided(fresh, controlnets["sd15"])
    work = []
    assert fresh.prepare(params, on_work=lambda: work.append(1)) is True and work == [1]
    assert fresh._controlnets.ref == str(controlnets["sd15"])
    assert fresh.prepare(params) is False  # ready: nothing to do
    with pytest.raises(ModelNotDownloaded) as error:  # the window offers the download
        fresh.prepare(guided(fresh, "lllyasviel/control_v11p_sd15_canny"))
    assert error.value.repo_id == "lllyasviel/control_v11p_sd15_canny"


def test_fast_and_loras_combine_with_a_guide(engine, controlnets, fast_files):
    lora, _taesd = fast_files
    from desktop.params import LoraRef

    params = guided(engine, controlnets["sd15"], loras=(LoraRef(str(lora), 1.0),), scheduler="LCM", guidance=1.0)
    params, _note = engine.adapt(params)
    first = next(engine.generate(params, guide=sketch()))
    without = next(engine.generate(replace(params, guide=None)))
    assert first.params.loras and first.params.guide is not None
    assert not np.array_equal(pixels(first.image), pixels(without.image))


def test_guide_picture_is_required_and_an_empty_sketch_is_refused(engine, controlnets):
    params = guided(engine, controlnets["sd15"])
    with pytest.raises(InvalidParameters, match="no guide picture"):
        engine.generate(params)
    with pytest.raises(InvalidParameters, match="The sketch is empty"):
        engine.generate(params, guide=Image.new("RGB", (SIZE, SIZE), "white"))


def test_a_guide_of_another_size_is_fitted_to_the_job_and_said(engine, controlnets, data_dir):
    from desktop.gallery import GalleryStore
    from desktop.jobs import Job, run_job

    wide = sketch().resize((SIZE * 2, SIZE))
    warnings = []
    job = Job(guided(engine, controlnets["sd15"]), guide=wide)
    item = run_job(engine, GalleryStore(data_dir), job, on_warning=warnings.append)[0]
    assert "The guide is 128×64; it was scaled to 64×32 and centred on the 64×64 image" in " ".join(warnings)
    with Image.open(item.path) as image:
        assert image.size == (SIZE, SIZE)
    assert item.guide_picture().size == (SIZE * 2, SIZE)  # the user's picture is kept as it was


def test_a_controlnet_of_another_family_is_refused_in_words(engine, sdxl_engine, controlnets):
    with pytest.raises(ModelLoadError) as error:
        engine.generate(guided(engine, controlnets["sdxl"]), guide=sketch())
    assert "made for SDXL models, not Stable Diffusion 1.5" in error.value.message
    assert "lllyasviel/control_v11p_sd15_scribble" in error.value.message  # what to choose instead
    with pytest.raises(ModelLoadError, match="made for Stable Diffusion 1.5 models, not SDXL"):
        sdxl_engine.generate(guided(sdxl_engine, controlnets["sd15"]), guide=sketch())


def test_a_missing_controlnet_is_refused_in_words(engine, tmp_path):
    with pytest.raises(ModelNotDownloaded) as error:
        engine.generate(guided(engine, "lllyasviel/control_v11p_sd15_scribble"), guide=sketch())
    assert "ControlNet 1.1 Scribble" in error.value.message and "logo-studio download" in error.value.message
    assert error.value.repo_id == "lllyasviel/control_v11p_sd15_scribble"
    with pytest.raises(ModelNotAvailable, match="No ControlNet found at"):
        engine.generate(guided(engine, tmp_path / "nowhere"), guide=sketch())
    with pytest.raises(ModelLoadError, match="not a ControlNet folder"):
        engine.generate(guided(engine, tmp_path), guide=sketch())


def test_flux_has_no_guides(tiny_flux, controlnets):
    flux = Engine(choose_device("cpu"))
    flux.load(str(tiny_flux))
    params = GenerationParams(
        prompt="a fox logo", width=SIZE, height=SIZE, steps=2, seed=1, guide=Guide("sketch", str(controlnets["sd15"]))
    )
    with pytest.raises(InvalidParameters, match="FLUX.1 has no ControlNet whose licence allows"):
        flux.generate(params, guide=sketch())


def test_a_recommended_controlnet_downloads_with_consent_and_is_found_offline_by_id(
    engine, controlnets, tmp_path, monkeypatch
):
    import shutil

    from conftest import point_huggingface_hub_at
    from huggingface_hub import constants
    from local_hub import LocalHub

    from desktop.jobs import Job
    from desktop.models.catalog import confirm_download
    from desktop.models.downloads import download_hub_model

    repo_id = "lllyasviel/control_v11p_sd15_scribble"
    served = shutil.copytree(controlnets["sd15"], tmp_path / "served")
    (served / "diffusion_pytorch_model.bin").write_bytes(b"pickle")  # other formats stay on the hub
    (served / "diffusion_pytorch_model.fp16.safetensors").write_bytes(b"half")
    params = guided(engine, repo_id)
    assert repo_id in Job(params).models()  # the window's download gate asks about it
    questions = []
    assert confirm_download(repo_id, lambda plan: questions.append(plan.question()) or True)
    assert "ControlNet 1.1 Scribble" in questions[0] and "1.4 GB" in questions[0]
    assert "CreativeML OpenRAIL-M" in questions[0] and "commercially: yes" in questions[0]
    with LocalHub({repo_id: served}) as hub:
        point_huggingface_hub_at(hub, tmp_path / "cache", monkeypatch)
        folder = download_hub_model(repo_id)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "diffusion_pytorch_model.safetensors"]
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    result = next(engine.generate(params, guide=sketch()))
    local = next(engine.generate(guided(engine, controlnets["sd15"]), guide=sketch()))
    assert np.array_equal(pixels(result.image), pixels(local.image))  # the same weights, found by id
    assert result.params.guide.model == repo_id


def test_only_masked_inpainting_with_a_guide_keeps_the_outside(family, start_images):
    name, engine, _folder, controlnet = family
    params = guided(engine, controlnet, "inpaint", mask_blur=0, inpaint_only_masked=True, inpaint_padding=8)
    params, note = engine.adapt(params)
    assert params.inpaint_only_masked and note == ""
    result = next(engine.generate(params, image=start_images[name], mask=square_mask(), guide=sketch())).image
    outside = np.asarray(square_mask()) == 0
    assert np.array_equal(pixels(result)[outside], pixels(start_images[name])[outside])


def test_a_guided_job_crosses_into_the_engine_process_with_its_picture(qtbot, tmp_path, tiny_model, controlnets):
    from desktop.gallery import GalleryStore
    from desktop.jobs import Job
    from desktop.workers.generation_worker import WorkerHost

    host = WorkerHost(GalleryStore(tmp_path / "gallery"), "cpu", separate_process=True)
    events = []
    for name in ("imageSaved", "jobFinished", "jobFailed"):
        getattr(host.worker, name).connect(lambda *args, name=name: events.append((name, args)))
    host.start()
    try:
        guide = Guide("sketch", str(controlnets["sd15"]))
        params = GenerationParams("fox", model=str(tiny_model), width=SIZE, height=SIZE, steps=2, seed=5, guide=guide)
        host.submit(Job(params, guide=sketch()))
        qtbot.waitUntil(lambda: any(name in ("jobFinished", "jobFailed") for name, _ in events), timeout=120_000)
        assert [name for name, _ in events] == ["imageSaved", "jobFinished"], events
        item = events[0][1][1]
        assert item.params.guide == params.guide
        assert np.array_equal(pixels(item.guide_picture()), pixels(sketch()))  # the picture crossed and was kept
    finally:
        host.shutdown()


def test_a_controlnet_not_in_the_list_downloads_as_a_folder_and_is_found_offline_by_id(
    engine, controlnets, tmp_path, monkeypatch
):
    import shutil

    from conftest import point_huggingface_hub_at
    from huggingface_hub import constants
    from local_hub import LocalHub

    from desktop.jobs import Job
    from desktop.models.downloads import download_hub_model

    repo_id = "someone/controlnet-my-scribble-sd15"  # any diffusers ControlNet repo on the hub
    served = shutil.copytree(controlnets["sd15"], tmp_path / "served")
    params = guided(engine, repo_id)
    assert repo_id in Job(params).models()
    with LocalHub({repo_id: served}) as hub:
        point_huggingface_hub_at(hub, tmp_path / "cache", monkeypatch)
        folder = download_hub_model(repo_id)
        assert sorted(p.name for p in folder.iterdir()) == ["config.json", "diffusion_pytorch_model.safetensors"]
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
        result = next(engine.generate(params, guide=sketch()))
    local = next(engine.generate(guided(engine, controlnets["sd15"]), guide=sketch()))
    assert np.array_equal(pixels(result.image), pixels(local.image))
