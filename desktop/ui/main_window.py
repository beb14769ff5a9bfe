"""The main window: composes the panels around the state models and persists the layout.

Left: the brief (what the logo is, brand name, style, colours, quality or speed) with Advanced
settings folded under it, and Generate, Cancel and the progress at its foot. Middle: notices over
the canvas with its mask tools, the live preview and the candidates of a batch. Right: the
gallery. State lives in ``desktop.state``; what buttons do lives in ``window_actions``.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import LogoStudioError
from desktop.gallery import GalleryStore
from desktop.models.catalog import TXT2IMG
from desktop.models.library import ModelLibrary
from desktop.models.references import normalize_ref
from desktop.state import notices as n
from desktop.state.gallery import GalleryModel
from desktop.state.guide import GuideModel
from desktop.state.jobs import JobsModel
from desktop.state.models import ModelsModel
from desktop.state.notices import Notices
from desktop.state.readiness import Readiness
from desktop.state.request import RequestModel
from desktop.ui.model_manager import ModelManagerDialog
from desktop.ui.panels.advanced_panel import AdvancedPanel
from desktop.ui.panels.brief_panel import BriefPanel
from desktop.ui.panels.canvas_panel import CanvasPanel
from desktop.ui.panels.gallery_panel import GalleryPanel
from desktop.ui.panels.guide_panel import GuidePanel
from desktop.ui.panels.lora_panel import LoraPanel
from desktop.ui.panels.model_panel import ModelPanel
from desktop.ui.panels.notices_panel import NoticesPanel, RunPanel
from desktop.ui.panels.status_panel import StatusPanel
from desktop.ui.server_link import ServerLink
from desktop.ui.wheel import ignore_wheel_unless_focused
from desktop.ui.window_actions import WindowActions
from desktop.workers.download_gate import DownloadGate
from desktop.workers.generation_worker import WorkerHost
from desktop.workers.model_files_worker import ModelFilesHost
from desktop.workers.thread_host import shutdown_all

DEFAULT_SIZE = (1280, 720)  # fits a 1366×768 laptop screen with its task bar


class MainWindow(QMainWindow):
    def __init__(
        self,
        store: GalleryStore,
        settings: QSettings,
        host: WorkerHost,
        library: ModelLibrary,
        files_host: ModelFilesHost,
        model: str | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Logo Studio")
        self.setObjectName("mainWindow")
        self.store, self.settings, self.host, self.library, self.files_host = store, settings, host, library, files_host
        self.worker = host.worker
        self.model_manager: ModelManagerDialog | None = None

        self.notices = Notices()
        self.gate = DownloadGate(files_host, self._ask_download)
        self.request = RequestModel()
        self.jobs = JobsModel(host, self.gate, self.notices)
        self.models = ModelsModel(host, files_host, self.gate, library, self.notices, self._ask_download, self.request)
        self.gallery = GalleryModel(store, self.notices)
        self.guide = GuideModel()
        self.server_link = ServerLink(self)  # where jobs run: this computer or a ComfyUI server
        self._build()
        self.readiness = Readiness(host, self.request, self.models, lambda: self.loras.folder)
        self.actions = WindowActions(self)
        self.actions.build_menus()
        self._connect()
        self._restore(model)
        self.server_link.attach()  # after the request holds this computer's model
        self._server_changed()
        # The worker imports torch: start it once the window has painted (or after a second, for
        # a window that starts minimised), so the window appears at once.
        QTimer.singleShot(1000, self.host.start)
        QTimer.singleShot(1000, self.files_host.start)
        self.models.offer_unfinished_downloads()

    # -- composition -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.brief = BriefPanel(self.request)
        self.model_panel = ModelPanel(self.request, self.models, self.server_link.state)
        self.loras = LoraPanel(self.request)
        self.guide_panel = GuidePanel(self.request, self.guide)
        self.advanced = AdvancedPanel(self.request, self.worker.device_preference)
        self.run_panel = RunPanel(self.jobs)
        self.notices_panel = NoticesPanel(self.notices)
        self.canvas_panel = CanvasPanel(self.request, self.jobs, self.gallery, self.guide)
        self.gallery_panel = GalleryPanel(self.gallery)

        controls = QWidget()
        controls_layout = QVBoxLayout(controls)
        controls_layout.addWidget(self.brief)
        controls_layout.addWidget(self.model_panel)
        controls_layout.addWidget(self.loras)
        controls_layout.addWidget(self.guide_panel)
        controls_layout.addWidget(self.advanced)
        controls_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("controlsScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(controls)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(scroll, 1)
        left_layout.addWidget(self.run_panel)  # outside the scroll area: always in view
        left.setMinimumWidth(300)

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(self.notices_panel)
        middle_layout.addWidget(self.canvas_panel, 1)
        self.gallery_panel.setMinimumWidth(240)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        for index, (widget, stretch) in enumerate(((left, 0), (middle, 1), (self.gallery_panel, 0))):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(index, stretch)
            self.splitter.setCollapsible(index, False)
        self.setCentralWidget(self.splitter)
        ignore_wheel_unless_focused(self.splitter)

        self.status = StatusPanel(self.statusBar(), self.models)
        self.device_label, self.model_label = self.status.device_label, self.status.model_label
        self.download_label, self.undo_delete_button = self.status.download_label, self.status.undo_delete_button
        self.resize(*DEFAULT_SIZE)
        self.splitter.setSizes([330, 640, 310])

    def _connect(self) -> None:
        actions, request, models = self.actions, self.request, self.models
        self.run_panel.generateRequested.connect(actions.generate)
        self.run_panel.cancelRequested.connect(actions.cancel)
        self.canvas_panel.inpaintRequested.connect(actions.inpaint)
        self.canvas_panel.imageDropped.connect(actions.open_image_file)
        self.canvas_panel.guideDropped.connect(actions.open_guide_file)
        self.canvas_panel.openGuideRequested.connect(actions.choose_guide)
        self.guide_panel.openRequested.connect(actions.choose_guide)
        self.guide_panel.drawRequested.connect(lambda: self.canvas_panel.set_layer("sketch"))
        self.gallery_panel.varyRequested.connect(actions.vary)
        self.gallery_panel.upscaleRequested.connect(actions.upscale)
        self.gallery_panel.exportRequested.connect(actions.export)
        self.gallery_panel.logoFilesRequested.connect(actions.logo_files)
        self.gallery_panel.brandKitRequested.connect(actions.brand_kit)
        self.gallery_panel.gallery_view.itemActivatedById.connect(self._open_item)
        self.undo_delete_button.clicked.connect(actions.undo_delete)
        self.notices_panel.linkActivated.connect(self._link)
        self.loras.folderChosen.connect(lambda folder: self.settings.setValue("lora/folder", folder))
        self.model_panel.manageModels.connect(self.open_model_manager)
        self.model_panel.whereRequested.connect(self.server_link.open_dialog)
        server = self.server_link.state
        for signal in (server.changed, server.catalog_changed):
            signal.connect(self._server_changed)
        self.advanced.deviceChosen.connect(self._device_chosen)
        self.advanced.inputAdjusted.connect(lambda text: self.notices.set(n.INPUT, text, n.WARNING))
        self.jobs.image_saved.connect(self._image_saved)
        request.changed.connect(self._request_changed)
        models.status_changed.connect(self._model_status)
        self.readiness.status_changed.connect(self._model_status)
        models.family_changed.connect(self._family_changed)
        models.entries_changed.connect(self._entries)
        models.download_progress.connect(self._download_progress)
        models.download_ended.connect(self._download_ended)
        models.deleted.connect(self._deleted)
        models.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))

    # -- state to widgets ------------------------------------------------------------------------

    @Slot(str)
    def _request_changed(self, field: str) -> None:
        if field != "model":
            self.notices.clear(n.INPUT)

    def _model_status(self, text: str, busy: bool) -> None:
        if not self.jobs.running:
            self.run_panel.show_progress(text, 0, 0 if busy else 1)

    def _family_changed(self, family) -> None:
        """A model of ``family`` is loaded: offer what applies to it."""
        self.advanced.show_family(family)
        self.loras.set_family(family.name)
        self.guide_panel.set_family(family)

    def _server_changed(self) -> None:
        """Jobs run elsewhere now, or the server's lists arrived: the LoRA and guide panels offer its
        LoRAs and ControlNets."""
        server = self.server_link.state
        catalog, host = server.catalog, server.address().host if server.remote else ""
        self.loras.set_server(host, catalog.loras if catalog else ())
        self.guide_panel.set_server(host, catalog.controlnets if catalog else None)  # None: not known yet
        self.advanced.device_combo.setEnabled(not host)  # the server's GPU runs the jobs
        self.actions.models_action.setEnabled(not host)  # this computer's models

    def _image_saved(self, job, item, image) -> None:
        self.request.image_made(item.params)
        self.gallery.added(item)

    def _open_item(self, item_id: str) -> None:
        item = self.gallery.get(item_id)
        if item is not None and not self.canvas_panel.show_item(item):
            self.notices.set(n.FILES, f"Could not open {item.path.name}.", n.ERROR)

    def _entries(self, entries: list) -> None:
        if self.model_manager is not None:
            self.model_manager.show_entries(entries)

    def _download_progress(self, repo_id: str, done: int, total: int, text: str) -> None:
        if any(repo_id in job.models() for job in self.gate.waiting):  # Generate is waiting for it
            self.run_panel.show_progress(f"Downloading {repo_id}: {text}", done // 1024, max(total // 1024, 1))
        if self.model_manager is not None:
            self.model_manager.show_progress(repo_id, done, total, text)

    def _download_ended(self, repo_id: str, status: str) -> None:
        if status:
            self.statusBar().showMessage(status, 8000)
        if self.model_manager is not None:
            self.model_manager.download_ended(repo_id, status)
            if not status and self.notices.get(n.DOWNLOAD):
                self.model_manager.show_error(self.notices.get(n.DOWNLOAD).text)

    def _deleted(self, repo_id: str, freed: int) -> None:
        if self.model_manager is not None:
            self.model_manager.model_deleted(repo_id, freed)

    def _link(self, link: str) -> None:
        if link.startswith("resume:"):
            self.models.resume(link.removeprefix("resume:"))
        elif link.startswith("download:"):
            if self.models.download(link.removeprefix("download:")):
                self.notices.clear(n.DOWNLOAD)
        elif link == "models":
            self.open_model_manager()

    def _device_chosen(self, preference: str) -> None:
        self.settings.setValue("device/preference", preference)
        self.models.set_device(preference)

    # -- questions (tests replace ``ask``) -------------------------------------------------------

    def ask(self, title: str, question: str) -> bool:
        """A yes/no question."""
        return QMessageBox.question(self, title, question) == QMessageBox.StandardButton.Yes

    def _ask_download(self, plan) -> bool:
        return self.ask("Download from Hugging Face?", plan.question())

    def field_widget(self, field: str) -> QWidget | None:
        """The control that edits request field ``field`` (to focus it after an error)."""
        advanced, canvas = self.advanced, self.canvas_panel
        return {
            "prompt": self.brief.prompt_edit,
            "colors": self.brief.palette_widget,
            "negative_prompt": advanced.negative_edit,
            "steps": advanced.steps_spin,
            "guidance": advanced.guidance_spin,
            "width": advanced.width_spin,
            "height": advanced.height_spin,
            "batch_count": advanced.batch_spin,
            "seed": advanced.seed_spin,
            "scheduler": advanced.scheduler_combo,
            "model": self.model_panel.combo,
            "guide": self.guide_panel.model_combo if self.request.guide_on else self.guide_panel.on_check,
            "strength": canvas.strength_spin,
            "mask_blur": canvas.feather_spin,
            "inpaint_padding": canvas.padding_spin,
            "mask": canvas.canvas,
            "image": canvas.canvas,
        }.get(field)

    # -- the model manager's window API ----------------------------------------------------------

    @property
    def model_combo(self):
        return self.model_panel.combo

    def current_model(self) -> str:
        return self.models.current

    def use_model(self, ref: str) -> None:
        self.models.use(ref)

    def download_model(self, repo_id: str) -> bool:
        return self.models.download(repo_id)

    def inpaint_model_changed(self) -> None:
        self.models.inpaint_model_changed()

    def _try(self, action) -> bool:
        return self.models.try_change(action)

    def open_model_manager(self) -> None:
        if self.model_manager is None:
            self.model_manager = ModelManagerDialog(self)
        self.model_manager.show_entries(self.models.entries)
        self.model_manager.show()
        self.model_manager.raise_()
        self.model_manager.activateWindow()
        self.files_host.requestList.emit()

    # -- settings and layout ---------------------------------------------------------------------

    def _restore(self, model: str | None) -> None:
        settings = self.settings
        self.request.restore(settings)
        default = self.library.default(TXT2IMG)
        chosen = normalize_ref(model) if model else default
        if model and chosen != default:  # chosen on the command line: it joins the list as the model in use
            with contextlib.suppress(LogoStudioError):
                self.library.set_default(TXT2IMG, self.library.add(model))
        self.models.choose(chosen)
        with contextlib.suppress(ValueError, TypeError):
            self.canvas_panel.set_sizes(
                int(settings.value("canvas/brushSize", 32)), int(settings.value("canvas/penSize", 6))
            )
        self.canvas_panel.opacity_slider.setValue(int(settings.value("canvas/maskOpacity", 50)))
        self.advanced.set_open(settings.value("window/advancedOpen", "false") == "true")
        self.loras.set_folder(str(settings.value("lora/folder", "") or ""))
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        last = self.gallery.get(str(settings.value("canvas/lastItem", "") or ""))
        if last is not None:  # the canvas reopens the last image
            self.gallery.select(last.id)
            self.canvas_panel.show_item(last)

    def save_settings(self) -> None:
        settings = self.settings
        self.request.save(settings)
        if not self.models.remote and self.library.default(TXT2IMG) != self.current_model():
            with contextlib.suppress(LogoStudioError):  # closing: nowhere left to show the problem
                self.library.set_default(TXT2IMG, self.current_model())
        settings.setValue("canvas/brushSize", self.canvas_panel.canvas.brush_size)
        settings.setValue("canvas/penSize", self.canvas_panel.sketch.pen_size)
        settings.setValue("canvas/maskOpacity", self.canvas_panel.opacity_slider.value())
        settings.setValue("canvas/lastItem", self.canvas_panel.canvas.source_item_id or "")
        settings.setValue("window/advancedOpen", "true" if self.advanced.is_open() else "false")
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.sync()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.host.started:
            QTimer.singleShot(0, self.host.start)

    def closeEvent(self, event) -> None:
        if self.jobs.running and not self.ask(
            "Quit Logo Studio?",
            "A logo is being made — quit anyway?\n\nThe image being made now is lost; the ones already made are "
            "in the gallery.",
        ):
            event.ignore()
            return
        self.save_settings()
        if self.model_manager is not None:
            self.model_manager.close()
        shutdown_all([self.host, *self.files_host.hosts, self.server_link.host])
        super().closeEvent(event)
