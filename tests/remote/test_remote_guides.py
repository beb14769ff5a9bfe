"""A guide on a real ComfyUI server: the same sketch becomes the same control image, the server's
ControlNet follows it (strength 0 changes nothing), and the gallery keeps the guide for remaking."""

from __future__ import annotations

import json

import numpy as np
import pytest
from comfyui_server import CONTROLNET_NAME
from PIL import Image, ImageDraw

from desktop.gallery import GalleryStore
from desktop.jobs import Job, run_job
from desktop.params import GenerationParams, Guide
from desktop.remote.errors import NotOnServer


def sketch() -> Image.Image:
    drawing = Image.new("RGB", (96, 96), "white")
    ImageDraw.Draw(drawing).ellipse((14, 14, 82, 82), outline="black", width=4)
    return drawing


def request(guide=None, seed=606) -> GenerationParams:
    return GenerationParams("a fox logo", width=64, height=64, steps=3, seed=seed, scheduler="Euler", guide=guide)


def pixels(item) -> np.ndarray:
    with Image.open(item.path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_the_servers_controlnet_follows_the_guide_and_strength_zero_changes_nothing(remote_engine, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    plain = run_job(remote_engine, store, Job(request()))[0]
    followed = Guide("sketch", CONTROLNET_NAME[:-12], strength=1.0, start=0.0, end=1.0)
    guided = run_job(remote_engine, store, Job(request(followed), guide=sketch()))[0]
    ignored = run_job(remote_engine, store, Job(request(Guide("sketch", CONTROLNET_NAME, 0.0)), guide=sketch()))[0]
    assert np.abs(pixels(plain) - pixels(guided)).mean() > 2
    assert np.array_equal(pixels(plain), pixels(ignored))
    assert guided.params.guide == Guide("sketch", CONTROLNET_NAME, 1.0, 0.0, 1.0), "the server's file name is recorded"
    assert guided.guide_picture().tobytes() == sketch().tobytes(), "the guide is kept beside the image"
    with Image.open(guided.path) as saved:
        graph = json.loads(saved.text["prompt"])
        assert f'ControlNet 0: "Module: invert, Model: {CONTROLNET_NAME}, Weight: 1' in saved.text["parameters"]
    apply = next(node["inputs"] for node in graph.values() if node["class_type"] == "ControlNetApplyAdvanced")
    assert (apply["strength"], apply["start_percent"], apply["end_percent"]) == (1.0, 0.0, 1.0)


def test_a_controlnet_the_server_lacks_is_named(remote_engine, tmp_path):
    missing = Guide("edges", "control_v11p_sd15_canny.safetensors")
    with pytest.raises(NotOnServer, match=r"no ControlNet named control_v11p_sd15_canny.*tiny-scribble"):
        run_job(remote_engine, GalleryStore(tmp_path / "gallery"), Job(request(missing), guide=sketch()))
