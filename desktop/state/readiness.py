"""Getting the engine ready for the next job while the user is still writing it.

When the request's model, speed or LoRAs change (or a model finishes loading, or a download
finishes), the engine is asked, after a short pause, to prepare for that request: its LoRAs
loaded, and for Fast the few-step LoRA fused and the tiny autoencoder loaded. On a CPU that is
seconds of work the first Fast job would otherwise start with. While it runs the run panel says
so; a job asked for meanwhile waits behind it on the worker's queue. Only the newest request is
prepared: one the user has already changed is dropped before it starts.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop.errors import InvalidParameters
from desktop.models.loras import apply_prompt_loras
from desktop.params import GenerationParams
from desktop.state.models import ModelsModel
from desktop.state.request import RequestModel
from desktop.workers.generation_worker import WorkerHost

PAUSE_MS = 600  # after the last change: typing a <lora:...> tag should not prepare every letter
WATCHED = ("model", "speed", "loras", "prompt")  # the prompt for its <lora:name:weight> tags


class Readiness(QObject):
    status_changed = Signal(str, bool)  # "Getting Fast ready…" (busy) / "Fast ready"

    def __init__(
        self, host: WorkerHost, request: RequestModel, models: ModelsModel, lora_folder: Callable[[], str]
    ) -> None:
        super().__init__()
        self.host, self.request, self.models, self.lora_folder = host, request, models, lora_folder
        self._asked: tuple | None = None  # what the engine was last asked to prepare for
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PAUSE_MS)
        self._timer.timeout.connect(self.prepare)
        request.changed.connect(self._request_changed)
        host.worker.modelReady.connect(self._model_ready)
        host.worker.preparing.connect(self._preparing)
        host.worker.prepared.connect(self._prepared)
        models.download_ended.connect(self._download_ended)

    @Slot(str)
    def _request_changed(self, field: str) -> None:
        if field in WATCHED:
            self._timer.start()

    @Slot(str)
    def _model_ready(self, _model: str) -> None:
        self._again()  # a (re)loaded model has no LoRAs applied

    @Slot(str, str)
    def _download_ended(self, _repo_id: str, _status: str) -> None:
        self._again()  # a LoRA or tiny autoencoder that was missing may be here now

    def _again(self) -> None:
        self._asked = None
        self._timer.start()

    @Slot()
    def prepare(self) -> None:
        """Ask the engine to get ready for the request as it stands (once per distinct request).
        Only its model, speed and LoRAs matter, so a request still being written (no prompt yet,
        a size being typed) is prepared too."""
        self._timer.stop()
        if self.models.remote:
            return  # the server loads what a job needs when it runs it: nothing to get ready here
        request = self.request
        try:
            params = GenerationParams(
                request.prompt.strip() or "logo", model=request.model, speed=request.speed, loras=request.loras
            )
            params = apply_prompt_loras(params, self.lora_folder() or None)
        except InvalidParameters:  # a <lora:> tag naming no LoRA, say: Generate will tell
            return
        if params.model != self.models.loaded:
            return  # the engine prepares only for the loaded model; its modelReady brings us back
        key = (params.model, params.speed, params.loras)
        if key == self._asked:
            return
        self._asked = key
        self.host.prepare(params)

    @Slot(str)
    def _preparing(self, what: str) -> None:
        self.status_changed.emit(f"Getting {what} ready…", True)

    @Slot(str, bool)
    def _prepared(self, what: str, ready: bool) -> None:
        if not ready:
            self._asked = None  # try again at the next change
        self.status_changed.emit(f"{what} ready" if ready else "Model ready", False)
