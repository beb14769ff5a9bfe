"""The models as the window sees them: the model list, which model is chosen and whether it is on
this computer, what is loaded on which device, and the downloads in progress. Notices about them
(not downloaded, failed to load, few-step settings, stopped downloads) are set and cleared here."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from desktop.errors import LogoStudioError
from desktop.models.catalog import INPAINT, TXT2IMG, DownloadMeter, DownloadPlan, confirm_download, human_size
from desktop.models.library import READY, ModelLibrary
from desktop.models.references import DEFAULT_MODEL, is_hub_id, normalize_ref
from desktop.state import notices as n
from desktop.state.notices import Notices
from desktop.state.request import RequestModel
from desktop.workers.download_gate import DownloadGate
from desktop.workers.engine_service import DEVICE_ERROR
from desktop.workers.generation_worker import WorkerHost
from desktop.workers.model_files_worker import ModelFilesHost


class ModelsModel(QObject):
    entries_changed = Signal(object)  # a list of engine.library.ModelEntry
    current_changed = Signal(str)  # the chosen text-to-image model (stored form)
    status_changed = Signal(str, bool)  # "Loading …" / "Model ready", busy
    device_changed = Signal(str)
    family_changed = Signal(object)  # the chosen and loaded model's engine.families.ModelFamily
    download_progress = Signal(str, object, object, str)  # repo id, done, total, text
    download_ended = Signal(str, str)  # repo id, status ('' after a failure)
    deleted = Signal(str, object)  # repo id, bytes freed
    status_message = Signal(str)  # a passing message for the status bar

    def __init__(
        self,
        host: WorkerHost,
        files: ModelFilesHost,
        gate: DownloadGate,
        library: ModelLibrary,
        notices: Notices,
        ask: Callable[[DownloadPlan], bool],
        request: RequestModel,
    ) -> None:
        """``request.model`` is the chosen model, whichever way it was chosen (the model box,
        Browse…, Models…, a reused image): this model follows it."""
        super().__init__()
        self.host, self.files, self.gate, self.library, self.notices = host, files, gate, library, notices
        self.ask, self.request = ask, request
        self.entries: list = []
        self.device_text = "starting…"
        self.device_preference = host.worker.device_preference
        self.family = None  # the loaded model's ModelFamily, once one is loaded
        self.loaded = ""  # the model the engine has loaded
        self.memory_plan = ""  # what the engine chose for memory (precision, savers), in words
        self._preload_model = ""
        self._meters: dict[str, DownloadMeter] = {}
        self._failed_download = ""  # the download the DOWNLOAD notice is about
        self.server = None  # a ServerState: while it says jobs run on a ComfyUI server, models are its
        worker = host.worker
        worker.deviceReady.connect(self._device_ready)
        worker.modelLoading.connect(self._loading)
        worker.modelReady.connect(self._ready)
        worker.modelFailed.connect(self._failed)
        worker.fewStepModel.connect(self._few_step)
        worker.modelFamily.connect(self._family)
        worker.downloadNeeded.connect(self._download_needed)
        files.worker.modelsListed.connect(self._listed)
        files.worker.modelChecked.connect(self._checked)
        files.worker.modelDeleted.connect(self._deleted)
        files.worker.deleteFailed.connect(self._download_failed)
        files.thread.started.connect(files.worker.listModels)
        downloads = files.downloader
        downloads.downloadStarted.connect(self._download_started)
        downloads.downloadProgress.connect(self._download_progress)
        downloads.downloadFinished.connect(self._download_finished)
        downloads.downloadFailed.connect(self._download_failed)
        downloads.downloadCancelled.connect(self._download_cancelled)
        request.changed.connect(self._request_changed)

    @property
    def remote(self) -> bool:
        """Jobs run on a ComfyUI server: the model is a name as the server lists it, nothing is
        checked, downloaded or remembered on this computer."""
        return self.server is not None and self.server.remote

    @property
    def current(self) -> str:
        """The chosen text-to-image model (stored form): the request's ('' on a server where none
        is chosen yet)."""
        if self.remote:
            return self.request.model
        return self.request.model or DEFAULT_MODEL

    @property
    def available(self) -> dict[str, bool]:
        """Model reference -> on this computer, as last checked (by the files worker)."""
        return self.gate.available

    def inpaint_model(self) -> str:
        """The dedicated inpainting model chosen in the model manager, or '' for the current model
        (always on a server: its inpainting goes through the chosen model)."""
        return "" if self.remote else self.library.default(INPAINT)

    def downloading(self) -> set[str]:
        return self.files.downloading

    # -- choosing ------------------------------------------------------------------------------

    def choose(self, ref: str) -> None:
        """The user typed or picked ``ref`` in the model box: it becomes the chosen model."""
        if self.remote:
            self.request.set("model", ref.strip())
            return
        self.request.set("model", normalize_ref(ref) or DEFAULT_MODEL)

    @Slot(str)
    def _request_changed(self, field: str) -> None:
        if field == "model":
            self._chosen()
        elif field in ("speed", "loras"):
            self.notices.clear(n.NEEDS)  # about the request as it was; preparing the new one says again

    def _chosen(self) -> None:
        """A model was chosen: what was said about the one before no longer holds; check this one
        (off the GUI thread) and load it once it is known to be on this computer."""
        self.notices.clear(n.SETTINGS, n.JOB, n.NEEDS)
        if self._failed_download not in ("", self.current):
            self.notices.clear(n.DOWNLOAD)
        self._recheck()
        self.preload(self.current)  # checks it when it is not known to be here, loads it when it is
        self.current_changed.emit(self.current)

    def _recheck(self) -> None:
        """Say again only what still holds about the chosen model (whether it is here); a failed
        load is not said again until the model fails again."""
        self.notices.clear(n.MODEL)
        known = self.available.get(self.current)
        if known is not None:
            self._checked(self.current, known)

    def use(self, ref: str) -> str | None:
        """Make ``ref`` the text-to-image model: add it to the list, choose it, load it. Returns the
        stored reference, or None (with a notice) when it is not something Logo Studio can load."""
        try:
            ref = self.library.add(ref)
        except LogoStudioError as error:
            self.notices.set(n.MODEL, error.message, n.ERROR)
            return None
        self.try_change(lambda: self.library.set_default(TXT2IMG, ref))
        self.files.requestList.emit()
        if ref == self.current:
            self.preload(ref)  # chosen again: load it now if it is not loaded
        self.choose(ref)
        return ref

    def added(self, ref: str) -> None:
        """``ref`` joined the model list (Models…): when the chosen model cannot be used (it is not
        on this computer and not downloading), the new one is what the user wants to use."""
        usable = self.available.get(self.current) or self.current in self.downloading()
        if not usable and self.available.get(ref, not is_hub_id(ref)):
            self.use(ref)

    def remember(self, model: str) -> None:
        """A model the user generated with becomes the default and joins the model list (on this
        computer; a server's models are remembered by the server settings)."""
        if self.remote:
            return
        if self.library.default(TXT2IMG) != model:
            self.try_change(lambda: self.library.set_default(TXT2IMG, model))
        if not any(entry.ref == model for entry in self.entries):
            with contextlib.suppress(LogoStudioError):  # not loadable: the job reports why
                self.library.add(model)
            self.files.requestList.emit()

    def inpaint_model_changed(self) -> None:
        """The manager chose another inpainting model: load it alongside the current one."""
        self.preload(self.current)

    # -- loading -------------------------------------------------------------------------------

    def preload(self, model: str) -> None:
        """Load ``model`` (and the inpainting model) in the background once both are known to be
        on this computer (never downloads). On a server: load it there at once."""
        if self.remote:
            self._preload_model = ""
            if model:
                self.host.submitModel.emit(model, "")
            return
        self._preload_model = model
        for ref in filter(None, (model, self.inpaint_model())):
            if not self.available.get(ref):
                self.gate.check(ref)
        self._preload_if_ready()

    def _preload_if_ready(self) -> None:
        model, inpaint_model = self._preload_model, self.inpaint_model()
        if self.remote or not model or not self.available.get(model):
            return
        if inpaint_model and not self.available.get(inpaint_model):
            return
        self._preload_model = ""
        self.host.submitModel.emit(model, inpaint_model)

    def set_device(self, preference: str) -> None:
        """Switch to ``preference`` ('auto', 'cpu', 'cuda', 'mps'), then load the chosen model there.
        What was said about the device and the jobs that ran on it no longer holds."""
        if preference == self.device_preference:
            return
        self.device_preference = preference
        self.notices.clear(n.DEVICE, n.JOB)
        self._recheck()  # a model that failed to load on the old device may load on this one
        self.loaded = ""
        self.device_text = "switching…"
        self.device_changed.emit(self.device_text)
        self.host.setDevice.emit(preference)

    # -- downloads -----------------------------------------------------------------------------

    def download(self, repo_id: str) -> bool:
        """Ask (size, licence, room checked first), then download ``repo_id`` in the background."""
        try:
            if not confirm_download(repo_id, self.ask):
                return False
        except LogoStudioError as error:
            self.notices.set(n.DOWNLOAD, error.message, n.ERROR)
            return False
        self.files.download(repo_id)
        return True

    def resume(self, repo_id: str) -> None:
        """Go on with a download agreed to earlier (cancelled, failed or cut off)."""
        self.notices.clear(n.RESUME)
        self.files.download(repo_id)

    def cancel_download(self, repo_id: str) -> None:
        self.files.cancel(repo_id)

    def offer_unfinished_downloads(self) -> None:
        unfinished = self.library.unfinished_downloads()
        if not unfinished:
            return
        repo_id = unfinished[0]
        done = self.library.partial_bytes(repo_id)
        where = f" at {human_size(done)}" if done else ""
        self.notices.set(
            n.RESUME,
            f'The download of {repo_id} stopped{where} before it finished. <a href="resume:{repo_id}">Resume it</a> '
            f'(the files that finished are kept) or <a href="models">open Models…</a>.',
            links=True,
        )

    def try_change(self, action) -> bool:
        """Run a model-list change; show its error instead of raising (e.g. a read-only settings folder)."""
        try:
            action()
        except LogoStudioError as error:
            self.notices.set(n.MODEL, error.message, n.ERROR)
            return False
        return True

    # -- worker signals ------------------------------------------------------------------------

    @Slot(str)
    def _device_ready(self, text: str) -> None:
        if text.startswith(DEVICE_ERROR):  # the reason is a notice: the status bar has no room for it
            self.notices.set(n.DEVICE, text.removeprefix(DEVICE_ERROR), n.ERROR)
            text = "none (see the notice)"
        else:
            self.notices.clear(n.DEVICE)
            if not self.loaded:  # a new device has nothing loaded yet
                self.preload(self.current)
        self.device_text = text
        self.device_changed.emit(text)

    @Slot(object)
    def _listed(self, entries: list) -> None:
        self.entries = entries
        for entry in entries:
            if entry.state == READY:
                self.available[entry.ref] = True
        self.entries_changed.emit(entries)
        if self.available.get(self.current) is False:  # offer the models that are here now
            self._checked(self.current, False)

    @Slot(str, bool)
    def _checked(self, model: str, available: bool) -> None:
        self._preload_if_ready()
        if self.remote:
            return  # a check asked for before jobs moved to a server: nothing to say about this computer
        if model != self.current:
            return
        if available:
            self.notices.clear(n.MODEL)
            return
        ready = [e for e in self.entries if e.state == READY]
        downloaded = ", ".join(f"{e.name} ({human_size(e.size_bytes or 0)})" for e in ready)
        already = f" Already on this computer, pick one in the model box: {downloaded}." if downloaded else ""
        if is_hub_id(model):
            first = (
                f"{model} is not on this computer yet. Press Generate to download it from Hugging Face (you will be "
                "asked first), open Models… to download or add another model, or use Browse… to choose a diffusers "
                "model folder or .safetensors file."
            )
        else:
            first = (
                f"There is no model at {model}. Check the path, use Browse… to choose a diffusers model folder or "
                ".safetensors file, or open Models…."
            )
        self.notices.set(n.MODEL, first + already)

    @Slot(str)
    def _loading(self, model: str) -> None:
        self.status_changed.emit(f"Loading {Path(model).name or model}…", True)

    @Slot(str)
    def _ready(self, model: str) -> None:
        self.loaded = model
        self.available[model] = True
        if model == self.current:
            self.notices.clear(n.MODEL)
        self.status_changed.emit("Model ready", False)

    @Slot(str, str)
    def _failed(self, model: str, message: str) -> None:
        if model == self.current:
            self.notices.set(n.MODEL, message, n.ERROR)
        self.status_changed.emit("Model failed to load", False)

    @Slot(str, str, int, float)
    def _few_step(self, reason: str, scheduler: str, steps: int, guidance: float) -> None:
        """The loaded model needs these settings (a few-step model): the request takes them."""
        for field, value in (("scheduler", scheduler), ("steps", steps), ("guidance", guidance)):
            self.request.set(field, value, by_user=False)
        self.notices.set(n.SETTINGS, reason)

    @Slot(str, str)
    def _download_needed(self, repo_id: str, message: str) -> None:
        """The request needs ``repo_id`` from Hugging Face: offer the download (which asks first).
        Said once: the job that found it missing says nothing more."""
        self.notices.clear(n.JOB)
        link = f'<a href="download:{repo_id}">Download it</a> (you will be asked first, with its size and licence).'
        self.notices.set(n.NEEDS, f"{html.escape(message)} {link}", n.WARNING, links=True)

    @Slot(object, str)
    def _family(self, family, memory_plan: str) -> None:
        """The chosen model loaded and is of ``family``: the panels offer what applies to it (they
        hear family_changed first), and the request takes its defaults where the user set nothing."""
        self.memory_plan = memory_plan
        if family is None or family == self.family or self.loaded != self.current:
            return
        first = self.family is None  # at start: fitted quietly, nothing was switched
        self.family = family
        self.family_changed.emit(family)
        notes = self.request.fit_to_family(family)
        if first:
            return
        if not family.supports_negative_prompt and self.request.negative_prompt:
            notes += f" {family.label} takes no negative prompt; yours is kept for other models but not used."
        self.notices.set(n.SETTINGS, notes.strip())

    @Slot(str)
    def _download_started(self, repo_id: str) -> None:
        self._meters[repo_id] = DownloadMeter()
        self._failed_download = ""
        self.notices.clear(n.DOWNLOAD, n.NEEDS, n.RESUME)

    @Slot(str, object, object)
    def _download_progress(self, repo_id: str, done: int, total: int) -> None:
        text = self._meters.setdefault(repo_id, DownloadMeter()).text(done, total)
        self.download_progress.emit(repo_id, done, total, text)

    @Slot(str)
    def _download_finished(self, repo_id: str) -> None:
        self._meters.pop(repo_id, None)
        self.available[repo_id] = True
        if repo_id == self._failed_download:
            self.notices.clear(n.DOWNLOAD)
        if repo_id in (self.current, self.inpaint_model()):
            self.notices.clear(n.MODEL, n.NEEDS)
            self.preload(self.current)
        self.download_ended.emit(repo_id, f"{repo_id} is downloaded and ready.")

    @Slot(str, str)
    def _download_failed(self, repo_id: str, message: str) -> None:
        self._meters.pop(repo_id, None)
        self._failed_download = repo_id
        self.notices.set(n.DOWNLOAD, message, n.ERROR)
        self.download_ended.emit(repo_id, "")

    @Slot(str)
    def _download_cancelled(self, repo_id: str) -> None:
        self._meters.pop(repo_id, None)
        self.download_ended.emit(repo_id, f"Download of {repo_id} paused; resume it from Models… at any time.")

    @Slot(str, object)
    def _deleted(self, repo_id: str, freed: int) -> None:
        self.available[repo_id] = False
        self.deleted.emit(repo_id, freed)
        self.status_message.emit(f"Deleted {repo_id}: {human_size(freed)} freed.")
