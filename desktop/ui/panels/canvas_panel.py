"""The canvas in the middle: the current image with its mask tools, the live preview while a job
runs, the candidates of a batch to pick from, and the inpainting options with their button."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gallery import GalleryItem
from desktop.params import MASK_BLUR_RANGE, PADDING_RANGE
from desktop.state.gallery import GalleryModel
from desktop.state.jobs import JobsModel
from desktop.state.request import RequestModel
from desktop.ui.mask_canvas import BRUSH, ERASER, MaskCanvas
from desktop.ui.panels.binding import bind

EMPTY_HINT = (
    "Describe your logo on the left and press Generate (Ctrl+Enter).\n\n"
    "Or drop a picture here to paint over the part to redo."
)
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole


class CanvasPanel(QWidget):
    inpaintRequested = Signal()
    imageDropped = Signal(str)

    def __init__(self, request: RequestModel, jobs: JobsModel, gallery: GalleryModel, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("canvasPanel")
        self.request, self.jobs, self.gallery = request, jobs, gallery
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.brush_button = _tool("brushButton", "Brush", "Paint the area to regenerate (B)", checkable=True)
        self.eraser_button = _tool("eraserButton", "Eraser", "Erase the mask (E)", checkable=True)
        self.brush_button.setChecked(True)
        self.brush_button.clicked.connect(lambda: self.set_tool(BRUSH))
        self.eraser_button.clicked.connect(lambda: self.set_tool(ERASER))
        self.brush_size_spin = QSpinBox()
        self.brush_size_spin.setObjectName("brushSizeSpin")
        self.brush_size_spin.setAccessibleName("Brush size")
        self.brush_size_spin.setToolTip("Brush size in image pixels ([ and ])")
        self.brush_size_spin.setRange(1, 400)
        self.brush_size_spin.setValue(32)
        self.brush_size_spin.setSuffix(" px")
        self.brush_size_spin.valueChanged.connect(self._brush_size_changed)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setObjectName("maskOpacitySlider")
        self.opacity_slider.setAccessibleName("Mask opacity")
        self.opacity_slider.setToolTip("How strongly the mask is shown over the image")
        self.opacity_slider.setRange(10, 90)
        self.opacity_slider.setValue(50)
        self.opacity_slider.setFixedWidth(70)
        self.opacity_slider.valueChanged.connect(self._opacity_changed)
        self.undo_button = _tool("undoMaskButton", "Undo", "Undo the last mask edit (Ctrl+Z)")
        self.redo_button = _tool("redoMaskButton", "Redo", "Redo (Ctrl+Shift+Z)")
        clear_button = _tool("clearMaskButton", "Clear", "Clear the mask")
        invert_button = _tool("invertMaskButton", "Invert", "Invert the mask (Ctrl+I)")
        tools = QHBoxLayout()
        for widget in (
            self.brush_button,
            self.eraser_button,
            self.brush_size_spin,
            QLabel("Overlay"),
            self.opacity_slider,
        ):
            tools.addWidget(widget)
        tools.addStretch(1)
        for widget in (self.undo_button, self.redo_button, clear_button, invert_button):
            tools.addWidget(widget)
        layout.addLayout(tools)

        self.canvas = MaskCanvas()
        self.canvas.hint = EMPTY_HINT
        self.canvas.imageDropped.connect(self.imageDropped)
        self.canvas.maskChanged.connect(self._update_inpaint_button)
        self.undo_button.clicked.connect(self.canvas.undo_stack.undo)
        self.redo_button.clicked.connect(self.canvas.undo_stack.redo)
        self.canvas.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.canvas.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        clear_button.clicked.connect(self.canvas.clear_mask)
        invert_button.clicked.connect(self.canvas.invert_mask)
        layout.addWidget(self.canvas, 1)

        self.candidates = QListWidget()
        self.candidates.setObjectName("candidatesView")
        self.candidates.setAccessibleName("Candidates of the last batch")
        self.candidates.setToolTip("The images of the last batch: click one to look at it on the canvas")
        self.candidates.setViewMode(QListView.ViewMode.IconMode)
        self.candidates.setFlow(QListView.Flow.LeftToRight)
        self.candidates.setWrapping(False)
        self.candidates.setIconSize(QSize(64, 64))
        self.candidates.setFixedHeight(84)
        self.candidates.setMovement(QListView.Movement.Static)
        self.candidates.itemClicked.connect(lambda entry: self.gallery.select(entry.data(ITEM_ID_ROLE)))
        self.candidates.hide()
        layout.addWidget(self.candidates)
        self.preview_label = QLabel("")
        self.preview_label.setObjectName("previewLabel")
        self.preview_label.setAccessibleName("Live preview")
        self.preview_label.setToolTip("While a job runs, the canvas shows the image as it forms")
        layout.addWidget(self.preview_label)

        self.feather_spin = _spin("featherSpin", "Mask feather", MASK_BLUR_RANGE, "Soften the mask edge (px)", " px")
        bind(request, "mask_blur", self.feather_spin)
        self.strength_spin = QDoubleSpinBox()
        self.strength_spin.setObjectName("strengthSpin")
        self.strength_spin.setAccessibleName("Strength")
        self.strength_spin.setRange(0.05, 1.0)
        self.strength_spin.setSingleStep(0.05)
        self.strength_spin.setToolTip("1 repaints the masked part from scratch; lower keeps more of it")
        bind(request, "strength", self.strength_spin, from_widget=lambda value: round(value, 2))
        self.only_masked_check = QCheckBox("Only masked")
        self.only_masked_check.setObjectName("onlyMaskedCheck")
        self.only_masked_check.setToolTip(
            "Crop to the mask (plus padding), generate at full size, paste back: more detail"
        )
        bind(request, "inpaint_only_masked", self.only_masked_check)
        self.padding_spin = _spin("paddingSpin", "Masked area padding", PADDING_RANGE, "Context around the mask", " px")
        bind(request, "inpaint_padding", self.padding_spin)
        self.inpaint_button = QPushButton("Inpaint masked area")
        self.inpaint_button.setObjectName("inpaintButton")
        self.inpaint_button.setToolTip("Regenerate only the painted part (Ctrl+Shift+Enter); the original is kept")
        self.inpaint_button.clicked.connect(self.inpaintRequested)
        options = QHBoxLayout()
        for label, widget in (("Feather", self.feather_spin), ("Strength", self.strength_spin)):
            options.addWidget(QLabel(label))
            options.addWidget(widget)
        options.addWidget(self.only_masked_check)
        options.addWidget(QLabel("Padding"))
        options.addWidget(self.padding_spin)
        options.addStretch(1)
        options.addWidget(self.inpaint_button)
        layout.addLayout(options)

        jobs.preview_changed.connect(self._preview)
        jobs.job_started.connect(self._job_started)
        jobs.image_saved.connect(self._image_saved)
        gallery.selection_changed.connect(self._selected)
        self._update_inpaint_button()

    # -- tools -----------------------------------------------------------------------------------

    def set_tool(self, tool: str) -> None:
        self.canvas.tool = tool
        self.brush_button.setChecked(tool == BRUSH)
        self.eraser_button.setChecked(tool == ERASER)

    def step_brush(self, direction: int) -> None:
        size = self.brush_size_spin.value()
        self.brush_size_spin.setValue(size + direction * max(1, round(size * 0.2)))

    def _brush_size_changed(self, value: int) -> None:
        self.canvas.brush_size = value
        self.canvas.update()

    def _opacity_changed(self, value: int) -> None:
        self.canvas.mask_opacity = value / 100
        self.canvas.update()

    def _update_inpaint_button(self) -> None:
        self.inpaint_button.setEnabled(self.canvas.has_mask())

    # -- what the canvas shows -------------------------------------------------------------------

    def show_image(self, image: Image.Image, item_id: str | None = None) -> None:
        self.canvas.hint = ""
        self.canvas.set_image(image, source_item_id=item_id)

    def show_item(self, item: GalleryItem) -> bool:
        """Show a gallery item (read from its file); False (nothing changed) if it cannot be read."""
        if self.canvas.source_item_id == item.id:
            return True
        try:
            with Image.open(item.path) as image:
                self.show_image(image.convert("RGB"), item.id)
        except OSError:
            return False
        return True

    def _selected(self, item: GalleryItem | None) -> None:
        if item is not None:
            self.show_item(item)

    def _preview(self, preview: Image.Image | None) -> None:
        self.canvas.show_preview(preview)
        self.preview_label.setText(f"Live preview · {self.jobs.status}" if preview is not None else "")

    def _job_started(self, job) -> None:
        self.candidates.clear()
        self.candidates.setVisible(job.params.batch_count > 1)

    def _image_saved(self, job, item: GalleryItem, image: Image.Image) -> None:
        self.show_image(image, item.id)
        if job.params.batch_count > 1:
            entry = QListWidgetItem(QIcon(QPixmap(str(item.thumbnail))), f"seed {item.params.seed}")
            entry.setData(ITEM_ID_ROLE, item.id)
            entry.setToolTip(f"Seed {item.params.seed}: click to look at it")
            self.candidates.addItem(entry)


def _tool(name: str, text: str, tip: str, checkable: bool = False) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    button.setCheckable(checkable)
    return button


def _spin(name: str, accessible: str, limits: tuple, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setAccessibleName(accessible)
    spin.setRange(*limits)
    spin.setToolTip(tip)
    spin.setSuffix(suffix)
    return spin
