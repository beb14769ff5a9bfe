"""Running one API graph on a ComfyUI server and waiting for its image: queue it, report its
place in the queue, each sampler step and the server's previews, stop it on cancel (only this
job: an interrupt naming its prompt id, or taking it out of the queue), ride out a dropped
connection (reconnect and pick the job up where the server is), and turn every failure into a
message. The image is fetched only when the server says the job succeeded: never half an image.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from desktop.errors import GenerationCancelled
from desktop.remote.client import ComfyClient
from desktop.remote.errors import NotOnServer, ServerJobFailed, ServerOutOfMemory, ServerUnreachable
from desktop.remote.events import PREVIEW, EventStream
from desktop.remote.graph import output_node, sampler_node

POLL_S = 0.1  # how often the cancel flag is looked at while waiting for the server
QUEUE_CHECK_S = 1.0  # how often a waiting job asks for its place in the queue
RECONNECT_S = 20.0  # how long a dropped connection is tried again before the job fails
STOP_WAIT_S = 30.0  # how long a cancel waits for the server to confirm the job stopped
_MODEL_INPUTS = {
    "ckpt_name": "checkpoint",
    "unet_name": "diffusion model",
    "lora_name": "LoRA",
    "clip_name1": "text encoder",
    "clip_name2": "text encoder",
    "vae_name": "autoencoder",
    "control_net_name": "ControlNet",
}


@dataclass(frozen=True)
class Step:
    """Where a job stands: ``step`` of ``total`` sampler steps, the server's ``preview`` if it sent
    one, and ``status`` words while it waits (its place in the queue, a reconnect)."""

    step: int
    total: int
    preview: Image.Image | None = None
    status: str = ""


def refusal(address: str, answer: dict) -> Exception:
    """The words for a graph the server would not queue (its validation errors)."""
    for errors in (answer.get("node_errors") or {}).values():
        for error in errors.get("errors", []):
            info = error.get("extra_info") or {}
            what = _MODEL_INPUTS.get(info.get("input_name", ""))
            if what and error.get("type") == "value_not_in_list":
                return NotOnServer(
                    f"{address} has no {what} named {info.get('received_value')}. Choose one it lists, or copy the "
                    "file into its models folder and refresh."
                )
    error = answer.get("error") or {}
    text = error.get("message") if isinstance(error, dict) else str(error)
    details = [
        e.get("details", "") for errors in (answer.get("node_errors") or {}).values() for e in errors.get("errors", [])
    ]
    detail = f" ({'; '.join(d for d in details if d)})" if any(details) else ""
    return ServerJobFailed(f"{address} refused the job: {text or 'no reason given'}{detail}.")


def failure(address: str, data: dict) -> Exception:
    """The words for an execution_error event."""
    kind = str(data.get("exception_type", ""))
    message = str(data.get("exception_message", "")).strip()
    if "OutOfMemory" in kind or "out of memory" in message.lower():
        return ServerOutOfMemory(
            f"The GPU of {address} ran out of memory. Try a smaller size, fewer LoRAs, or ask for fewer images; "
            "other jobs on the server may be using its memory."
        )
    node = data.get("node_type") or "a node"
    return ServerJobFailed(f"The job failed on {address} in {node}: {message or kind or 'no reason given'}.")


class GraphRun:
    """One graph's run on the server, reporting through ``report`` (a Step at a time)."""

    def __init__(
        self,
        client: ComfyClient,
        stream: EventStream,
        cancel: threading.Event,
        report: Callable[[Step], None],
        reconnect_s: float = RECONNECT_S,
    ) -> None:
        self.client = client
        self.stream = stream
        self.cancel = cancel
        self.report = report
        self.reconnect_s = reconnect_s
        self.host = client.address.host

    def __call__(self, graph: dict) -> Image.Image:
        """Queue ``graph`` (the events socket open), wait for it and return its image."""
        answer = self.client.queue_prompt(graph, self.stream.client_id)
        prompt_id = answer.get("prompt_id")
        if not prompt_id:
            raise refusal(self.host, answer)
        try:
            return self._wait(graph, prompt_id)
        except KeyboardInterrupt:  # Ctrl+C on the command line: the server's GPU must stop too
            with contextlib.suppress(Exception):
                self.cancel.set()
                self._stop(prompt_id, wait=False)  # the command ends now; the server stops at its next step
            raise

    def _wait(self, graph: dict, prompt_id: str) -> Image.Image:
        sampler = sampler_node(graph)
        total = int(graph[sampler]["inputs"]["steps"])
        # A job that starts at once never asks for its place in the queue (no request on its path).
        step, started, next_check = 0, False, time.monotonic() + QUEUE_CHECK_S
        while True:
            if self.cancel.is_set():
                self._stop(prompt_id)
            try:
                event = self.stream.next(POLL_S)
            except ServerUnreachable:
                outcome = self._reconnect(prompt_id)
                if outcome is not None:
                    return self._image(graph, outcome)
                continue
            if event is None or not event.prompt_id:
                if not started and time.monotonic() >= next_check:
                    self._report_place(prompt_id, total)
                    next_check = time.monotonic() + QUEUE_CHECK_S
                continue
            if event.prompt_id != prompt_id:
                continue
            if event.kind == "execution_start":
                started = True
                self.report(Step(0, total))
            elif event.kind == "progress" and str(event.data.get("node")) == sampler:
                started, step = True, int(event.data.get("value", step))
                total = int(event.data.get("max", total))
                self.report(Step(step, total))
            elif event.kind == PREVIEW:
                self.report(Step(step, total, event.image))
            elif event.kind == "execution_success":
                return self._image(graph, self._finished(prompt_id))
            elif event.kind == "execution_error":
                raise failure(self.host, event.data)
            elif event.kind == "execution_interrupted":
                if self.cancel.is_set():
                    raise GenerationCancelled("Generation was cancelled.")
                raise ServerJobFailed(f"The job was stopped on {self.host} (someone cancelled it there).")

    def _report_place(self, prompt_id: str, total: int) -> None:
        running, pending = self.client.queue()
        if prompt_id in pending:
            ahead = pending.index(prompt_id) + len(running)
            jobs = "job" if ahead == 1 else "jobs"
            self.report(Step(0, total, status=f"Waiting on {self.host}: {ahead} {jobs} ahead in its queue"))

    def _finished(self, prompt_id: str) -> dict:
        """The finished job's history (the server writes it as it sends the success event)."""
        for _ in range(50):
            record = self.client.history(prompt_id)
            if record is not None:
                return record
            time.sleep(POLL_S)
        raise ServerJobFailed(f"{self.host} said the job finished but has no record of it.")

    def _image(self, graph: dict, record: dict) -> Image.Image:
        status = record.get("status") or {}
        if status.get("status_str") == "error":
            messages = [m for m in status.get("messages", []) if isinstance(m, list) and m[0] == "execution_error"]
            raise failure(self.host, messages[-1][1] if messages else {})
        images = (record.get("outputs") or {}).get(output_node(graph), {}).get("images") or []
        if not images:
            raise ServerJobFailed(f"{self.host} finished the job without an image.")
        return self.client.image(images[0])

    def _stop(self, prompt_id: str, wait: bool = True) -> None:
        """Cancel this job alone: out of the queue if it waits, interrupted if it runs; then (``wait``)
        until the server says it stopped (so the server is idle when the window says Cancelled)."""
        for _ in range(3):  # a job can start between the look at the queue and the dequeue
            running, pending = self.client.queue()
            if prompt_id in pending:
                self.client.dequeue(prompt_id)
                continue
            if prompt_id in running:
                self.client.interrupt(prompt_id)
                if wait:
                    self._wait_until_stopped(prompt_id)
            break
        raise GenerationCancelled("Generation was cancelled.")

    def _wait_until_stopped(self, prompt_id: str) -> None:
        deadline = time.monotonic() + STOP_WAIT_S
        while time.monotonic() < deadline:
            try:
                event = self.stream.next(POLL_S)
            except ServerUnreachable:
                return
            ended = ("execution_interrupted", "execution_error", "execution_success")
            if event is not None and event.prompt_id == prompt_id and event.kind in ended:
                return

    def _reconnect(self, prompt_id: str) -> dict | None:
        """After a drop: connect again (for up to ``reconnect_s``), then find the job. Returns its
        history when it finished meanwhile, None when it still waits or runs; raises when it is
        gone (the server restarted) or the server stays out of reach."""
        deadline = time.monotonic() + self.reconnect_s
        while True:
            if self.cancel.is_set():
                raise GenerationCancelled("Generation was cancelled.")
            try:
                self.stream.open()
                break
            except ServerUnreachable as error:
                if time.monotonic() >= deadline:
                    raise ServerUnreachable(
                        f"Lost the connection to {self.host} during the job and could not reconnect within "
                        f"{self.reconnect_s:g} s ({error.message}) Images already saved are kept; generate again "
                        "when the server is back, or switch to This computer."
                    ) from error
                self.report(Step(0, 0, status=f"Connection to {self.host} lost; reconnecting…"))
                time.sleep(1.0)
        record = self.client.history(prompt_id)
        if record is not None:
            return record
        running, pending = self.client.queue()
        if prompt_id not in running and prompt_id not in pending:
            raise ServerJobFailed(
                f"{self.host} no longer has the job (it restarted during it). Images already saved are kept; "
                "generate again."
            )
        return None
