"""Jobs on a real ComfyUI server (tests/comfyui_server.py): every job kind keeps its meaning, the
images land in the gallery with the graph that made them, and they can be made again."""

from __future__ import annotations

import io
import json
import time

import httpx2 as httpx
import numpy as np
import pytest
from comfyui_server import CHECKPOINT_NAME as CHECKPOINT
from comfyui_server import FAST_LORA, STYLE_LORA, free_server_cache
from PIL import Image, ImageDraw

from desktop.gallery import GalleryStore
from desktop.inputs import feather_mask
from desktop.jobs import Job, run_job
from desktop.params import FAST, IMG2IMG, INPAINT, GenerationParams, LoraRef


def request(**changes) -> GenerationParams:
    values = dict(prompt="a fox logo", width=64, height=64, steps=3, seed=11, scheduler="Euler", guidance=6.0)
    values.update(changes)
    return GenerationParams(**values)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def saved(item) -> Image.Image:
    with Image.open(item.path) as image:
        image.load()
        return image


def run(engine, store, params, **job_fields):
    steps = []
    items = run_job(engine, store, Job(params, **job_fields), on_progress=steps.append)
    return items, steps


def test_image_i_of_a_batch_is_the_single_job_with_seed_plus_i(remote_engine, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    batch, _ = run(remote_engine, store, request(seed=40, batch_count=3))
    single, _ = run(remote_engine, store, request(seed=42))
    assert [item.params.seed for item in batch] == [40, 41, 42]
    assert np.array_equal(pixels(saved(batch[2])), pixels(saved(single[0])))
    assert not np.array_equal(pixels(saved(batch[0])), pixels(saved(batch[1])))


def test_the_same_job_gives_the_same_pixels_after_the_server_forgot_it(remote_engine, comfyui, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    free_server_cache(comfyui.url)  # see free_server_cache: a LoRA job earlier in the run leaves its trace
    first, _ = run(remote_engine, store, request(seed=7, width=96, height=64))
    free_server_cache(comfyui.url)
    second, steps = run(remote_engine, store, request(seed=7, width=96, height=64))
    assert saved(first[0]).size == (96, 64)
    assert max(step.step for step in steps) == 3, "the second job really ran on the server"
    assert np.array_equal(pixels(saved(first[0])), pixels(saved(second[0])))


def test_progress_counts_every_sampler_step_and_the_server_sends_previews(remote_engine, tmp_path):
    _, steps = run(remote_engine, GalleryStore(tmp_path / "gallery"), request(seed=501, steps=5))
    assert sorted({step.step for step in steps if step.step}) == [1, 2, 3, 4, 5]
    assert {step.total for step in steps} == {5}
    previews = [step.preview() for step in steps if step.preview() is not None]
    assert previews and all(isinstance(preview, Image.Image) for preview in previews)


def test_variations_run_steps_times_strength_as_on_this_computer(remote_engine, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    start = Image.new("RGB", (64, 64), "#d04020")
    items, steps = run(remote_engine, store, request(mode=IMG2IMG, steps=10, strength=0.5, seed=3), image=start)
    assert max(step.step for step in steps) == 5 and {step.total for step in steps} == {5}
    assert items[0].params.mode == IMG2IMG and items[0].params.strength == 0.5
    result = pixels(saved(items[0]))
    assert np.abs(result - pixels(start)).mean() > 1, "the variation differs from its start"


@pytest.mark.parametrize("only_masked", [False, True])
def test_inpainting_keeps_every_pixel_outside_the_feathered_mask(remote_engine, tmp_path, only_masked):
    store = GalleryStore(tmp_path / "gallery")
    original = Image.effect_noise((64, 64), 60).convert("RGB")
    mask = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(mask).ellipse((20, 18, 44, 40), fill=255)
    params = request(mode=INPAINT, mask_blur=3, inpaint_only_masked=only_masked, inpaint_padding=6, seed=21)
    items, _ = run(remote_engine, store, params, image=original, mask=mask)
    result, feathered = pixels(saved(items[0])), np.asarray(feather_mask(mask, 3))
    outside, inside = feathered == 0, feathered == 255
    assert np.array_equal(result[outside], pixels(original)[outside])
    assert np.abs(result[inside] - pixels(original)[inside]).mean() > 5, "the masked part was repainted"


def test_a_lora_on_the_server_changes_the_image_and_is_recorded(remote_engine, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    plain, _ = run(remote_engine, store, request(seed=90))
    styled, _ = run(remote_engine, store, request(seed=90, prompt=f"a fox logo <lora:{STYLE_LORA[:-12]}:1.5>"))
    assert not np.array_equal(pixels(saved(plain[0])), pixels(saved(styled[0])))
    assert styled[0].params.loras == (LoraRef(STYLE_LORA, 1.5),)
    assert styled[0].params.prompt == "a fox logo"


def test_fast_uses_the_families_few_step_lora_from_the_server(remote_engine, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    items, steps = run(remote_engine, store, request(speed=FAST, steps=25, guidance=7.5, scheduler="DPM++ 2M Karras"))
    made = items[0].params
    assert (made.scheduler, made.steps, made.guidance) == ("LCM", 4, 1.0)
    assert [lora.ref for lora in made.loras] == [FAST_LORA] and made.loras[0].fast
    assert not made.tiny_decode, "a server decodes drafts in full: nothing to remake at export"
    graph = json.loads(Image.open(items[0].path).text["prompt"])
    sampler = next(node for node in graph.values() if node["class_type"] == "KSampler")["inputs"]
    assert (sampler["sampler_name"], sampler["scheduler"], sampler["steps"], sampler["cfg"]) == (
        "lcm",
        "sgm_uniform",
        4,
        1.0,
    )
    assert any(node["inputs"].get("lora_name") == FAST_LORA for node in graph.values())
    assert max(step.step for step in steps) == 4


def test_the_saved_png_reopens_in_comfyui_and_its_graph_remakes_the_pixels(remote_engine, comfyui, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    free_server_cache(comfyui.url)
    items, _ = run(remote_engine, store, request(seed=77, colors=("#ff6600",)))
    with Image.open(items[0].path) as saved:
        graph, saved_pixels = json.loads(saved.text["prompt"]), pixels(saved)
        assert items[0].params.server == comfyui.url
        assert f'ComfyUI server: "{comfyui.url}"' in saved.text["parameters"]
    assert any("orange" in node["inputs"].get("text", "") for node in graph.values()), "brand colour in words"
    free_server_cache(comfyui.url)
    prompt_id = httpx.post(f"{comfyui.url}/prompt", json={"prompt": graph}).json()["prompt_id"]
    record = wait_for_history(comfyui.url, prompt_id)
    output = next(iter(record["outputs"].values()))["images"][0]
    again = httpx.get(f"{comfyui.url}/view", params=output).content
    assert np.array_equal(pixels(Image.open(io.BytesIO(again))), saved_pixels)


def wait_for_history(url: str, prompt_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = httpx.get(f"{url}/history/{prompt_id}").json().get(prompt_id)
        if record and record.get("status", {}).get("completed"):
            return record
        time.sleep(0.2)
    raise AssertionError(f"{prompt_id} did not finish")


def test_the_server_keeps_no_output_files(remote_engine, comfyui, tmp_path):
    run(remote_engine, GalleryStore(tmp_path / "gallery"), request(seed=5150))
    output = comfyui.base / "output"
    assert not output.exists() or not any(path.is_file() for path in output.rglob("*"))


def test_a_model_or_lora_the_server_lacks_is_named(connection, tmp_path):
    from desktop.remote.engine import RemoteEngine
    from desktop.remote.errors import NotOnServer

    engine = RemoteEngine(connection)
    with pytest.raises(NotOnServer, match=r"no model named dreamshaper\.safetensors.*tiny-sd15"):
        engine.load("dreamshaper.safetensors")
    engine.load(CHECKPOINT)
    store = GalleryStore(tmp_path / "gallery")
    with pytest.raises(NotOnServer, match="no LoRA named neon-glow"):
        run(engine, store, request(loras=(LoraRef("neon-glow.safetensors", 0.8),)))
    with pytest.raises(Exception, match="no LoRA called retro80s"):
        run(engine, store, request(prompt="a fox <lora:retro80s:1>"))
    assert store.items() == []
    engine.close()
