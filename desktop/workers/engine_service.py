"""What the generation worker asks of the engine, as plain Python: pick the device, load a model,
run a job. Every outcome is reported as an event ``(name, *args)`` through ``emit``, so the same
service runs inside the app's engine process (desktop.workers.engine_process) or, for tests,
in-process. No Qt here.

Events: ("device", text) · ("loading", model) · ("ready", model) · ("family", family, memory plan)
· ("few_step", why, sampler, steps, guidance) · ("model_failed", model, message)
· ("family_unknown", model) · ("started",)
· ("progress", StepUpdate) · ("warning", text) · ("saved", GalleryItem, image) · ("finished",)
· ("failed", message) · ("needs_download", repo id, message) · ("cancelled",) · ("preparing", what)
· ("prepared", what, ready).
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from desktop.errors import GenerationCancelled, LogoStudioError, ModelFamilyUnknown

Emit = Callable[..., None]
DEVICE_ERROR = "Device error: "  # begins a "device" event that says why there is no device
PREVIEW_INTERVAL = 0.1  # seconds: more previews than a window can show only cost GPU syncs


@dataclass(frozen=True)
class StepUpdate:
    """Progress of a job, as sent to the window (a PIL preview, never a QPixmap)."""

    image_index: int
    image_count: int
    step: int
    total: int
    preview: Image.Image | None
    status: str = ""  # words while there is no step to show (a server's queue place, a reconnect)


class EngineService:
    """Owns one engine and the gallery it saves into; used from one thread at a time. The engine is
    this computer's (made on the chosen device) unless one is given (a ComfyUI server's)."""

    def __init__(self, store, device_preference: str = "auto", engine=None) -> None:
        """``store``: a GalleryStore, or the folder of one (opened here without housekeeping)."""
        self.store = store
        self.device_preference = device_preference
        self.engine = engine
        self.device_error = ""  # why there is no engine, in words

    def initialize(self, emit: Emit) -> None:
        """Pick the device (and say which), then import what loading a model needs, so the first
        load is quick."""
        if self.engine is not None:
            emit("device", self.engine.describe())
        elif self._ensure_engine(emit) is not None:
            from desktop.engine.engine import import_pipeline_modules

            import_pipeline_modules()

    def _ensure_engine(self, emit: Emit):
        if self.engine is None:
            from desktop.engine import Engine, choose_device

            try:
                self.engine = Engine(choose_device(self.device_preference))
            except LogoStudioError as error:
                self.device_error = error.message
                emit("device", DEVICE_ERROR + error.message)
                return None
            self.device_error = ""
            emit("device", self.engine.device.describe())
        return self.engine

    def set_device(self, preference: str, emit: Emit) -> None:
        """Switch device ('auto', 'cpu', 'cuda', 'mps'); the model reloads at the next job."""
        if preference == self.device_preference and self.engine is not None:
            return
        self.device_preference = preference
        if self.engine is not None:
            self.engine.unload()
        self.engine = None
        self._ensure_engine(emit)

    def load(self, model: str, inpaint_model: str, emit: Emit) -> None:
        """Load a model now (e.g. when the user picks it); failures become a model_failed event."""
        try:
            self._load(model, inpaint_model, emit)
        except ModelFamilyUnknown as error:
            emit("model_failed", model, error.message)
            emit("family_unknown", error.model)
        except LogoStudioError as error:
            emit("model_failed", model, error.message)
        except Exception as error:  # noqa: BLE001 - anything unexpected still reaches the user as text
            traceback.print_exc(file=sys.stderr)
            emit("model_failed", model, f"Unexpected error while loading {model}: {error}")

    def _load(self, model: str, inpaint_model: str, emit: Emit) -> None:
        engine = self._ensure_engine(emit)
        if engine is None:
            # The device's own words, so that the job's failure and the device notice read the same
            raise LogoStudioError(self.device_error or "No device to run on: choose another device under Advanced.")
        if engine.loaded and engine.model == model and engine.inpaint_model == inpaint_model:
            return
        emit("loading", model)
        engine.load(model, inpaint_model=inpaint_model)
        emit("ready", model)
        emit("family", engine.family, engine.memory_plan.describe() if engine.memory_plan is not None else "")
        profile = engine.few_step
        if profile is not None:
            emit("few_step", profile.reason(), profile.scheduler, profile.steps, profile.guidance)

    def prepare(self, params, emit: Emit) -> None:
        """Make the loaded model ready for jobs like ``params`` (the window's request, its prompt's
        LoRA tags already applied) while the user is still writing: its LoRAs, and for Fast the
        few-step LoRA fused and the tiny autoencoder, loaded now instead of in the first job. Only
        for the model that is loaded. A LoRA or decoder that is not downloaded is offered
        (needs_download); any other problem is left for the job to report."""
        from desktop.params import FAST

        engine = self.engine
        if engine is None or not engine.loaded or params.model != engine.model:
            return
        what = "Fast" if params.speed == FAST else "LoRAs" if params.loras else ""
        told = []  # the preparing event, once there turns out to be work (nothing said otherwise)

        def tell() -> None:
            if what:
                emit("preparing", what)
                told.append(what)

        ready = False
        try:
            ready = engine.prepare(engine.adapt(params)[0], on_work=tell)
        except LogoStudioError as error:
            if getattr(error, "repo_id", ""):
                emit("needs_download", error.repo_id, error.message)
        except Exception:  # noqa: BLE001 - only a head start: the job itself reports what is wrong
            traceback.print_exc(file=sys.stderr)
        if told:
            emit("prepared", what, ready)

    def run(self, job, emit: Emit) -> None:
        """Run ``job`` (desktop.jobs.Job) to exactly one of finished, failed or cancelled."""
        from desktop.gallery import GalleryStore
        from desktop.jobs import run_job

        if job.cancel.is_set():
            return emit("cancelled")
        emit("started")
        try:
            self._load(job.params.model, job.inpaint_model, emit)
            if not isinstance(self.store, GalleryStore):
                self.store = GalleryStore(self.store, housekeeping=False)
            last_preview = [0.0]

            def on_progress(progress) -> None:
                # A preview copies the latents off the device (a sync on CUDA): at most one per
                # PREVIEW_INTERVAL, and always the last step's.
                preview, now = None, time.monotonic()
                if now - last_preview[0] >= PREVIEW_INTERVAL or progress.step == progress.total:
                    preview, last_preview[0] = progress.preview(), now
                emit(
                    "progress",
                    StepUpdate(
                        progress.image_index,
                        progress.image_count,
                        progress.step,
                        progress.total,
                        preview,
                        progress.status,
                    ),
                )

            run_job(
                self.engine,
                self.store,
                job,
                on_progress=on_progress,
                on_warning=lambda text: emit("warning", text),
                on_saved=lambda item, image: emit("saved", item, image),
            )
        except GenerationCancelled:
            return emit("cancelled")
        except LogoStudioError as error:
            emit("failed", error.message)
            if isinstance(error, ModelFamilyUnknown):
                emit("family_unknown", error.model)
            if getattr(error, "repo_id", ""):  # a model, LoRA or tiny decoder to download first
                emit("needs_download", error.repo_id, error.message)
            return None
        except Exception as error:  # noqa: BLE001 - the window shows a message, the log keeps the trace
            traceback.print_exc(file=sys.stderr)
            return emit("failed", f"Unexpected error: {error}. Details are in the log.")
        return emit("finished")
