"""Faults: processes killed mid-save, cancel storms, out-of-memory, broken and hostile input."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


def test_killing_a_saving_process_never_loses_or_corrupts_saved_items(tmp_path):
    from gallery_crash import run_trials

    result = run_trials(tmp_path, trials=12, seed=1)
    assert result["items saved"] > 0


def test_tests_cannot_reach_the_network():
    import socket

    from conftest import NetworkAccessError

    with pytest.raises(NetworkAccessError):
        socket.create_connection(("huggingface.co", 443), timeout=1)
    with pytest.raises(NetworkAccessError), socket.socket() as raw:
        raw.connect(("140.82.112.3", 443))


def test_cancel_storm_every_job_ends_once_and_the_worker_returns_to_idle(qtbot, tiny_model):
    from cancel_storm import storm

    result = storm(str(tiny_model), cycles=40, seed=2, pump=lambda: qtbot.wait(2))
    assert result["cancelled"] + result["finished"] == 40
    assert result["cancelled"] >= 20
    assert result["saved"] == result["finished"]  # a cancelled job saves nothing
    assert result["memory growth MB"] < 50


def out_of_memory_worker(tmp_path, tiny_model, monkeypatch, failures: int):
    """A worker (used synchronously) whose UNet runs out of memory ``failures`` times first."""
    import torch

    from desktop.gallery import GalleryStore
    from desktop.workers.generation_worker import GenerationWorker

    worker = GenerationWorker(GalleryStore(tmp_path / "gallery"), "cpu")
    worker.loadModel(str(tiny_model))
    unet = worker.engine.pipeline("txt2img").unet
    original = unet.forward
    calls = {"failures": failures}

    def forward(*args, **kwargs):
        if calls["failures"]:
            calls["failures"] -= 1
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 3.00 GiB")
        return original(*args, **kwargs)

    monkeypatch.setattr(unet, "forward", forward)
    events = []
    for name in ("jobWarning", "jobFinished", "jobFailed", "imageSaved"):
        getattr(worker, name).connect(lambda *args, name=name: events.append((name, args[1:])))
    return worker, events, calls


def test_out_of_memory_turns_the_savers_on_and_retries(tmp_path, tiny_model, monkeypatch):
    from desktop.params import GenerationParams
    from desktop.workers.generation_worker import Job

    worker, events, _ = out_of_memory_worker(tmp_path, tiny_model, monkeypatch, failures=1)
    params = GenerationParams("fox", width=64, height=64, steps=2, seed=5, batch_count=2, model=str(tiny_model))
    worker.runJob(Job(params))
    names = [name for name, _ in events]
    assert names == ["jobWarning", "imageSaved", "imageSaved", "jobFinished"]
    assert "memory savers are now on" in events[0][1][0]
    assert [args[0].params.seed for name, args in events if name == "imageSaved"] == [5, 6]
    assert worker.engine.savers.attention_slicing and worker.engine.savers.vae_tiling


def test_out_of_memory_even_with_savers_gives_advice_and_the_worker_stays_usable(tmp_path, tiny_model, monkeypatch):
    from desktop.params import GenerationParams
    from desktop.workers.generation_worker import Job

    worker, events, calls = out_of_memory_worker(tmp_path, tiny_model, monkeypatch, failures=1000)
    params = GenerationParams("fox", width=64, height=64, steps=2, seed=5, model=str(tiny_model))
    worker.runJob(Job(params))
    assert [name for name, _ in events] == ["jobWarning", "jobFailed"]
    assert "smaller size or batch" in events[-1][1][0]
    calls["failures"] = 0  # memory is free again
    events.clear()
    worker.runJob(Job(params))
    assert [name for name, _ in events] == ["imageSaved", "jobFinished"]


def test_truncated_png_and_non_image_files_are_named(tmp_path):
    from PIL import Image

    from desktop.errors import InvalidParameters
    from desktop.imageops import open_image

    whole = tmp_path / "whole.png"
    Image.new("RGB", (64, 64), "red").save(whole)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(whole.read_bytes()[:60])
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    for path in (truncated, notes):
        with pytest.raises(InvalidParameters, match=f"{path.name} is not a readable image"):
            open_image(path)


def test_huge_images_are_fitted_and_bombs_refused(tmp_path, monkeypatch):
    from PIL import Image

    from desktop.errors import InvalidParameters
    from desktop.imageops import fit_for_generation, open_image

    big = tmp_path / "big.png"
    Image.new("RGB", (5000, 3000), "white").save(big)
    fitted, note = fit_for_generation(open_image(big))
    assert fitted.size == (2048, 1224) and "5000×3000" in note
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(InvalidParameters, match="too large to open safely"):
        open_image(big)


def test_unreadable_model_folder_is_a_load_error(tiny_model, monkeypatch):
    import diffusers

    from desktop.engine import Engine, choose_device
    from desktop.errors import ModelLoadError

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tiny_model / "unet"))

    monkeypatch.setattr(diffusers.DiffusionPipeline, "from_pretrained", denied)
    with pytest.raises(ModelLoadError, match="Permission denied"):
        Engine(choose_device("cpu")).load(str(tiny_model))


def test_read_only_data_folder_fails_the_job_with_a_message_and_loses_nothing(tmp_path, tiny_model, monkeypatch):
    import errno
    import os

    from desktop.gallery import GalleryStore
    from desktop.params import GenerationParams
    from desktop.workers.generation_worker import GenerationWorker, Job

    store = GalleryStore(tmp_path / "gallery")
    worker = GenerationWorker(store, "cpu")
    events = []
    worker.jobFailed.connect(lambda job_id, message: events.append(("failed", message)))
    worker.jobFinished.connect(lambda job_id: events.append(("finished", "")))
    params = GenerationParams("fox", width=64, height=64, steps=2, seed=1, model=str(tiny_model))
    worker.runJob(Job(params))
    [kept] = store.items()

    real_replace = os.replace

    def read_only(source, target):
        raise OSError(errno.EROFS, "Read-only file system", str(target))

    monkeypatch.setattr(os, "replace", read_only)
    worker.runJob(Job(params))
    assert events[-1][0] == "failed" and "no permission to write" in events[-1][1]
    monkeypatch.setattr(os, "replace", real_replace)
    assert [item.id for item in GalleryStore(tmp_path / "gallery").items()] == [kept.id]
    assert not list((tmp_path / "gallery" / "images").glob(".tmp-*"))
    worker.runJob(Job(params))
    assert events[-1][0] == "finished"
