"""The main window: prompt and palette on the left, the mask canvas in the middle, the gallery on
the right. It turns widget state into GenerationParams, hands jobs to the worker and renders the
worker's signals; it holds no generation logic.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import replace
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.engine.catalog import DownloadMeter, format_duration, human_size
from desktop.engine.library import READY, ModelLibrary
from desktop.engine.models import DEFAULT_MODEL, is_hub_id, normalize_ref
from desktop.errors import InvalidParameters, LogoStudioError, MetadataError
from desktop.gallery import GalleryItem, GalleryStore
from desktop.imageops import fit_for_generation, open_image
from desktop.metadata import read_params
from desktop.params import (
    BATCH_RANGE,
    GUIDANCE_RANGE,
    INPAINT,
    MASK_BLUR_RANGE,
    PADDING_RANGE,
    SEED_MAX,
    SIZE_RANGE,
    STEPS_RANGE,
    TXT2IMG,
    GenerationParams,
)
from desktop.presets import apply_preset, load_presets
from desktop.schedulers import SCHEDULERS
from desktop.ui.export_dialog import ExportDialog
from desktop.ui.gallery_view import GalleryView
from desktop.ui.logo_export_dialog import LogoExportDialog
from desktop.ui.mask_canvas import BRUSH, ERASER, MaskCanvas
from desktop.ui.model_manager import ModelManagerDialog, local_model_menu
from desktop.ui.palette_widget import PaletteWidget
from desktop.ui.qtimage import pil_to_qimage
from desktop.workers.download_gate import DownloadGate
from desktop.workers.generation_worker import Job, StepUpdate, WorkerHost
from desktop.workers.model_files_worker import ModelFilesHost
from desktop.workers.thread_host import shutdown_all

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp)"


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
        self.store = store
        self.settings = settings
        self.host = host
        self.worker = host.worker
        self.library = library
        self.files_host = files_host
        self.presets = load_presets()
        self.gate = DownloadGate(files_host, lambda plan: self.ask("Download the model?", plan.question()))
        self.model_available = self.gate.available  # model reference -> on this computer, as last checked
        self.model_entries: list = []  # the model list (engine.library.ModelEntry), from the files worker
        self._preload_model = ""  # loaded in the background as soon as it is known to be on disk
        self._job_started_at = 0.0
        self._file_meters: dict[str, DownloadMeter] = {}
        self.model_manager: ModelManagerDialog | None = None
        self._last_deleted: GalleryItem | None = None
        self.setWindowTitle("Logo Studio")
        self.setObjectName("mainWindow")
        self._build()
        self._connect_worker()
        self._restore_settings(model)
        self.refresh_gallery()
        self._set_running(False)
        # The worker imports torch: start it once the window has painted (or after a second, for
        # a window that starts minimised), so the window appears at once.
        QTimer.singleShot(1000, self.host.start)
        QTimer.singleShot(1000, self.files_host.start)
        self._preload(self.current_model())
        self._offer_unfinished_downloads()

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self._build_controls())
        self.splitter.addWidget(self._build_canvas())
        self.splitter.addWidget(self._build_gallery())
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.setCentralWidget(self.splitter)
        self.device_label = QLabel("Device: starting…")
        self.device_label.setObjectName("deviceLabel")
        self.model_label = QLabel("")
        self.statusBar().addPermanentWidget(self.device_label)
        self.undo_delete_button = QPushButton("Undo delete")
        self.undo_delete_button.setObjectName("undoDeleteButton")
        self.undo_delete_button.clicked.connect(self.undo_delete)
        self.undo_delete_button.hide()
        # Permanent: showMessage() hides ordinary status bar widgets.
        self.statusBar().addPermanentWidget(self.undo_delete_button)
        self.statusBar().addPermanentWidget(self.model_label)
        self.download_label = QLabel("")
        self.download_label.setObjectName("downloadLabel")
        self.download_label.hide()
        self.statusBar().addPermanentWidget(self.download_label)
        self._build_actions()
        self.resize(1360, 840)
        self.splitter.setSizes([360, 650, 350])

    def _build_controls(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)

        self.error_banner = _banner("errorBanner", "#fdecea", "#611a15", "#f5c2c0")
        self.info_banner = _banner("infoBanner", "#e8f1fb", "#0b3d66", "#b9d4ef")
        self.info_banner.linkActivated.connect(self._banner_link)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.info_banner)

        prompt_box = QGroupBox("Logo")
        prompt_layout = QVBoxLayout(prompt_box)
        self.style_combo = QComboBox()
        self.style_combo.setObjectName("styleCombo")
        self.style_combo.setAccessibleName("Logo style")
        self.style_combo.addItem("Style: keep my prompt")
        for preset in self.presets:
            self.style_combo.addItem(preset.name)
        self.style_combo.setToolTip("Adds a logo style to the prompt; you can edit the text afterwards.")
        self.style_combo.activated.connect(self._apply_style)
        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setObjectName("promptEdit")
        self.prompt_edit.setAccessibleName("Prompt")
        self.prompt_edit.setPlaceholderText("Describe the logo, e.g. a fox head, geometric, facing right")
        self.prompt_edit.setToolTip("What the logo should show. Ctrl+Enter generates.")
        self.prompt_edit.setFixedHeight(76)
        self.negative_edit = QPlainTextEdit()
        self.negative_edit.setObjectName("negativePromptEdit")
        self.negative_edit.setAccessibleName("Negative prompt")
        self.negative_edit.setPlaceholderText("Keep out, e.g. text, gradient, photo")
        self.negative_edit.setFixedHeight(52)
        self.palette_widget = PaletteWidget()
        prompt_layout.addWidget(self.style_combo)
        prompt_layout.addWidget(self.prompt_edit)
        prompt_layout.addWidget(QLabel("Negative prompt"))
        prompt_layout.addWidget(self.negative_edit)
        prompt_layout.addWidget(QLabel("Brand colours"))
        prompt_layout.addWidget(self.palette_widget)
        layout.addWidget(prompt_box)

        settings_box = QGroupBox("Settings")
        form = QFormLayout(settings_box)
        model_row = QHBoxLayout()
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("modelCombo")
        self.model_combo.setAccessibleName("Model")
        self.model_combo.setEditable(True)
        self.model_combo.setToolTip("A Hugging Face model id, a diffusers model folder, or a .safetensors file")
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(6)
        self.model_combo.currentTextChanged.connect(self._model_text_changed)
        self.model_combo.activated.connect(lambda _index: self._preload(self.current_model()))
        browse_button = QToolButton()
        browse_button.setObjectName("modelBrowseButton")
        browse_button.setText("Browse…")
        browse_button.setToolTip("Use a model on this computer")
        browse_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        browse_button.setMenu(local_model_menu(browse_button, self.use_model))
        manage_button = QToolButton()
        manage_button.setObjectName("manageModelsButton")
        manage_button.setText("Models…")
        manage_button.setToolTip("Add, download, remove models and choose the defaults (Ctrl+Shift+M)")
        manage_button.clicked.connect(self.open_model_manager)
        model_row.addWidget(browse_button)
        model_row.addWidget(manage_button)
        model_row.addStretch(1)
        form.addRow("Model", self.model_combo)
        form.addRow("", model_row)

        self.device_combo = QComboBox()
        self.device_combo.setObjectName("deviceCombo")
        self.device_combo.setAccessibleName("Device")
        self.device_combo.setToolTip(
            "Where images are computed. Auto picks an NVIDIA GPU, then Apple MPS, then the CPU."
        )
        for label, value in (
            ("Auto", "auto"),
            ("CPU", "cpu"),
            ("NVIDIA GPU (CUDA)", "cuda"),
            ("Apple GPU (MPS)", "mps"),
        ):
            self.device_combo.addItem(label, value)
        self.device_combo.setCurrentIndex(self.device_combo.findData(self.worker.device_preference))
        self.device_combo.activated.connect(self._device_chosen)
        form.addRow("Device", self.device_combo)

        self.scheduler_combo = QComboBox()
        self.scheduler_combo.setObjectName("schedulerCombo")
        self.scheduler_combo.setAccessibleName("Sampler")
        self.scheduler_combo.addItems(list(SCHEDULERS))
        form.addRow("Sampler", self.scheduler_combo)
        self.steps_spin = _spin("stepsSpin", "Steps", *STEPS_RANGE, 25, "More steps: finer detail, slower.")
        form.addRow("Steps", self.steps_spin)
        self.guidance_spin = QDoubleSpinBox()
        self.guidance_spin.setObjectName("guidanceSpin")
        self.guidance_spin.setAccessibleName("Guidance")
        self.guidance_spin.setRange(*GUIDANCE_RANGE)
        self.guidance_spin.setSingleStep(0.5)
        self.guidance_spin.setValue(7.5)
        self.guidance_spin.setToolTip("How closely to follow the prompt (7–8 is typical).")
        form.addRow("Guidance", self.guidance_spin)
        size_row = QHBoxLayout()
        self.width_spin = _spin("widthSpin", "Width", *SIZE_RANGE, 512, "Width in pixels (multiple of 8)")
        self.height_spin = _spin("heightSpin", "Height", *SIZE_RANGE, 512, "Height in pixels (multiple of 8)")
        for spin in (self.width_spin, self.height_spin):
            spin.setSingleStep(64)
            spin.setMinimumWidth(70)
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_spin)
        size_row.addStretch(1)
        form.addRow("Size", size_row)
        self.batch_spin = _spin(
            "batchSpin", "Batch count", *BATCH_RANGE, 1, "How many images to make (seed, seed+1, …)"
        )
        form.addRow("Images", self.batch_spin)
        seed_row = QHBoxLayout()
        self.seed_spin = QDoubleSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setAccessibleName("Seed")
        self.seed_spin.setDecimals(0)
        self.seed_spin.setRange(0, SEED_MAX)
        self.seed_spin.setMinimumWidth(110)
        self.seed_spin.setToolTip("The seed of the first image. Unlocked: a new random seed for each job.")
        self.seed_lock = QToolButton()
        self.seed_lock.setObjectName("seedLockButton")
        self.seed_lock.setCheckable(True)
        self.seed_lock.setAccessibleName("Lock seed")
        self.seed_lock.toggled.connect(self._seed_lock_changed)
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.seed_lock)
        form.addRow("Seed", seed_row)
        self.variation_spin = QDoubleSpinBox()
        self.variation_spin.setObjectName("variationStrengthSpin")
        self.variation_spin.setAccessibleName("Variation strength")
        self.variation_spin.setRange(0.1, 1.0)
        self.variation_spin.setSingleStep(0.05)
        self.variation_spin.setValue(0.6)
        self.variation_spin.setToolTip("How far “More like this” may move from the original (0.1 close, 1 anything)")
        form.addRow("Variation", self.variation_spin)
        layout.addWidget(settings_box)

        buttons = QHBoxLayout()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setToolTip("Generate logos from the prompt (Ctrl+Enter)")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Stop the running job and drop queued ones (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.generate_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        layout.addLayout(buttons)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setAccessibleName("Progress")
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("Ready")
        self.progress_bar.setValue(0)
        layout.addWidget(self.progress_bar)
        self.preview_label = QLabel("Live preview")
        self.preview_label.setObjectName("previewLabel")
        self.preview_label.setAccessibleName("Live preview")
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_label.setFixedSize(128, 128)
        self.preview_label.setStyleSheet("QLabel { border: 1px dashed palette(mid); color: palette(mid); }")
        layout.addWidget(self.preview_label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(panel)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(340)
        return scroll

    def _build_canvas(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        tools = QHBoxLayout()
        self.brush_button = _tool("brushButton", "Brush", "Paint the area to regenerate (B)", checkable=True)
        self.eraser_button = _tool("eraserButton", "Eraser", "Erase the mask (E)", checkable=True)
        self.brush_button.setChecked(True)
        self.brush_button.clicked.connect(lambda: self.set_tool(BRUSH))
        self.eraser_button.clicked.connect(lambda: self.set_tool(ERASER))
        self.brush_size_spin = _spin("brushSizeSpin", "Brush size", 1, 400, 32, "Brush size in image pixels ([ and ])")
        self.brush_size_spin.setSuffix(" px")
        self.brush_size_spin.valueChanged.connect(self._brush_size_changed)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setObjectName("maskOpacitySlider")
        self.opacity_slider.setAccessibleName("Mask opacity")
        self.opacity_slider.setToolTip("How strongly the mask is shown over the image")
        self.opacity_slider.setRange(10, 90)
        self.opacity_slider.setValue(50)
        self.opacity_slider.setFixedWidth(80)
        self.opacity_slider.valueChanged.connect(self._opacity_changed)
        self.undo_button = _tool("undoMaskButton", "Undo", "Undo the last mask edit (Ctrl+Z)")
        self.redo_button = _tool("redoMaskButton", "Redo", "Redo (Ctrl+Shift+Z)")
        clear_button = _tool("clearMaskButton", "Clear", "Clear the mask")
        invert_button = _tool("invertMaskButton", "Invert", "Invert the mask (Ctrl+I)")
        for widget in (
            self.brush_button,
            self.eraser_button,
            QLabel("Size"),
            self.brush_size_spin,
            QLabel("Overlay"),
            self.opacity_slider,
            self.undo_button,
            self.redo_button,
            clear_button,
            invert_button,
        ):
            tools.addWidget(widget)
        tools.addStretch(1)
        layout.addLayout(tools)

        self.canvas = MaskCanvas()
        self.canvas.imageDropped.connect(self.open_image_file)
        self.canvas.maskChanged.connect(self._update_inpaint_state)
        self.undo_button.clicked.connect(self.canvas.undo_stack.undo)
        self.redo_button.clicked.connect(self.canvas.undo_stack.redo)
        self.canvas.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.canvas.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        clear_button.clicked.connect(self.canvas.clear_mask)
        invert_button.clicked.connect(self.canvas.invert_mask)
        layout.addWidget(self.canvas, 1)

        inpaint_row = QHBoxLayout()
        self.feather_spin = _spin("featherSpin", "Mask feather", *MASK_BLUR_RANGE, 4, "Soften the mask edge (px)")
        self.feather_spin.setSuffix(" px")
        self.strength_spin = QDoubleSpinBox()
        self.strength_spin.setObjectName("strengthSpin")
        self.strength_spin.setAccessibleName("Strength")
        self.strength_spin.setRange(0.05, 1.0)
        self.strength_spin.setSingleStep(0.05)
        self.strength_spin.setValue(1.0)
        self.strength_spin.setToolTip("1 repaints the masked part from scratch; lower keeps more of it")
        self.only_masked_check = QCheckBox("Only masked, at full resolution")
        self.only_masked_check.setObjectName("onlyMaskedCheck")
        self.only_masked_check.setToolTip(
            "Crop to the mask (plus padding), generate at full size, paste back: more detail"
        )
        self.padding_spin = _spin("paddingSpin", "Masked area padding", *PADDING_RANGE, 32, "Context around the mask")
        self.padding_spin.setSuffix(" px")
        self.inpaint_button = QPushButton("Inpaint masked area")
        self.inpaint_button.setObjectName("inpaintButton")
        self.inpaint_button.setToolTip("Regenerate only the painted part (Ctrl+Shift+Enter); the original is kept")
        self.inpaint_button.clicked.connect(self.inpaint)
        for widget in (
            QLabel("Feather"),
            self.feather_spin,
            QLabel("Strength"),
            self.strength_spin,
            self.only_masked_check,
            QLabel("Padding"),
            self.padding_spin,
        ):
            inpaint_row.addWidget(widget)
        inpaint_row.addStretch(1)
        inpaint_row.addWidget(self.inpaint_button)
        layout.addLayout(inpaint_row)
        return panel

    def _build_gallery(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("gallerySearch")
        self.search_edit.setAccessibleName("Search the gallery")
        self.search_edit.setPlaceholderText("Search by prompt")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(lambda _text: self.refresh_gallery())
        self.gallery_view = GalleryView()
        self.gallery_view.itemActivatedById.connect(self.open_gallery_item)
        self.gallery_view.itemSelectionChanged.connect(self._update_gallery_buttons)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open in canvas")
        self.open_button.setObjectName("openInCanvasButton")
        self.open_button.clicked.connect(lambda: self._with_selected(lambda item: self.open_gallery_item(item.id)))
        self.export_button = QPushButton("Export PNG…")
        self.export_button.setObjectName("exportButton")
        self.export_button.setToolTip("Export the selected logo as PNG (Ctrl+E)")
        self.export_button.clicked.connect(self.export_selected)
        self.logo_files_button = QPushButton("Logo files…")
        self.logo_files_button.setObjectName("logoExportButton")
        self.logo_files_button.setToolTip(
            "Palette lock, transparent PNG, SVG, wordmark and icon set for the selected logo (Ctrl+Shift+E)"
        )
        self.logo_files_button.clicked.connect(self.export_logo_files)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.logo_files_button)
        variations = QHBoxLayout()
        self.vary_button = QPushButton("More like this")
        self.vary_button.setObjectName("moreLikeThisButton")
        self.vary_button.setToolTip("Variations of the selected logo (Ctrl+M); strength in Settings")
        self.vary_button.clicked.connect(self.vary_selected)
        self.upscale_button = QPushButton("Upscale ×2")
        self.upscale_button.setObjectName("upscaleButton")
        self.upscale_button.setToolTip(
            "Twice the size, redrawn lightly with the loaded model for crisp detail (Ctrl+U)"
        )
        self.upscale_button.clicked.connect(self.upscale_selected)
        variations.addWidget(self.vary_button)
        variations.addWidget(self.upscale_button)
        layout.addWidget(QLabel("Gallery"))
        layout.addWidget(self.search_edit)
        layout.addWidget(self.gallery_view, 1)
        layout.addLayout(variations)
        layout.addLayout(buttons)
        return panel

    def _build_actions(self) -> None:
        def action(text, shortcut, slot, *, widget=None, context=Qt.ShortcutContext.WindowShortcut, name=""):
            item = QAction(text, widget or self)
            if shortcut:
                item.setShortcut(QKeySequence(shortcut))
                item.setShortcutContext(context)
            item.triggered.connect(slot)
            if name:
                item.setObjectName(name)
            (widget or self).addAction(item)
            return item

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(action("Open image…", QKeySequence.StandardKey.Open, self.choose_image))
        file_menu.addAction(action("New blank canvas", "Ctrl+Shift+N", self.new_canvas))
        file_menu.addAction(action("Export selected as PNG…", "Ctrl+E", self.export_selected))
        file_menu.addAction(action("Export logo files…", "Ctrl+Shift+E", self.export_logo_files))
        file_menu.addSeparator()
        file_menu.addAction(action("Models…", "Ctrl+Shift+M", self.open_model_manager, name="modelsAction"))
        file_menu.addSeparator()
        file_menu.addAction(action("Quit", QKeySequence.StandardKey.Quit, self.close))
        generate_menu = self.menuBar().addMenu("&Generate")
        generate_menu.addAction(action("Generate", "Ctrl+Return", self.generate, name="generateAction"))
        generate_menu.addAction(action("Inpaint masked area", "Ctrl+Shift+Return", self.inpaint, name="inpaintAction"))
        generate_menu.addAction(action("More like this", "Ctrl+M", self.vary_selected))
        generate_menu.addAction(action("Upscale ×2", "Ctrl+U", self.upscale_selected))
        generate_menu.addAction(action("Cancel", "Esc", self.cancel))
        mask_menu = self.menuBar().addMenu("&Mask")
        mask_menu.addAction(action("Undo", QKeySequence.StandardKey.Undo, self.canvas.undo_stack.undo))
        mask_menu.addAction(action("Redo", "Ctrl+Shift+Z", self.canvas.undo_stack.redo))
        mask_menu.addAction(action("Clear mask", "", self.canvas.clear_mask))
        mask_menu.addAction(action("Invert mask", "Ctrl+I", self.canvas.invert_mask))
        mask_menu.addSeparator()
        mask_menu.addAction(action("Brush", "B", lambda: self.set_tool(BRUSH)))
        mask_menu.addAction(action("Eraser", "E", lambda: self.set_tool(ERASER)))
        mask_menu.addAction(action("Smaller brush", "[", lambda: self._step_brush(-1)))
        mask_menu.addAction(action("Larger brush", "]", lambda: self._step_brush(+1)))

        gallery = self.gallery_view
        scoped = Qt.ShortcutContext.WidgetWithChildrenShortcut
        action(
            "Open in canvas",
            "Return",
            lambda: self._with_selected(lambda i: self.open_gallery_item(i.id)),
            widget=gallery,
            context=scoped,
        )
        action(
            "Reuse parameters", "", lambda: self._with_selected(lambda i: self.apply_params(i.params)), widget=gallery
        )
        action("Reuse seed", "", lambda: self._with_selected(self.reuse_seed), widget=gallery)
        action("Copy seed", "", lambda: self._with_selected(self.copy_seed), widget=gallery)
        action("More like this", "", self.vary_selected, widget=gallery)
        action("Upscale ×2", "", self.upscale_selected, widget=gallery)
        action("Export PNG…", "", self.export_selected, widget=gallery)
        action("Export logo files…", "", self.export_logo_files, widget=gallery)
        action("Show in folder", "", lambda: self._with_selected(self.show_in_folder), widget=gallery)
        action(
            "Delete",
            QKeySequence.StandardKey.Delete,
            lambda: self._with_selected(self.delete_item),
            widget=gallery,
            context=scoped,
        )

    def _connect_worker(self) -> None:
        # Bound methods of this GUI-thread object only: PySide6 runs a lambda connected to a
        # signal in the emitting (worker) thread, where widgets must not be touched.
        worker = self.worker
        worker.deviceReady.connect(self._device_ready)
        worker.modelLoading.connect(self._model_loading)
        worker.modelReady.connect(self._model_ready)
        worker.modelFailed.connect(self._model_failed)
        worker.fewStepModel.connect(self._few_step_model)
        files = self.files_host.worker
        files.modelsListed.connect(self._models_listed)
        files.modelChecked.connect(self._model_checked)
        files.modelDeleted.connect(self._model_deleted)
        files.deleteFailed.connect(self._file_download_failed)
        downloads = self.files_host.downloader
        downloads.downloadStarted.connect(self._file_download_started)
        downloads.downloadProgress.connect(self._file_download_progress)
        downloads.downloadFinished.connect(self._file_download_finished)
        downloads.downloadFailed.connect(self._file_download_failed)
        downloads.downloadCancelled.connect(self._file_download_cancelled)
        self.files_host.thread.started.connect(self.files_host.worker.listModels)
        self.gate.jobReady.connect(self._job_ready)
        self.gate.jobWaiting.connect(self._job_waiting)
        self.gate.jobDropped.connect(self._job_dropped)
        worker.jobStarted.connect(self._job_started)
        worker.jobProgress.connect(self._job_progress)
        worker.jobWarning.connect(self._job_warning)
        worker.imageSaved.connect(self._image_saved)
        worker.jobFinished.connect(self._job_finished)
        worker.jobFailed.connect(self._job_failed)
        worker.jobCancelled.connect(self._job_cancelled)

    # -- parameters --------------------------------------------------------------------------

    def _model_index(self, ref: str) -> int:
        """The model box's row for ``ref``, however it was written (relative or absolute), or -1."""
        ref = normalize_ref(ref)
        rows = range(self.model_combo.count())
        return next((i for i in rows if normalize_ref(self.model_combo.itemText(i)) == ref), -1)

    def select_model(self, ref: str) -> None:
        """Show ``ref`` in the model box, reusing its row if it is there already, in stored form."""
        index = self._model_index(ref)
        if index < 0:
            self.model_combo.insertItem(0, normalize_ref(ref))
            index = 0
        self.model_combo.setCurrentIndex(index)

    def current_model(self) -> str:
        """The model in the model box, as stored: a path made absolute, a hub id as typed."""
        return normalize_ref(self.model_combo.currentText()) or DEFAULT_MODEL

    def params_from_widgets(self, mode: str = TXT2IMG) -> GenerationParams:
        """The request described by the controls; raises InvalidParameters naming the field."""
        width, height = self.width_spin.value(), self.height_spin.value()
        if mode == INPAINT:
            width, height = self.canvas.image_size()
        return GenerationParams(
            prompt=self.prompt_edit.toPlainText().strip(),
            negative_prompt=self.negative_edit.toPlainText().strip(),
            mode=mode,
            colors=tuple(self.palette_widget.colors),
            background=self.palette_widget.background,
            model=self.current_model(),
            scheduler=self.scheduler_combo.currentText(),
            steps=self.steps_spin.value(),
            guidance=round(self.guidance_spin.value(), 2),
            width=width,
            height=height,
            seed=int(self.seed_spin.value()) if self.seed_lock.isChecked() else None,
            batch_count=self.batch_spin.value(),
            strength=round(self.strength_spin.value(), 2),
            mask_blur=self.feather_spin.value(),
            inpaint_only_masked=self.only_masked_check.isChecked(),
            inpaint_padding=self.padding_spin.value(),
        )

    def apply_params(self, params: GenerationParams) -> None:
        """Show ``params`` in the controls (reuse parameters, restore from a PNG, settings)."""
        self.prompt_edit.setPlainText(params.prompt)
        self.negative_edit.setPlainText(params.negative_prompt)
        self.palette_widget.set_palette(params.colors, params.background)
        if params.model:
            self.select_model(params.model)
        self.scheduler_combo.setCurrentText(params.scheduler)
        self.steps_spin.setValue(params.steps)
        self.guidance_spin.setValue(params.guidance)
        self.width_spin.setValue(params.width)
        self.height_spin.setValue(params.height)
        self.batch_spin.setValue(params.batch_count)
        if params.seed is not None:
            self.seed_spin.setValue(params.seed)
        self.strength_spin.setValue(params.strength)
        self.feather_spin.setValue(params.mask_blur)
        self.only_masked_check.setChecked(params.inpaint_only_masked)
        self.padding_spin.setValue(params.inpaint_padding)

    def _field_widget(self, field: str) -> QWidget | None:
        return {
            "prompt": self.prompt_edit,
            "negative_prompt": self.negative_edit,
            "steps": self.steps_spin,
            "guidance": self.guidance_spin,
            "width": self.width_spin,
            "height": self.height_spin,
            "batch_count": self.batch_spin,
            "seed": self.seed_spin,
            "scheduler": self.scheduler_combo,
            "model": self.model_combo,
            "strength": self.strength_spin,
            "mask_blur": self.feather_spin,
            "inpaint_padding": self.padding_spin,
            "colors": self.palette_widget,
            "mask": self.canvas,
            "image": self.canvas,
        }.get(field)

    # -- actions -----------------------------------------------------------------------------

    def generate(self) -> None:
        self._submit(TXT2IMG)

    def inpaint(self) -> None:
        if not self.canvas.has_mask():
            self.show_error("Paint over the part of the image to regenerate first (the mask is empty).")
            return
        self._submit(INPAINT)

    def _submit(self, mode: str) -> None:
        self.hide_banners()
        try:
            params = self.params_from_widgets(mode).with_resolved_seed()
        except InvalidParameters as error:
            self.show_error(error.message)
            widget = self._field_widget(error.field)
            if widget is not None:
                widget.setFocus()
            return
        self.seed_spin.setValue(params.seed)
        image = mask = None
        parent_id = None
        if mode == INPAINT:
            image, mask, parent_id = self.canvas.image(), self.canvas.mask(), self.canvas.source_item_id
        self._remember_model(params.model)
        self.gate.submit(Job(params, image=image, mask=mask, parent_id=parent_id, inpaint_model=self.inpaint_model()))

    def vary_selected(self) -> None:
        self._with_selected(lambda item: self._submit_from(item, "variation"))

    def upscale_selected(self) -> None:
        self._with_selected(lambda item: self._submit_from(item, "upscale"))

    def _submit_from(self, item: GalleryItem, kind: str) -> None:
        """A variation or upscale of ``item`` with the current model, saved as its child."""
        self.hide_banners()
        try:
            if kind == "upscale":
                params = item.params.upscaled()
            else:
                params = item.params.variation(round(self.variation_spin.value(), 2))
                if self.seed_lock.isChecked():
                    params = replace(params, seed=int(self.seed_spin.value()))
            params = replace(params, model=self.current_model(), steps=self.steps_spin.value()).with_resolved_seed()
            with Image.open(item.path) as opened:
                image = opened.convert("RGB")
        except InvalidParameters as error:
            self.show_error(error.message)
            return
        except OSError as error:
            self.show_error(f"Could not open {item.path.name}: {error}")
            return
        self.gate.submit(Job(params, image=image, parent_id=item.id, inpaint_model=self.inpaint_model()))

    def cancel(self) -> None:
        self.gate.cancel_all()
        if self.host.pending:
            self.host.cancel_all()
            self.progress_bar.setFormat("Cancelling…")

    @Slot(object)
    def _job_ready(self, job: Job) -> None:
        """The job's models are on this computer: hand it to the worker."""
        self.host.submit(job)
        self._set_running(True)
        queued = len(self.host.pending) - 1
        if queued:
            self.statusBar().showMessage(f"{queued} job(s) waiting.", 4000)

    @Slot(object, str)
    def _job_waiting(self, job: Job, text: str) -> None:
        self._set_running(True)
        self.progress_bar.setFormat(text)

    @Slot(object, str)
    def _job_dropped(self, job: Job, why: str) -> None:
        self._job_ended(status="Not started.", error=why)

    def _try(self, action) -> bool:
        """Run a model-list change; show its error instead of raising (e.g. a read-only settings folder)."""
        try:
            action()
        except LogoStudioError as error:
            self.show_error(error.message)
            return False
        return True

    def inpaint_model(self) -> str:
        """The dedicated inpainting model chosen in the model manager, or '' for the current model."""
        return self.library.default(INPAINT)

    def ask(self, title: str, question: str) -> bool:
        """A yes/no question (tests replace this)."""
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def set_tool(self, tool: str) -> None:
        self.canvas.tool = tool
        self.brush_button.setChecked(tool == BRUSH)
        self.eraser_button.setChecked(tool == ERASER)

    def _step_brush(self, direction: int) -> None:
        size = self.brush_size_spin.value()
        step = max(1, round(size * 0.2))
        self.brush_size_spin.setValue(size + direction * step)

    def _brush_size_changed(self, value: int) -> None:
        self.canvas.brush_size = value
        self.canvas.update()

    def _opacity_changed(self, value: int) -> None:
        self.canvas.mask_opacity = value / 100
        self.canvas.update()

    def _apply_style(self, index: int) -> None:
        if index <= 0:
            return
        prompt, negative = apply_preset(
            self.prompt_edit.toPlainText(), self.negative_edit.toPlainText(), self.presets[index - 1], self.presets
        )
        self.prompt_edit.setPlainText(prompt)
        self.negative_edit.setPlainText(negative)

    def _seed_lock_changed(self, locked: bool) -> None:
        self.seed_lock.setText("Locked" if locked else "Random")
        self.seed_lock.setToolTip(
            "Seed locked: every job starts from this seed"
            if locked
            else "Random: a new seed for every job (the one used is shown)"
        )

    # -- canvas ------------------------------------------------------------------------------

    def new_canvas(self) -> None:
        self.canvas.set_blank(self.width_spin.value(), self.height_spin.value())

    def choose_image(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Open image", str(Path.home()), IMAGE_FILTER)
        if path:
            self.open_image_file(path)

    def open_image_file(self, path: str) -> None:
        """Open a picture into the canvas; offer to restore parameters embedded in it."""
        try:
            opened = open_image(path)
        except InvalidParameters as error:
            self.show_error(error.message)
            return
        try:
            params = read_params(opened)
        except MetadataError:
            params = None
        image, note = fit_for_generation(opened)
        self.canvas.set_image(image)
        self.width_spin.setValue(image.width)
        self.height_spin.setValue(image.height)
        self.statusBar().showMessage(f"Opened {Path(path).name}. {note}".strip(), 6000)
        if params is not None and self.ask(
            "Restore parameters?", f"{Path(path).name} was made with Stable Diffusion. Restore its prompt and settings?"
        ):
            self.apply_params(params)

    def open_gallery_item(self, item_id: str) -> None:
        item = self.store.get(item_id)
        if item is None:
            return
        try:
            with Image.open(item.path) as image:
                self.canvas.set_image(image.convert("RGB"), source_item_id=item.id)
        except OSError as error:
            self.show_error(f"Could not open {item.path.name}: {error}")

    def _update_inpaint_state(self) -> None:
        self.inpaint_button.setEnabled(self.canvas.has_mask())

    # -- gallery -----------------------------------------------------------------------------

    def refresh_gallery(self) -> None:
        self.gallery_view.show_items(self.store.items(self.search_edit.text()))
        self._update_gallery_buttons()

    def _update_gallery_buttons(self) -> None:
        selected = self.gallery_view.selected_item() is not None
        self.export_button.setEnabled(selected)
        self.logo_files_button.setEnabled(selected)
        self.vary_button.setEnabled(selected)
        self.upscale_button.setEnabled(selected)
        self.open_button.setEnabled(selected)

    def _with_selected(self, handler) -> None:
        item = self.gallery_view.selected_item()
        if item is not None:
            handler(item)

    def reuse_seed(self, item: GalleryItem) -> None:
        self.seed_spin.setValue(item.params.seed)
        self.seed_lock.setChecked(True)

    def copy_seed(self, item: GalleryItem) -> None:
        QGuiApplication.clipboard().setText(str(item.params.seed))
        self.statusBar().showMessage(f"Seed {item.params.seed} copied.", 3000)

    def show_in_folder(self, item: GalleryItem) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(item.path.parent)))

    def delete_item(self, item: GalleryItem) -> None:
        try:
            self._last_deleted = self.store.delete(item.id)
        except LogoStudioError as error:
            self.show_error(error.message)
            return
        self.refresh_gallery()
        self.undo_delete_button.show()
        self.statusBar().showMessage("Deleted.", 10000)
        QTimer.singleShot(10000, self.undo_delete_button.hide)

    def undo_delete(self) -> None:
        if self._last_deleted is None:
            return
        try:
            self.store.restore(self._last_deleted)
        except LogoStudioError as error:
            self.show_error(error.message)
            return
        restored, self._last_deleted = self._last_deleted, None
        self.undo_delete_button.hide()
        self.refresh_gallery()
        self.gallery_view.select(restored.id)

    def export_selected(self) -> None:
        item = self.gallery_view.selected_item()
        if item is None:
            self.show_error("Select a logo in the gallery to export.")
            return
        dialog = ExportDialog(item, self.settings, self)
        dialog.exported.connect(lambda path: self.statusBar().showMessage(f"Exported {path}", 6000))
        dialog.open()

    def export_logo_files(self) -> None:
        item = self.gallery_view.selected_item()
        if item is None:
            self.show_error("Select a logo in the gallery first.")
            return
        dialog = LogoExportDialog(item, self.settings, self)
        dialog.exported.connect(self._logo_files_written)
        dialog.open()

    def _logo_files_written(self, paths: list) -> None:
        folder = Path(paths[0]).parent if paths else ""
        self.statusBar().showMessage(f"Wrote {len(paths)} files to {folder}", 8000)

    # -- worker signals ----------------------------------------------------------------------

    def _device_chosen(self, _index: int) -> None:
        preference = self.device_combo.currentData()
        self.settings.setValue("device/preference", preference)
        self.device_label.setText("Device: switching…")
        self.host.setDevice.emit(preference)

    @Slot(str)
    def _device_ready(self, text: str) -> None:
        self.device_label.setText(f"Device: {text}")

    @Slot(list)
    def _models_listed(self, entries: list) -> None:
        """Offer every ready model in the model box (with kind and size) and in the no-model notice."""
        self.model_entries = entries
        typed = self.model_combo.currentText()  # changing the current row's data resets the edit text
        for entry in entries:
            if entry.state != READY:
                continue
            index = self._model_index(entry.ref)
            if index < 0:
                self.model_combo.addItem(entry.ref)
                index = self.model_combo.count() - 1
            kind = {TXT2IMG: "text-to-image", INPAINT: "inpainting"}.get(entry.kind, "model")
            self.model_combo.setItemData(
                index, f"{entry.name}: {kind}, {human_size(entry.size_bytes or 0)}", Qt.ItemDataRole.ToolTipRole
            )
            self.model_available[entry.ref] = True
        if self.model_combo.currentText() != typed:
            self.model_combo.setEditText(typed)
        if self.info_banner.property("noModel"):
            current = self.current_model()
            self._model_checked(current, self.model_available.get(current, False))
        if self.model_manager is not None:
            self.model_manager.show_entries(entries)

    @Slot(str, str, int, float)
    def _few_step_model(self, reason: str, scheduler: str, steps: int, guidance: float) -> None:
        self.scheduler_combo.setCurrentText(scheduler)
        self.steps_spin.setValue(steps)
        self.guidance_spin.setValue(guidance)
        self.show_info(reason)

    @Slot(str, str)
    def _model_failed(self, model: str, message: str) -> None:
        self._job_ended(error=message)

    @Slot(int, str)
    def _job_warning(self, job_id: int, text: str) -> None:
        self.show_info(text)

    @Slot(int)
    def _job_finished(self, job_id: int) -> None:
        self._job_ended(status="Done.")

    @Slot(int, str)
    def _job_failed(self, job_id: int, message: str) -> None:
        self._job_ended(error=message)

    @Slot(int)
    def _job_cancelled(self, job_id: int) -> None:
        self._job_ended(status="Cancelled.")

    def _preload(self, model: str) -> None:
        """Load ``model`` (and the inpainting model, if one is chosen) in the background once both
        are known to be on this computer (never downloads)."""
        self._preload_model = model
        for ref in filter(None, (model, self.inpaint_model())):
            if not self.model_available.get(ref):
                self.gate.check(ref)
        self._preload_if_ready()

    def _preload_if_ready(self) -> None:
        model, inpaint_model = self._preload_model, self.inpaint_model()
        if not model or not self.model_available.get(model):
            return
        if inpaint_model and not self.model_available.get(inpaint_model):
            return
        self._preload_model = ""
        self.host.submitModel.emit(model, inpaint_model)

    @Slot(str, bool)
    def _model_checked(self, model: str, available: bool) -> None:
        self._preload_if_ready()
        if model != self.current_model():
            return
        if available:
            if self.info_banner.property("noModel"):
                self.info_banner.hide()
            return
        ready = [e for e in self.model_entries if e.state == READY]
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
        self.show_info(first + already)
        self.info_banner.setProperty("noModel", True)

    def _model_text_changed(self, text: str) -> None:
        model = normalize_ref(text) or DEFAULT_MODEL
        self.model_label.setText(f"Model: {model if is_hub_id(model) else Path(model).name}")
        if model not in self.model_available:
            self.gate.check(model)

    @Slot(str)
    def _model_loading(self, model: str) -> None:
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setFormat(f"Loading {Path(model).name or model}…")

    @Slot(str)
    def _model_ready(self, model: str) -> None:
        self.model_available[model] = True
        if self.info_banner.property("noModel"):
            self.info_banner.hide()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Model ready")

    @Slot(int)
    def _job_started(self, job_id: int) -> None:
        self._job_started_at = time.monotonic()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Starting…")

    @Slot(int, object)
    def _job_progress(self, job_id: int, update: StepUpdate) -> None:
        total = update.total * update.image_count
        done = update.image_index * update.total + update.step
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        elapsed = time.monotonic() - self._job_started_at
        remaining = elapsed / done * (total - done) if done else 0
        image_text = f"image {update.image_index + 1}/{update.image_count} · " if update.image_count > 1 else ""
        self.progress_bar.setFormat(
            f"{image_text}step {update.step}/{update.total} · {format_duration(elapsed)} elapsed · "
            f"{format_duration(remaining)} left"
        )
        if update.preview is not None:
            pixmap = QPixmap.fromImage(pil_to_qimage(update.preview))
            self.preview_label.setPixmap(
                pixmap.scaled(
                    self.preview_label.size(),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )

    @Slot(int, object, object)
    def _image_saved(self, job_id: int, item: GalleryItem, image: Image.Image) -> None:
        if not self.search_edit.text() or self.search_edit.text().lower() in item.params.prompt.lower():
            self.gallery_view.prepend(item)
            self.gallery_view.select(item.id)
        self.canvas.set_image(image, source_item_id=item.id)

    def _job_ended(self, status: str = "", error: str = "") -> None:
        if error:
            self.show_error(error)
        running = bool(self.host.pending or self.gate.waiting)
        self._set_running(running)
        if not running:
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(1 if status == "Done." else 0)
            self.progress_bar.setFormat(status or "Failed")
            self.preview_label.clear()
            self.preview_label.setText("Live preview")

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self._update_inpaint_state()

    # -- messages ----------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        self.error_banner.setText(message)
        self.error_banner.show()

    def show_info(self, message: str, links: bool = False) -> None:
        """A notice; with ``links`` the message is rich text whose links call _banner_link."""
        self.info_banner.setProperty("noModel", False)
        self.info_banner.setTextFormat(Qt.TextFormat.RichText if links else Qt.TextFormat.PlainText)
        self.info_banner.setText(message)
        self.info_banner.show()

    def hide_banners(self) -> None:
        self.error_banner.hide()
        if not self.info_banner.property("noModel"):
            self.info_banner.hide()

    # -- model picking -----------------------------------------------------------------------

    def use_model(self, ref: str) -> None:
        """Make ``ref`` the text-to-image model: add it to the model list, select it, load it."""
        self.hide_banners()
        try:
            ref = self.library.add(ref)
        except LogoStudioError as error:
            self.show_error(error.message)
            return
        self.select_model(ref)
        self._try(lambda: self.library.set_default(TXT2IMG, ref))
        self.files_host.requestList.emit()
        self._preload(ref)

    def inpaint_model_changed(self) -> None:
        """The manager chose another inpainting model: load it alongside the current one."""
        self._preload(self.current_model())

    def _remember_model(self, model: str) -> None:
        """A model the user generated with becomes the default and joins the model list."""
        self.select_model(model)
        if self.library.default(TXT2IMG) != model:
            self._try(lambda: self.library.set_default(TXT2IMG, model))
        if not any(entry.ref == model for entry in self.model_entries):
            with contextlib.suppress(LogoStudioError):  # not loadable: the job reports why
                self.library.add(model)
            self.files_host.requestList.emit()

    # -- model manager and downloads ---------------------------------------------------------

    def open_model_manager(self) -> None:
        if self.model_manager is None:
            self.model_manager = ModelManagerDialog(self)
        self.model_manager.show_entries(self.model_entries)
        self.model_manager.show()
        self.model_manager.raise_()
        self.model_manager.activateWindow()
        self.files_host.requestList.emit()

    def download_model(self, repo_id: str) -> bool:
        """Ask, check the disk, then download hub model ``repo_id`` in the background."""
        from desktop.engine.catalog import confirm_download

        try:
            if not confirm_download(repo_id, lambda plan: self.ask("Download the model?", plan.question())):
                return False
        except LogoStudioError as error:
            self.show_error(error.message)
            if self.model_manager is not None:
                self.model_manager.show_error(error.message)
            return False
        self.files_host.download(repo_id)
        return True

    def resume_download(self, repo_id: str) -> None:
        """Go on with a download agreed to earlier (it was cancelled, failed or cut off)."""
        self.hide_banners()
        self.files_host.download(repo_id)

    def _offer_unfinished_downloads(self) -> None:
        unfinished = self.library.unfinished_downloads()
        if not unfinished:
            return
        repo_id = unfinished[0]
        done = self.library.partial_bytes(repo_id)
        where = f" at {human_size(done)}" if done else ""
        self.show_info(
            f'The download of {repo_id} stopped{where} before it finished. <a href="resume:{repo_id}">Resume it</a> '
            f'(it goes on where it stopped) or <a href="models">open Models…</a>.',
            links=True,
        )

    @Slot(str)
    def _banner_link(self, link: str) -> None:
        if link.startswith("resume:"):
            self.resume_download(link.removeprefix("resume:"))
        elif link == "models":
            self.open_model_manager()

    @Slot(str)
    def _file_download_started(self, repo_id: str) -> None:
        self._file_meters[repo_id] = DownloadMeter()
        self.download_label.setText(f"Downloading {repo_id}…")
        self.download_label.show()

    @Slot(str, object, object)
    def _file_download_progress(self, repo_id: str, done: int, total: int) -> None:
        text = self._file_meters.setdefault(repo_id, DownloadMeter()).text(done, total)
        self.download_label.setText(f"Downloading {repo_id}: {text}")
        if any(repo_id in job.models() for job in self.gate.waiting):  # Generate is waiting for it
            # The bar counts kilobytes: QProgressBar takes 32-bit integers and models are gigabytes.
            self.progress_bar.setRange(0, max(total // 1024, 1))
            self.progress_bar.setValue(done // 1024)
            self.progress_bar.setFormat(f"Downloading {repo_id}: {text}")
        if self.model_manager is not None:
            self.model_manager.show_progress(repo_id, done, total, text)

    @Slot(str)
    def _file_download_finished(self, repo_id: str) -> None:
        self._file_download_ended(repo_id, f"{repo_id} is downloaded and ready.")
        self.model_available[repo_id] = True
        if repo_id in (self.current_model(), self.inpaint_model()):
            if self.info_banner.property("noModel"):
                self.info_banner.hide()
            self._preload(self.current_model())

    @Slot(str, object)
    def _model_deleted(self, repo_id: str, freed: int) -> None:
        self.statusBar().showMessage(f"Deleted {repo_id}: {human_size(freed)} freed.", 8000)
        if self.model_manager is not None:
            self.model_manager.model_deleted(repo_id, freed)

    @Slot(str, str)
    def _file_download_failed(self, repo_id: str, message: str) -> None:
        self._file_download_ended(repo_id, "")
        self.show_error(message)
        if self.model_manager is not None:
            self.model_manager.show_error(message)

    @Slot(str)
    def _file_download_cancelled(self, repo_id: str) -> None:
        self._file_download_ended(repo_id, f"Download of {repo_id} paused; resume it from Models… at any time.")

    def _file_download_ended(self, repo_id: str, status: str) -> None:
        self._file_meters.pop(repo_id, None)
        self.download_label.setVisible(bool(self.files_host.downloading))
        if status:
            self.statusBar().showMessage(status, 8000)
        if self.model_manager is not None:
            self.model_manager.download_ended(repo_id, status)

    # -- settings ----------------------------------------------------------------------------

    def _restore_settings(self, model: str | None) -> None:
        settings = self.settings
        default = self.library.default(TXT2IMG)
        for entry in dict.fromkeys([default, DEFAULT_MODEL]):
            self.model_combo.addItem(entry)
        with contextlib.suppress(InvalidParameters, ValueError):  # none saved, or unreadable: keep defaults
            self.apply_params(GenerationParams.from_dict(json.loads(settings.value("params/last", "") or "null")))
        self.select_model(model or default)
        if model and normalize_ref(model) != default:  # chosen on the command line: joins the list, in use
            with contextlib.suppress(LogoStudioError):
                self.library.set_default(TXT2IMG, self.library.add(model))
        self._model_text_changed(self.model_combo.currentText())
        self.seed_lock.setChecked(settings.value("params/seedLocked", "false") == "true")
        self._seed_lock_changed(self.seed_lock.isChecked())
        self.brush_size_spin.setValue(int(settings.value("canvas/brushSize", 32)))
        self.opacity_slider.setValue(int(settings.value("canvas/maskOpacity", 50)))
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)

    def save_settings(self) -> None:
        settings = self.settings
        with contextlib.suppress(InvalidParameters):  # e.g. an empty prompt: keep what was saved last time
            settings.setValue("params/last", json.dumps(self.params_from_widgets().to_dict()))
        settings.setValue("params/seedLocked", "true" if self.seed_lock.isChecked() else "false")
        if self.library.default(TXT2IMG) != self.current_model():
            with contextlib.suppress(LogoStudioError):  # closing: nowhere left to show the problem
                self.library.set_default(TXT2IMG, self.current_model())
        settings.setValue("canvas/brushSize", self.brush_size_spin.value())
        settings.setValue("canvas/maskOpacity", self.opacity_slider.value())
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.sync()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.host.started:
            QTimer.singleShot(0, self.host.start)

    def closeEvent(self, event) -> None:
        self.save_settings()
        if self.model_manager is not None:
            self.model_manager.close()
        shutdown_all([self.host, *self.files_host.hosts])
        super().closeEvent(event)


def _spin(name: str, accessible: str, low: int, high: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setAccessibleName(accessible)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


def _tool(name: str, text: str, tip: str, checkable: bool = False) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    button.setCheckable(checkable)
    return button


def _banner(name: str, background: str, color: str, border: str) -> QLabel:
    """A hidden message strip (errors, notices) whose text the user can select and copy."""
    banner = QLabel()
    banner.setObjectName(name)
    banner.setWordWrap(True)
    banner.setTextFormat(Qt.TextFormat.PlainText)
    banner.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
    )
    banner.setStyleSheet(
        f"QLabel {{ background: {background}; color: {color}; border: 1px solid {border}; "
        "border-radius: 4px; padding: 6px; }"
    )
    banner.hide()
    return banner
