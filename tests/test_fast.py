"""Fast mode and tiny-autoencoder previews: Fast brings the family's few-step LoRA with its settings
and decodes drafts with TAESD (pixel-identical to doing the same by hand in diffusers), skips the
unconditional pass, says what to download when something is missing, and a final version or a
variation of a draft decodes with the full autoencoder. Previews are real small TAESD images."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from desktop.engine import Engine, choose_device
from desktop.jobs import Job
from desktop.models.assets import AssetNotDownloaded
from desktop.models.families import FLUX_DEV, FLUX_SCHNELL
from desktop.models.few_step import FLUX_SCHNELL as SCHNELL_PROFILE
from desktop.models.loras import LoraNotDownloaded
from desktop.params import GenerationParams, LoraRef
from desktop.speed import adapt_speed

LCM_LORA, TAESD = "latent-consistency/lcm-lora-sdv1-5", "madebyollin/taesd"
SIZE = 64


def request(**changes) -> GenerationParams:
    fields = {"prompt": "a fox logo", "width": SIZE, "height": SIZE, "seed": 5, "speed": "fast"}
    return GenerationParams(**{**fields, **changes})


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int16)


@pytest.fixture(scope="module")
def fast_engine(tiny_model, fast_cache):
    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_model))
    return engine


def test_fast_brings_the_few_step_lora_and_its_settings_and_quality_takes_them_away(fast_engine):
    params, note = fast_engine.adapt(request(steps=25, guidance=7.5))
    assert params.loras == (LoraRef(LCM_LORA, 1.0, fast=True),) and params.user_loras == ()
    assert (params.scheduler, params.steps, params.guidance) == ("LCM", 4, 1.0)
    assert note.startswith("Fast:") and "4 steps" in note
    back, _ = fast_engine.adapt(replace(params, speed="quality"))
    assert back.loras == ()
    mine = LoraRef("/loras/logo.safetensors", 0.6)
    both, _ = fast_engine.adapt(request(loras=(mine,)))
    assert both.loras == (mine, LoraRef(LCM_LORA, 1.0, fast=True))


def test_fast_needs_no_extra_lora_on_a_few_step_model_and_says_so_on_flux_dev():
    schnell, note = adapt_speed(request(scheduler="Flow Euler", steps=28, guidance=3.5), FLUX_SCHNELL, SCHNELL_PROFILE)
    assert (schnell.loras, schnell.steps, schnell.guidance) == ((), 4, 0.0)
    dev, note = adapt_speed(request(scheduler="Flow Euler", steps=28, guidance=3.5), FLUX_DEV, None)
    assert dev.loras == () and dev.steps == 28 and "no few-step LoRA" in note


def test_a_fast_image_is_what_diffusers_makes_with_the_lora_fused_and_taesd(fast_engine, tiny_model, fast_files):
    import diffusers

    params, _ = fast_engine.adapt(request())
    ours = next(fast_engine.generate(params))
    assert ours.params.tiny_decode and ours.params.loras[0].hash
    pipe = diffusers.StableDiffusionPipeline.from_pretrained(str(tiny_model), dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    pipe.load_lora_weights(str(fast_files[0]), adapter_name="lcm")
    pipe.set_adapters(["lcm"], [1.0])
    pipe.fuse_lora(adapter_names=["lcm"])
    pipe.scheduler = diffusers.LCMScheduler.from_config(pipe.scheduler.config)
    pipe.vae = diffusers.AutoencoderTiny.from_pretrained(str(fast_files[1]))
    expected = pipe(
        "a fox logo",
        num_inference_steps=4,
        guidance_scale=1.0,
        width=SIZE,
        height=SIZE,
        generator=torch.Generator("cpu").manual_seed(5),
    ).images[0]
    assert np.array_equal(pixels(ours.image), pixels(expected))


def test_fast_runs_one_pass_per_step_and_never_the_full_decoder(fast_engine, monkeypatch):
    pipe = fast_engine.pipeline("txt2img")
    batches, decodes = [], []
    forward, decode = pipe.unet.forward, pipe.vae.decode
    counted = lambda sample, *a, **k: batches.append(len(sample)) or forward(sample, *a, **k)  # noqa: E731
    monkeypatch.setattr(pipe.unet, "forward", counted)
    monkeypatch.setattr(pipe.vae, "decode", lambda *a, **k: decodes.append(1) or decode(*a, **k))
    params, _ = fast_engine.adapt(request())
    draft = next(fast_engine.generate(params))
    assert batches == [1, 1, 1, 1] and decodes == []  # guidance 1: no unconditional pass
    final = next(fast_engine.generate(draft.params.final_version()))
    assert decodes == [1] and not final.params.tiny_decode  # the final version: the full autoencoder
    variation = replace(draft.params.variation(0.5), seed=2)
    next(fast_engine.generate(variation, image=draft.image))
    assert decodes == [1, 1]  # variations and upscales always decode in full


def test_the_metadata_says_a_fast_draft_was_decoded_by_the_tiny_autoencoder(fast_engine):
    from desktop.metadata import to_a1111_text

    draft = next(fast_engine.generate(fast_engine.adapt(request())[0]))
    text = to_a1111_text(draft.params)
    assert "<lora:lcm-lora-sdv1-5:1>" in text and "VAE: TAESD (Fast draft)" in text
    assert "VAE:" not in to_a1111_text(draft.params.final_version())


def test_previews_are_real_tiny_autoencoder_images(fast_engine, tiny_model, tmp_path, monkeypatch):
    seen = []
    next(fast_engine.generate(request(speed="quality", steps=2), on_progress=seen.append))
    assert [p.preview().size for p in seen] == [(SIZE, SIZE)] * 2  # decoded pixels, not one per latent cell
    assert np.asarray(seen[-1].preview()).std() > 0
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty"))
    plain = Engine(choose_device("cpu"))
    plain.load(str(tiny_model))
    seen.clear()
    next(plain.generate(request(speed="quality", steps=2), on_progress=seen.append))
    assert seen[-1].preview().size == (SIZE // 2, SIZE // 2)  # without TAESD: the latent approximation


def test_what_is_missing_for_fast_is_named_so_the_window_can_offer_it(tiny_model, fast_files, tmp_path, monkeypatch):
    import make_tiny_assets as tiny
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_model))
    params = engine.adapt(request())[0]
    with pytest.raises(LoraNotDownloaded) as no_lora:
        engine.generate(params)
    assert no_lora.value.repo_id == LCM_LORA and no_lora.value.message.startswith("Fast draft needs Fast mode for")
    tiny.install_in_hf_cache(LCM_LORA, {"pytorch_lora_weights.safetensors": fast_files[0]})
    with pytest.raises(AssetNotDownloaded) as no_taesd:
        engine.generate(params)
    assert no_taesd.value.repo_id == TAESD and no_taesd.value.message.startswith("Fast draft needs")
    assert "tiny autoencoder" in no_taesd.value.message.lower()


def test_a_fast_job_lists_what_it_downloads_for_the_download_gate():
    fast = request(model="stable-diffusion-v1-5/stable-diffusion-v1-5")
    assert Job(fast, family="sd15").models() == [fast.model, LCM_LORA, TAESD]
    assert Job(fast, family="sdxl").models()[1:] == ["latent-consistency/lcm-lora-sdxl", "madebyollin/taesdxl"]
    assert Job(fast, family="flux").models()[1:] == ["madebyollin/taef1"]
    assert Job(fast).models() == [fast.model]  # family not known yet: the engine names what is missing
    own = replace(fast, loras=(LoraRef("ByteDance/Hyper-SD/Hyper-SD15-8steps-lora.safetensors"),))
    assert Job(own, family="sd15").models()[1:] == [own.loras[0].ref, TAESD]  # a few-step LoRA of one's own
    hub = replace(fast, speed="quality", loras=(LoraRef("someone/logo-lora"),))
    assert Job(hub).models()[1:] == ["someone/logo-lora"]


def test_the_download_question_gives_size_and_licence_of_fast_downloads():
    from desktop.models.catalog import download_plan

    lora, taesd = download_plan(LCM_LORA).question(), download_plan(TAESD).question()
    assert "about 135 MB" in lora and "Open RAIL++-M" in lora and "commercially: yes" in lora
    assert "about 10 MB" in taesd and "MIT" in taesd


def test_loras_and_tiny_autoencoders_download_through_the_models_download_path(fast_files, tmp_path, monkeypatch):
    from conftest import point_huggingface_hub_at
    from local_hub import LocalHub

    from desktop.models.downloads import download_hub_model
    from desktop.models.loras import lora_file
    from desktop.models.references import is_available_locally

    lora_repo = tmp_path / "lora-repo"
    lora_repo.mkdir()
    (lora_repo / "logo-style.safetensors").write_bytes(fast_files[0].read_bytes())
    (lora_repo / "README.md").write_text("A logo LoRA.")
    with LocalHub({"someone/logo-lora": lora_repo, TAESD: fast_files[1]}) as hub:
        point_huggingface_hub_at(hub, tmp_path / "hub-cache", monkeypatch)
        assert not is_available_locally("someone/logo-lora") and not is_available_locally(TAESD)
        seen = []
        path = download_hub_model("someone/logo-lora", lambda done, total: seen.append((done, total)))
        folder = download_hub_model(TAESD)
    assert path.name == "logo-style.safetensors" and seen[-1][0] == seen[-1][1] == path.stat().st_size
    assert lora_file("someone/logo-lora") == path and is_available_locally("someone/logo-lora")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "diffusion_pytorch_model.safetensors"]
    assert is_available_locally(TAESD)


def test_the_command_line_makes_a_fast_draft_and_its_final_version(tiny_model, fast_cache, tmp_path, capsys):
    from PIL import Image

    from desktop.app import main
    from desktop.metadata import read_params

    args = ["generate", "--prompt", "fox", "--model", str(tiny_model), "--device", "cpu", "--fast"]
    assert main([*args, "--width", "64", "--height", "64", "--seed", "2"]) == 0
    out, err = capsys.readouterr()
    with Image.open(out.split()[0]) as image:
        params = read_params(image)
    assert (params.speed, params.steps, params.guidance, params.scheduler) == ("fast", 4, 1.0, "LCM")
    assert params.loras[0].ref == LCM_LORA and params.loras[0].fast and "Fast:" in err
    draft = Path(out.split()[0])
    assert main(["export", str(draft), "--out", str(tmp_path / "files")]) == 0
    note = capsys.readouterr().err
    assert "is a Fast draft" in note and "--fast --final --seed 2" in note
    assert main([*args, "--width", "64", "--height", "64", "--seed", "2", "--final"]) == 0
    out, _ = capsys.readouterr()
    with Image.open(out.split()[0]) as final, Image.open(draft) as quick:
        assert read_params(final).decode == "full" and not read_params(final).tiny_decode
        same = np.asarray(final.convert("RGB")) == np.asarray(quick.convert("RGB"))
        assert not same.all()  # decoded in full, not by the tiny autoencoder
    assert main(["generate", "--prompt", "fox", "--model", str(tiny_model), "--final"]) == 2
    assert "--final goes with --fast" in capsys.readouterr().err


def test_the_command_line_asks_before_downloading_what_fast_needs(tiny_model, tmp_path, monkeypatch, capsys):
    from huggingface_hub import constants

    from desktop.app import main

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    assert main(["generate", "--prompt", "fox", "--model", str(tiny_model), "--device", "cpu", "--fast"]) == 2
    err = capsys.readouterr().err
    assert "Fast mode for Stable Diffusion 1.5 (LCM-LoRA) is not downloaded yet (about 135 MB)" in err
    assert f"logo-studio download {LCM_LORA}" in err


def test_preparing_for_fast_loads_and_fuses_ahead_and_the_first_job_gives_the_same_image(
    tiny_model, fast_cache, monkeypatch
):
    from desktop.engine.lora_adapters import LoraAdapters

    unprepared = Engine(choose_device("cpu"))
    unprepared.load(str(tiny_model))
    params, _ = unprepared.adapt(request())
    expected = next(unprepared.generate(params)).image
    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_model))
    engine.prepare(params)
    assert engine._loras["base"].fused and engine.tiny_vaes.get("sd15") is not None
    work = []
    monkeypatch.setattr(LoraAdapters, "_load", lambda self, lora: work.append(("load", lora)))
    monkeypatch.setattr(LoraAdapters, "_fuse", lambda self, adapters: work.append(("fuse", adapters)))
    assert np.array_equal(pixels(next(engine.generate(params)).image), pixels(expected))
    assert work == []  # the job found everything ready
    monkeypatch.undo()
    quality, _ = engine.adapt(request(speed="quality"))
    engine.prepare(quality)  # back to Quality: the model's own weights, before the next job
    assert not engine._loras["base"].fused


def test_the_engine_service_prepares_the_loaded_model_and_offers_what_is_missing(tiny_model, fast_cache, tmp_path):
    from huggingface_hub import constants

    from desktop.workers.engine_service import EngineService

    service, events = EngineService(tmp_path / "gallery", "cpu"), []
    emit = lambda *event: events.append(event)  # noqa: E731
    service.prepare(request(model=str(tiny_model)), emit)
    assert events == []  # nothing loaded yet: nothing to prepare
    service.load(str(tiny_model), "", emit)
    events.clear()
    service.prepare(request(model=str(tiny_model)), emit)
    assert events == [("preparing", "Fast"), ("prepared", "Fast", True)] and service.engine._loras["base"].fused
    events.clear()
    service.prepare(request(model=str(tiny_model)), emit)
    assert events == []  # ready already: no work, and no status to flash
    with pytest.MonkeyPatch.context() as patch:  # a cache without Fast's files
        patch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
        service.engine.tiny_vaes._loaded.clear()
        service.prepare(request(model=str(tiny_model)), emit)
    assert [event[:2] for event in events] == [("needs_download", LCM_LORA)]
    assert events[0][2].startswith("Fast draft needs Fast mode for Stable Diffusion 1.5 (LCM-LoRA)")
