"""The engine in a process of its own (the app's path): jobs, previews and saved images come back
as events, cancel reaches it, a crash of the process is a readable failure, and closing ends it."""

import time

from desktop.gallery import GalleryStore
from desktop.jobs import Job
from desktop.params import GenerationParams, LoraRef


def start_host(qtbot, tmp_path):
    from desktop.workers.generation_worker import WorkerHost

    host = WorkerHost(GalleryStore(tmp_path / "gallery"), "cpu", separate_process=True)
    events = []
    for name in (
        "deviceReady",
        "modelReady",
        "jobStarted",
        "jobProgress",
        "imageSaved",
        "jobFinished",
        "jobFailed",
        "jobCancelled",
        "preparing",
        "prepared",
    ):
        getattr(host.worker, name).connect(lambda *args, name=name: events.append((name, args)))
    host.start()
    return host, events


def names(events):
    return [name for name, _ in events]


def test_a_job_runs_in_the_engine_process_and_its_images_reach_the_window(qtbot, tmp_path, tiny_model):
    host, events = start_host(qtbot, tmp_path)
    try:
        params = GenerationParams("fox", model=str(tiny_model), width=64, height=64, steps=3, seed=5, batch_count=2)
        host.submit(Job(params))
        qtbot.waitUntil(lambda: "jobFinished" in names(events), timeout=120_000)
        assert host.worker.engine is None  # nothing of the engine in this process
        saved = [args for name, args in events if name == "imageSaved"]
        assert [args[1].params.seed for args in saved] == [5, 6]
        assert all(args[1].path.is_file() and args[2].size == (64, 64) for args in saved)
        previews = [args[1].preview for name, args in events if name == "jobProgress"]
        assert any(preview is not None for preview in previews)
        assert "CPU" in next(args[0] for name, args in events if name == "deviceReady")

        slow = Job(GenerationParams("slow fox", model=str(tiny_model), width=64, height=64, steps=150, seed=1))
        host.submit(slow)
        qtbot.waitUntil(lambda: names(events).count("jobProgress") > 8, timeout=60_000)
        slow.cancel.set()
        qtbot.waitUntil(lambda: "jobCancelled" in names(events), timeout=60_000)
        assert len(GalleryStore(tmp_path / "gallery", housekeeping=False)) == 2  # the cancelled job saved nothing
    finally:
        started = time.monotonic()
        host.shutdown()
        assert time.monotonic() - started < 3


def test_the_engine_process_gets_a_lora_ready_before_the_job(qtbot, tmp_path, tiny_model):
    import make_tiny_assets as tiny

    lora = tiny.make_tiny_lora(tiny_model, tmp_path / "logo-style.safetensors")
    host, events = start_host(qtbot, tmp_path)
    try:
        params = GenerationParams(
            "fox", model=str(tiny_model), width=64, height=64, steps=2, loras=(LoraRef(str(lora), 0.7),)
        )
        host.submitModel.emit(str(tiny_model), "")
        qtbot.waitUntil(lambda: "modelReady" in names(events), timeout=120_000)
        host.prepare(params)
        qtbot.waitUntil(lambda: "prepared" in names(events), timeout=60_000)
        told = [args for name, args in events if name in ("preparing", "prepared")]
        assert told == [("LoRAs",), ("LoRAs", True)]
    finally:
        host.shutdown()


def test_an_engine_process_that_dies_is_a_readable_failure_and_the_next_job_starts_a_new_one(
    qtbot, tmp_path, tiny_model
):
    host, events = start_host(qtbot, tmp_path)
    try:
        slow = GenerationParams("fox", model=str(tiny_model), width=64, height=64, steps=150, seed=5)
        host.submit(Job(slow))
        qtbot.waitUntil(lambda: "jobProgress" in names(events), timeout=120_000)
        host.worker._process._process.kill()  # as if the system killed it for memory, mid-job
        qtbot.waitUntil(lambda: "jobFailed" in names(events), timeout=60_000)
        message = next(args[1] for name, args in events if name == "jobFailed")
        assert "The engine stopped unexpectedly" in message
        host.submit(Job(GenerationParams("fox", model=str(tiny_model), width=64, height=64, steps=2, seed=5)))
        qtbot.waitUntil(lambda: "jobFinished" in names(events), timeout=120_000)
    finally:
        host.shutdown()
