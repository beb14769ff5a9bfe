"""Models of every family: read from the files (never from a name), single-file SDXL checkpoints as
A1111/Civitai ship them, dedicated inpainting models (SDXL inpainting, FLUX Fill), FLUX.1 schnell as
a few-step model, and the memory plan the engine picks per family and device."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from desktop.engine import Engine, choose_device
from desktop.engine.devices import DeviceChoice, MemorySavers, dtype_for, plan_memory
from desktop.errors import ModelLoadError, ModelNotAvailable
from desktop.models.families import FLUX_DEV, FLUX_SCHNELL, SD15, SDXL, checkpoint_info, folder_info
from desktop.params import GenerationParams

pytest_plugins = ["family_models"]
SIZE = 64
SDXL_REPO = "stabilityai/stable-diffusion-xl-base-1.0"


def request(**changes) -> GenerationParams:
    return GenerationParams(**{"prompt": "a fox logo", "width": SIZE, "height": SIZE, "steps": 2, "seed": 3, **changes})


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int16)


def square_mask() -> Image.Image:
    mask = Image.new("L", (SIZE, SIZE), 0)
    mask.paste(255, (16, 16, 48, 48))
    return mask


def test_the_family_is_read_from_model_index_json_not_the_name(tmp_path, tiny_sdxl, tiny_flux, tiny_model):
    for folder, family in ((tiny_model, SD15), (tiny_sdxl, SDXL), (tiny_flux, FLUX_DEV)):
        renamed = tmp_path / f"sd15-{family.name}-flux-sdxl"  # a name that says nothing true
        shutil.copytree(folder, renamed)
        assert folder_info(renamed).family == family


def test_models_of_other_kinds_are_refused_naming_what_they_are(tmp_path, tiny_sdxl):
    sd3 = tmp_path / "sd3"
    sd3.mkdir()
    (sd3 / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusion3Pipeline"}))
    with pytest.raises(ModelLoadError, match="StableDiffusion3Pipeline model; Logo Studio runs Stable Diffusion 1.5"):
        folder_info(sd3)
    refiner = tmp_path / "refiner"
    shutil.copytree(tiny_sdxl, refiner)
    index = json.loads((refiner / "model_index.json").read_text())
    index["text_encoder"] = [None, None]  # like the SDXL refiner, which needs the base model's first encoder
    (refiner / "model_index.json").write_text(json.dumps(index))
    with pytest.raises(ModelLoadError, match="without text_encoder"):
        Engine(choose_device("cpu")).load(str(refiner))


@pytest.fixture(scope="module")
def sdxl_checkpoint(tiny_sdxl, tmp_path_factory) -> Path:
    from sdxl_checkpoint import write_sdxl_checkpoint

    return write_sdxl_checkpoint(tiny_sdxl, tmp_path_factory.mktemp("civitai") / "my-logo-xl.safetensors")


def test_a_single_file_sdxl_checkpoint_is_recognised_from_its_tensors(sdxl_checkpoint):
    info = checkpoint_info(sdxl_checkpoint)
    assert (info.family, info.inpaint_only, info.checkpoint_type) == (SDXL, False, "xl_base")
    assert info.pipeline_class == "StableDiffusionXLPipeline"


def test_a_single_file_sdxl_checkpoint_loads_offline_with_the_configs_in_the_cache(
    sdxl_checkpoint, tiny_sdxl, tmp_path, monkeypatch
):
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionXLPipeline
    from huggingface_hub import constants
    from test_catalog import add_to_hub_cache

    from desktop.models.references import single_file_config_folder

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ModelNotAvailable) as caught:
        Engine(choose_device("cpu")).load(str(sdxl_checkpoint))  # offline, nothing cached
    assert f"configuration and tokenizer files of {SDXL_REPO}" in caught.value.message
    assert "Go online once" in caught.value.message

    # SDXL's configs and tokenizers, as any download of the SDXL model leaves them in the cache.
    configs = tmp_path / "configs"
    shutil.copytree(tiny_sdxl, configs, ignore=shutil.ignore_patterns("*.safetensors"))
    add_to_hub_cache(tmp_path / "hub", SDXL_REPO, configs)
    from_file, from_folder = Engine(choose_device("cpu")), Engine(choose_device("cpu"))
    from_file.load(str(sdxl_checkpoint))
    from_folder.load(str(tiny_sdxl))
    assert from_file.family == SDXL and type(from_file.pipeline("txt2img")).__name__ == "StableDiffusionXLPipeline"
    params = request(negative_prompt="text")
    ours = pixels(next(from_file.generate(params)).image)
    config = single_file_config_folder(checkpoint_info(sdxl_checkpoint))
    bare = StableDiffusionXLPipeline.from_single_file(str(sdxl_checkpoint), config=str(config), dtype=torch.float32)
    bare.set_progress_bar_config(disable=True)
    bare.scheduler = DPMSolverMultistepScheduler.from_config(bare.scheduler.config, use_karras_sigmas=True)
    expected = bare(
        "a fox logo",
        negative_prompt="text",
        num_inference_steps=2,
        guidance_scale=7.5,
        width=SIZE,
        height=SIZE,
        generator=torch.Generator("cpu").manual_seed(3),
    ).images[0]
    assert np.array_equal(ours, pixels(expected))  # exactly what diffusers makes of the file
    # The same weights as the folder; diffusers' single-file loading rounds the pooled text a little differently.
    assert np.abs(ours - pixels(next(from_folder.generate(params)).image)).max() <= 2
    inpainted = next(
        from_file.generate(
            request(mode="inpaint", model=str(sdxl_checkpoint)),
            image=Image.new("RGB", (SIZE, SIZE)),
            mask=square_mask(),
        )
    )
    assert inpainted.params.family == "sdxl" and inpainted.params.model == str(sdxl_checkpoint)


def test_a_single_file_flux_checkpoint_says_what_to_use_instead(tmp_path):
    from safetensors.torch import save_file

    checkpoint = tmp_path / "flux1-dev.safetensors"
    tensors = {
        "double_blocks.0.img_attn.norm.key_norm.scale": torch.zeros(2),
        "guidance_in.in_layer.bias": torch.zeros(2),
        "img_in.weight": torch.zeros(2, 64),
    }
    save_file(tensors, str(checkpoint))
    with pytest.raises(ModelLoadError, match="single-file FLUX checkpoint, which holds only part of the model"):
        checkpoint_info(checkpoint)


def test_a_dedicated_sdxl_inpainting_model_inpaints_and_also_makes_images_from_text(tiny_sdxl, tiny_sdxl_inpaint):
    alone = Engine(choose_device("cpu"))
    alone.load(str(tiny_sdxl_inpaint))
    assert alone.family == SDXL and alone.pipeline("txt2img").unet.config.in_channels == 9
    image = next(alone.generate(request())).image
    assert image.size == (SIZE, SIZE) and pixels(image).std() > 5

    paired = Engine(choose_device("cpu"))
    paired.load(str(tiny_sdxl), inpaint_model=str(tiny_sdxl_inpaint))
    assert paired.pipeline("inpaint").unet.config.in_channels == 9
    assert paired.pipeline("txt2img").unet.config.in_channels == 4
    made = next(paired.generate(request(mode="inpaint", model=str(tiny_sdxl)), image=image, mask=square_mask()))
    assert made.params.model == str(tiny_sdxl_inpaint) and made.params.family == "sdxl"
    assert np.array_equal(pixels(made.image)[:8], pixels(image)[:8])


def test_flux_fill_inpaints_with_its_own_guidance_and_keeps_the_outside(tiny_flux, tiny_flux_fill):
    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_flux), inpaint_model=str(tiny_flux_fill))
    assert type(engine.pipeline("inpaint")).__name__ == "FluxFillPipeline"
    base = next(engine.generate(request(scheduler="Flow Euler", guidance=3.5))).image
    params, note = engine.adapt(request(mode="inpaint", scheduler="Flow Euler", guidance=3.5, inpaint_only_masked=True))
    assert (params.guidance, params.inpaint_only_masked) == (30.0, False)
    assert "FLUX Fill models need strong guidance" in note and "cannot work on the masked area alone" in note
    result = next(engine.generate(params, image=base, mask=square_mask(), on_progress=lambda p: p.preview()))
    outside = np.asarray(engine.pipeline("inpaint").mask_processor.blur(square_mask(), 4)) == 0
    assert np.array_equal(pixels(result.image)[outside], pixels(base)[outside])
    assert result.params.model == str(tiny_flux_fill) and result.params.family == "flux"

    fill_alone = Engine(choose_device("cpu"))
    fill_alone.load(str(tiny_flux_fill))
    assert next(fill_alone.generate(request(scheduler="Flow Euler"))).image.size == (SIZE, SIZE)


def test_flux_schnell_is_a_few_step_model_read_from_its_config(tiny_flux_schnell):
    import diffusers

    from desktop.models.few_step import FLUX_SCHNELL as PROFILE

    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_flux_schnell))
    assert engine.family == FLUX_SCHNELL and not engine.family.uses_guidance and engine.few_step == PROFILE
    params, note = engine.adapt(GenerationParams("a fox logo", width=SIZE, height=SIZE, seed=4))
    assert (params.scheduler, params.steps, params.guidance) == ("Flow Euler", 4, 0.0) and "FLUX.1 schnell" in note
    pipe = diffusers.AutoPipelineForText2Image.from_pretrained(str(tiny_flux_schnell), dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    expected = pipe(
        "a fox logo",
        num_inference_steps=4,
        guidance_scale=0.0,
        width=SIZE,
        height=SIZE,
        generator=torch.Generator("cpu").manual_seed(4),
        max_sequence_length=256,  # what schnell was trained with, as its model card calls it
    ).images[0]
    assert np.array_equal(pixels(next(engine.generate(params)).image), pixels(expected))


CUDA = DeviceChoice("cuda", "float16", "test GPU")
GB = 2**30


@pytest.mark.parametrize(
    ("family", "memory_gb", "expected"),
    [
        ("sd15", 8, MemorySavers()),
        ("sdxl", 24, MemorySavers()),
        ("sdxl", 8, MemorySavers(vae_tiling=True, cpu_offload=True)),
        ("flux", 80, MemorySavers()),
        ("flux", 24, MemorySavers(vae_tiling=True, cpu_offload=True)),
        ("flux", 16, MemorySavers(vae_tiling=True, cpu_offload=True, sequential_offload=True)),
        ("flux", 12, MemorySavers(vae_tiling=True, cpu_offload=True, sequential_offload=True)),
    ],
)
def test_the_memory_savers_fit_the_family_to_the_gpu(family, memory_gb, expected):
    assert MemorySavers.for_device(CUDA, False, family, memory_gb * GB) == expected


def test_the_memory_plan_says_what_was_chosen_and_why(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    plan = plan_memory(CUDA, "flux", "FLUX.1 dev", False, 16 * GB)
    assert plan.dtype == "bfloat16" and plan.savers.sequential_offload
    assert plan.describe() == (
        "bfloat16 · sequential CPU offload, VAE tiling: the GPU has 16 GB; FLUX.1 dev needs about 34 GB without savers"
    )
    assert plan_memory(CUDA, "sdxl", "SDXL", False, 24 * GB).describe() == "float16 · no memory savers"
    assert dtype_for(CUDA, "sd15") == "float16" and dtype_for(DeviceChoice("cpu", "float32", "x"), "flux") == "float32"
    low = plan_memory(CUDA, "sdxl", "SDXL", True, 24 * GB)
    assert low.savers == MemorySavers(True, True, True, False) and "memory savers asked for" in low.describe()
    assert MemorySavers.for_device(DeviceChoice("mps", "float32", "Apple GPU"), False, "sdxl") == MemorySavers(
        vae_tiling=True
    )
