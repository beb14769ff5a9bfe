"""ThreadHost: one worker object on its own long-lived QThread, started once and stopped cleanly.

A thread busy in something that cannot be interrupted (a model load, a network read) when the
window closes is kept referenced in ``_still_running`` so no QThread is destroyed while it runs
(that aborts the process); the entry point then ends the process without waiting for it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Slot

_still_running: list[ThreadHost] = []


def workers_still_running() -> bool:
    """True when a closed window left a worker thread busy."""
    return any(host.thread.isRunning() for host in _still_running)


class ThreadHost(QObject):
    def __init__(self, worker: QObject, name: str) -> None:
        super().__init__()
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = worker
        self.worker.moveToThread(self.thread)
        self._started = False
        self._stopping = False

    @property
    def started(self) -> bool:
        return self._started

    @Slot()
    def start(self) -> None:
        """Start the thread (once); connect to the worker's signals first so none is missed."""
        if not self._started and not self._stopping:  # a start timer may fire after the window closed
            self._started = True
            self.thread.start()

    def cancel_all(self) -> None:
        """Set the cancel flags of everything running or queued (thread-safe)."""

    def stop(self) -> None:
        """Cancel everything and ask the thread to end once its current work returns."""
        self._stopping = True
        self.cancel_all()
        self.thread.quit()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop the thread; False if it is still busy after ``timeout_ms``, in which case it is
        left to finish on its own."""
        return shutdown_all([self], timeout_ms)


def shutdown_all(hosts: list[ThreadHost], timeout_ms: int = 2000) -> bool:
    """Stop every host's thread, waiting ``timeout_ms`` in all (not each); False if one is still busy."""
    import time

    for host in hosts:
        host.stop()
    deadline = time.monotonic() + timeout_ms / 1000
    stopped = True
    for host in hosts:
        if not host.thread.wait(max(0, int((deadline - time.monotonic()) * 1000))):
            _still_running.append(host)
            stopped = False
    return stopped
