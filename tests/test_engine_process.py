"""The engine in a process of its own (the app's path): jobs, previews and saved images come back
as events, cancel reaches it, a crash of the process is a readable failure after which the engine
comes back with its model, closing ends it (also in the middle of loading a model), and its errors
reach the app's log when there is no console."""

import contextlib
import multiprocessing
import os
import subprocess
import sys
import threading
import time

import pytest

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


def engine_processes() -> list:
    """The engine processes this test process started and that have not been reaped."""
    return [child for child in multiprocessing.active_children() if child.name == "logo-studio-engine"]


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
        [child] = engine_processes()
    finally:
        host.shutdown()
    assert not child.is_alive()  # closing the window ends the engine process


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


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="a named pipe makes the model load hang")
def test_closing_while_the_engine_process_loads_a_model_ends_it(qtbot, tmp_path):
    stuck = tmp_path / "stuck-model"
    stuck.mkdir()
    os.mkfifo(stuck / "model_index.json")  # reading it waits for a writer that never comes: a load that never ends
    host, events = start_host(qtbot, tmp_path)
    try:
        qtbot.waitUntil(lambda: "deviceReady" in names(events), timeout=120_000)
        loading = []
        host.worker.modelLoading.connect(lambda model: loading.append(model))
        host.submitModel.emit(str(stuck), "")
        qtbot.waitUntil(lambda: loading == [str(stuck)], timeout=60_000)
        [child] = engine_processes()
        host.shutdown()
        assert not child.is_alive()
    finally:
        for left in engine_processes():  # only when the test fails: no process left blocked on the pipe
            left.kill()


def test_after_the_engine_process_dies_the_next_one_loads_the_model_and_prepares(qtbot, tmp_path, tiny_model):
    import make_tiny_assets as tiny

    lora = tiny.make_tiny_lora(tiny_model, tmp_path / "logo-style.safetensors")
    host, events = start_host(qtbot, tmp_path)
    try:
        host.submitModel.emit(str(tiny_model), "")
        qtbot.waitUntil(lambda: "modelReady" in names(events), timeout=120_000)
        [child] = engine_processes()
        child.kill()  # as if the system killed it for memory
        qtbot.waitUntil(lambda: not child.is_alive(), timeout=10_000)
        events.clear()
        params = GenerationParams("fox", model=str(tiny_model), width=64, height=64, loras=(LoraRef(str(lora), 0.7),))
        host.prepare(params)
        qtbot.waitUntil(lambda: "prepared" in names(events), timeout=120_000)
        assert [args for name, args in events if name in ("modelReady", "preparing", "prepared")] == [
            (str(tiny_model),),
            ("LoRAs",),
            ("LoRAs", True),
        ]
    finally:
        host.shutdown()


def test_stopping_from_another_thread_never_interleaves_with_a_command_being_sent(tmp_path):
    from desktop.workers.engine_process import EngineProcess, EngineProcessGone

    engine = EngineProcess(tmp_path / "gallery", "cpu")
    real, sends, inside, release = engine._connection, [], threading.Event(), threading.Event()

    class SlowPipe:  # holds the worker's command in the middle of being sent
        def send(self, message):
            sends.append(("enter", message[0]))
            if message[0] == "initialize":
                inside.set()
                release.wait(30)
            real.send(message)
            sends.append(("leave", message[0]))

        def __getattr__(self, name):
            return getattr(real, name)

    engine._connection = SlowPipe()

    def initialize():  # on the worker's thread; the window closing ends it one way or the other
        with contextlib.suppress(EngineProcessGone):
            engine.call("initialize", emit=lambda *event: None)

    worker = threading.Thread(target=initialize, daemon=True)
    worker.start()
    assert inside.wait(30)
    closing = threading.Thread(target=engine.stop, daemon=True)  # the window closing
    closing.start()
    for _ in range(200):  # a stop that does not wait for the pipe is inside send() within microseconds
        if ("enter", "stop") in sends:
            break
        time.sleep(0.01)
    release.set()
    closing.join(30)
    worker.join(30)
    assert sends[:2] == [("enter", "initialize"), ("leave", "initialize")]
    assert not engine.alive


@pytest.mark.skipif(sys.platform == "win32", reason="started without stdout and stderr through a POSIX fork")
def test_without_a_console_the_engine_process_writes_its_errors_to_the_apps_log(tmp_path):
    from no_network_child import guarded_env

    script = (
        "import os, sys\n"
        # Hold the numbers of the missing stdout and stderr (closed on exec), so that the pipes to
        # the engine process do not take them and it starts without a console as well.
        "os.open(os.devnull, os.O_WRONLY), os.open(os.devnull, os.O_WRONLY)\n"
        "from desktop.workers.engine_process import EngineProcess\n"
        "engine = EngineProcess(sys.argv[1], 'cpu')\n"
        "told = []\n"
        "engine.call('run', 'not a job', emit=lambda *event: told.append(event))\n"
        "engine.stop()\n"
        "open(sys.argv[2], 'w').write(repr(told))\n"
    )
    env = guarded_env(tmp_path / "guard")
    env["LOGO_STUDIO_DATA_DIR"] = str(tmp_path / "data")
    answer = tmp_path / "answer.txt"

    def no_console():  # as a windowed app starts: Python then has no sys.stdout and sys.stderr
        os.close(1)
        os.close(2)

    command = [sys.executable, "-c", script, str(tmp_path / "gallery"), str(answer)]
    subprocess.run(command, env=env, stdin=subprocess.DEVNULL, preexec_fn=no_console, timeout=300, check=True)
    assert "Details are in the log" in answer.read_text()
    log = (tmp_path / "data" / "logo-studio.log").read_text()
    assert "the run command failed" in log and "Traceback" in log and "ValueError" in log
