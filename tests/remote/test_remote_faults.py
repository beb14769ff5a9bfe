"""Faults on a real ComfyUI server never cost work: Cancel stops only this client's job within a
step (another client's job runs on, the server ends idle), a server that dies mid-job gives a clear
message and no gallery item, and addresses that are not a usable ComfyUI say exactly why."""

from __future__ import annotations

import http.server
import threading
import time

import httpx2 as httpx
import pytest
from comfyui_server import CHECKPOINT_NAME as CHECKPOINT

from desktop.errors import GenerationCancelled
from desktop.gallery import GalleryStore
from desktop.jobs import Job, run_job
from desktop.params import GenerationParams
from desktop.remote.address import ServerAddress, ServerConnection
from desktop.remote.client import ComfyClient
from desktop.remote.engine import RemoteEngine
from desktop.remote.errors import NotComfyServer, ServerUnreachable
from desktop.remote.server_info import check_server

LONG = dict(prompt="a slow fox", width=64, height=64, steps=150, scheduler="Euler", guidance=5.0)


def queue_of(url: str) -> tuple[list, list]:
    data = httpx.get(f"{url}/queue").json()
    return data["queue_running"], data["queue_pending"]


def wait_until(condition, timeout: float = 120.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Background:
    """A job of another client (its own engine and websocket) run on a thread."""

    def __init__(self, connection, store, params) -> None:
        self.engine = RemoteEngine(connection)
        self.engine.load(CHECKPOINT)
        self.steps, self.items, self.error = [], [], None
        self.job = Job(params)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.store = store

    def _run(self) -> None:
        try:
            self.items = run_job(self.engine, self.store, self.job, on_progress=self.steps.append)
        except Exception as error:  # noqa: BLE001 - the test reads it
            self.error = error

    def start(self) -> Background:
        self.thread.start()
        return self

    def join(self) -> None:
        self.thread.join(300)
        self.engine.close()


def test_cancel_stops_this_job_within_a_step_and_the_next_clients_job_runs_on(connection, comfyui, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    ours = Background(connection, store, GenerationParams(**LONG, seed=1001)).start()
    wait_until(lambda: any(step.step >= 2 for step in ours.steps), what="our job's second step")
    theirs = Background(connection, store, GenerationParams(**LONG | {"steps": 4}, seed=1002)).start()
    wait_until(lambda: len(queue_of(comfyui.url)[1]) == 1, what="the other client's job to queue")
    ours.job.cancel.set()
    steps_at_cancel = max(step.step for step in ours.steps)
    ours.join()
    assert isinstance(ours.error, GenerationCancelled)
    assert max(step.step for step in ours.steps) <= steps_at_cancel + 1, "stopped within one step"
    theirs.join()
    assert theirs.error is None and len(theirs.items) == 1, "the other client's job was not interrupted"
    assert [item.params.seed for item in store.items()] == [1002]
    assert queue_of(comfyui.url) == ([], []), "the server is idle"


def test_cancelling_a_waiting_job_takes_it_out_of_the_queue_and_leaves_the_running_one(connection, comfyui, tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    # 100 steps: long enough on a fast server (the CI machine ran 64 px steps about twice as fast as
    # this one) for our job to be queued behind it and cancelled while it still runs.
    theirs = Background(connection, store, GenerationParams(**LONG | {"steps": 100}, seed=2001)).start()
    wait_until(lambda: any(step.step >= 1 for step in theirs.steps), what="the other client's job to run")
    ours = Background(connection, store, GenerationParams(**LONG | {"steps": 4}, seed=2002)).start()
    wait_until(lambda: any(step.status for step in ours.steps), what="our job to wait in the queue")
    assert "1 job ahead" in next(step.status for step in ours.steps if step.status)
    ours.job.cancel.set()
    ours.join()
    assert isinstance(ours.error, GenerationCancelled)
    running, waiting = queue_of(comfyui.url)
    assert waiting == [], "our job left the queue at once"
    assert len(running) == 1, "their job runs on"
    theirs.join()
    assert theirs.error is None and [item.params.seed for item in store.items()] == [2001]


def test_a_server_that_dies_mid_job_gives_a_clear_message_and_no_gallery_item(tmp_path):
    from comfyui_server import start

    server = start(tmp_path / "doomed")
    try:
        engine = RemoteEngine(ServerConnection(ServerAddress.parse(server.url)), reconnect_s=3)
        engine.load(CHECKPOINT)
        store = GalleryStore(tmp_path / "gallery")
        steps = []
        killer = threading.Thread(
            target=lambda: (wait_until(lambda: any(s.step >= 1 for s in steps), what="a step"), server.kill()),
            daemon=True,
        )
        killer.start()
        with pytest.raises(ServerUnreachable, match="Lost the connection to 127.0.0.1 during the job") as raised:
            run_job(engine, store, Job(GenerationParams(**LONG, seed=3)), on_progress=steps.append)
        assert "Images already saved are kept" in raised.value.message
        assert store.items() == []
        engine.close()
    finally:
        server.stop()


def test_nothing_listening_is_said_plainly(tmp_path):
    from comfyui_server import free_port

    client = ComfyClient(ServerAddress.parse(f"127.0.0.1:{free_port()}"))
    with pytest.raises(ServerUnreachable, match="Nothing is listening at 127.0.0.1:"):
        check_server(client)


class _NotComfy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the standard library's name
        body = b"<html><body>My router</body></html>" if self.path == "/" else b"Not found"
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def test_another_web_server_is_not_taken_for_comfyui():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotComfy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = ComfyClient(ServerAddress.parse(f"127.0.0.1:{server.server_address[1]}"))
        with pytest.raises(NotComfyServer, match="is not a ComfyUI server"):
            check_server(client)
    finally:
        server.shutdown()


def test_test_connection_names_the_version_and_device(connection):
    with ComfyClient(connection.address) as client:
        info = check_server(client)
    assert info.version == "0.12.1" and info.device_type == "cpu"
    assert info.describe().startswith(f"ComfyUI 0.12.1 at {connection.address.text}: no GPU")
