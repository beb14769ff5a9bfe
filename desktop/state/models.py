"""The models as the window sees them: the model list, which model is chosen and whether it is on
this computer, what is loaded on which device, and the downloads in progress. Notices about them
(not downloaded, failed to load, few-step settings, stopped downloads) are set and cleared here."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from desktop.engine.catalog import INPAINT, TXT2IMG, DownloadMeter, DownloadPlan, confirm_download, human_size
from desktop.engine.library import READY, ModelLibrary
from desktop.engine.models import DEFAULT_MODEL, is_hub_id, normalize_ref
from desktop.errors import LogoStudioError
from desktop.state import notices as n
from desktop.state.notices import Notices
from desktop.workers.download_gate import DownloadGate
from desktop.workers.generation_worker import WorkerHost
from desktop.workers.model_files_worker import ModelFilesHost


class ModelsModel(QObject):
    entries_changed = Signal(object)  # a list of engine.library.ModelEntry
    current_changed = Signal(str)  # the chosen text-to-image model (stored form)
    status_changed = Signal(str, bool)  # "Loading …" / "Model ready", busy
    device_changed = Signal(str)
    few_step = Signal(str, int, float)  # sampler, steps, guidance the loaded model needs
    family_changed = Signal(object)  # the loaded model's engine.families.ModelFamily
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
    ) -> None:
        super().__init__()
        self.host, self.files, self.gate, self.library, self.notices = host, files, gate, library, notices
        self.ask = ask
        self.entries: list = []
        self.current = library.default(TXT2IMG)
        self.device_text = "starting…"
        self.family = None  # the loaded model's ModelFamily, once one is loaded
        self.loaded = ""  # the model the engine has loaded
        self.memory_plan = ""  # what the engine chose for memory (precision, savers), in words
        self._preload_model = ""
        self._meters: dict[str, DownloadMeter] = {}
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

    @property
    def available(self) -> dict[str, bool]:
        """Model reference -> on this computer, as last checked (by the files worker)."""
        return self.gate.available

    def inpaint_model(self) -> str:
        """The dedicated inpainting model chosen in the model manager, or '' for the current model."""
        return self.library.default(INPAINT)

    def downloading(self) -> set[str]:
        return self.files.downloading

    # -- choosing ------------------------------------------------------------------------------

    def choose(self, ref: str) -> None:
        """The user typed or picked ``ref`` in the model box: check it (off the GUI thread)."""
        model = normalize_ref(ref) or DEFAULT_MODEL
        changed = model != self.current
        self.current = model
        if model in self.available:
            self._checked(model, self.available[model])
        else:
            self.gate.check(model)
        if changed:
            self.current_changed.emit(model)

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
        self.choose(ref)
        self.preload(ref)
        return ref

    def remember(self, model: str) -> None:
        """A model the user generated with becomes the default and joins the model list."""
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
        on this computer (never downloads)."""
        self._preload_model = model
        for ref in filter(None, (model, self.inpaint_model())):
            if not self.available.get(ref):
                self.gate.check(ref)
        self._preload_if_ready()

    def _preload_if_ready(self) -> None:
        model, inpaint_model = self._preload_model, self.inpaint_model()
        if not model or not self.available.get(model) or (inpaint_model and not self.available.get(inpaint_model)):
            return
        self._preload_model = ""
        self.host.submitModel.emit(model, inpaint_model)

    def set_device(self, preference: str) -> None:
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
        self.notices.clear(n.DOWNLOAD)
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
            n.DOWNLOAD,
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
        self.device_text = text
        self.device_changed.emit(text)

    @Slot(object)
    def _listed(self, entries: list) -> None:
        self.entries = entries
        for entry in entries:
            if entry.state == READY:
                self.available[entry.ref] = True
        self.entries_changed.emit(entries)
        notice = self.notices.get(n.MODEL)
        if notice is not None and "not on this computer" in notice.text:  # offer what is there now
            self._checked(self.current, self.available.get(self.current, False))

    @Slot(str, bool)
    def _checked(self, model: str, available: bool) -> None:
        self._preload_if_ready()
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
                "asked first), open Models… to download or add another model, or choose a diffusers model folder "
                "or .safetensors file with Browse…."
            )
        else:
            first = (
                f"There is no model at {model}. Check the path, or choose a diffusers model folder or .safetensors "
                "file with Browse…, or open Models…."
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
        self.notices.set(n.MODEL, message, n.ERROR)
        self.status_changed.emit("Model failed to load", False)

    @Slot(str, str, int, float)
    def _few_step(self, reason: str, scheduler: str, steps: int, guidance: float) -> None:
        self.notices.set(n.MODEL, reason)
        self.few_step.emit(scheduler, steps, guidance)

    @Slot(str, str)
    def _download_needed(self, repo_id: str, message: str) -> None:
        """A job needs ``repo_id`` from Hugging Face: offer the download (which asks first)."""
        self.notices.clear(n.JOB)
        link = f'<a href="download:{repo_id}">Download it</a> (you will be asked first, with its size and licence).'
        self.notices.set(n.DOWNLOAD, f"{html.escape(message)} {link}", n.WARNING, links=True)

    @Slot(object, str)
    def _family(self, family, memory_plan: str) -> None:
        self.memory_plan = memory_plan
        if family is not None and family != self.family:
            self.family = family
            self.family_changed.emit(family)

    @Slot(str)
    def _download_started(self, repo_id: str) -> None:
        self._meters[repo_id] = DownloadMeter()
        self.notices.clear(n.DOWNLOAD)

    @Slot(str, object, object)
    def _download_progress(self, repo_id: str, done: int, total: int) -> None:
        text = self._meters.setdefault(repo_id, DownloadMeter()).text(done, total)
        self.download_progress.emit(repo_id, done, total, text)

    @Slot(str)
    def _download_finished(self, repo_id: str) -> None:
        self._meters.pop(repo_id, None)
        self.available[repo_id] = True
        if repo_id in (self.current, self.inpaint_model()):
            self.notices.clear(n.MODEL)
            self.preload(self.current)
        self.download_ended.emit(repo_id, f"{repo_id} is downloaded and ready.")

    @Slot(str, str)
    def _download_failed(self, repo_id: str, message: str) -> None:
        self._meters.pop(repo_id, None)
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
