"""The engine in a process of its own, so the window never stalls.

Importing torch and diffusers and loading a model hold Python's GIL for stretches of 150-250 ms
(C extension start-up, large regex compiles); in the window's process that froze the window. Here
a child process (multiprocessing "spawn") runs an EngineService; the generation worker's thread
sends it commands and turns its events into Qt signals. Images and previews cross as pickled PIL
images; cancel is a multiprocessing Event the worker sets when the job's own flag is set. The child
writes its errors where the app writes its own: the terminal, or the app's log file when there is no
console (desktop.app_log).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import threading
import traceback
from collections.abc import Callable

from desktop.errors import LogoStudioError

POLL_S = 0.05  # how often a waiting worker looks at the job's cancel flag
DONE = "__done__"


class EngineProcessGone(LogoStudioError):
    """The engine process ended unexpectedly (crashed or was killed)."""


def serve(connection, store_root: str, device_preference: str, cancel) -> None:
    """The child's loop: run each command, stream its events back, then a DONE marker."""
    from desktop.app_log import log_without_console
    from desktop.engine.allocator import keep_freed_memory
    from desktop.workers.engine_service import EngineService

    log_without_console()  # a windowed app's child has no console either
    keep_freed_memory()  # this process runs the steps
    service = EngineService(store_root, device_preference)

    def emit(*event) -> None:
        connection.send(event)

    while True:
        try:
            command, args = connection.recv()
        except (EOFError, OSError):  # the app closed
            return
        if command == "stop":
            return
        try:
            _run(service, command, args, cancel, emit)
        except Exception as error:  # noqa: BLE001 - every command ends with an answer, never a dead engine
            print(f"Logo Studio engine process: the {command} command failed:", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            if command == "run":
                emit("failed", f"Unexpected error: {error}. Details are in the log.")
            elif command == "load":
                emit("model_failed", args[0], f"Unexpected error while loading {args[0]}: {error}")
        finally:
            emit(DONE)


def _run(service, command: str, args: tuple, cancel, emit) -> None:
    if command == "initialize":
        service.initialize(emit)
    elif command == "set_device":
        service.set_device(args[0], emit)
    elif command == "load":
        service.load(*args, emit)
    elif command == "prepare":
        service.prepare(args[0], emit)
    elif command == "run":
        from desktop.jobs import Job

        params, image, mask, parent_id, inpaint_model, job_id, guide = args
        cancel.clear()
        service.run(Job(params, image, mask, parent_id, inpaint_model, job_id, cancel, guide=guide), emit)


class EngineProcess:
    """The parent's side: one child process, one command at a time (from the worker's thread);
    ``stop`` may be called from another thread (the window's, at shutdown)."""

    def __init__(self, store_root, device_preference: str = "auto") -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child_end = context.Pipe()
        self._cancel = context.Event()
        self._process = context.Process(
            target=serve,
            args=(child_end, str(store_root), device_preference, self._cancel),
            name="logo-studio-engine",
            daemon=True,
        )
        self._process.start()
        child_end.close()
        self._lock = threading.Lock()  # one command at a time
        self._send_lock = threading.Lock()  # one message at a time on the pipe: stop() sends from another thread

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def _send(self, message) -> None:
        with self._send_lock:
            self._connection.send(message)

    def call(self, command: str, *args, emit: Callable[..., None], cancel: threading.Event | None = None) -> None:
        """Run ``command`` in the engine process, passing each event to ``emit`` as it comes;
        returns when the command is done. Setting ``cancel`` stops a job within one step."""
        with self._lock:
            try:
                self._send((command, args))
                while True:
                    ready = self._connection.poll(POLL_S)
                    if cancel is not None and cancel.is_set():
                        self._cancel.set()
                    if not ready:
                        if not self._process.is_alive():
                            raise EOFError
                        continue
                    event = self._connection.recv()
                    if event == (DONE,):
                        return
                    emit(*event)
            except (EOFError, OSError, BrokenPipeError) as error:
                raise EngineProcessGone(
                    "The engine stopped unexpectedly (it may have run out of memory). Try again; the model loads anew."
                ) from error

    def stop(self, timeout_s: float = 2.0) -> None:
        """End the child: cancel its job, ask it to stop, wait a little, then terminate it (a model
        load cannot be interrupted). A command in flight on the worker's thread then ends with
        EngineProcessGone; the pipe is closed here unless that command is still reading it."""
        self._cancel.set()
        with contextlib.suppress(OSError):  # already gone
            self._send(("stop", ()))
        self._process.join(timeout_s)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout_s)
        if self._lock.acquire(blocking=False):  # no command reads the pipe now: close it
            self._connection.close()
            self._lock.release()
