"""The canvas in the middle: the current image with its mask tools, the sketch layer (the guide's
shape) with its pen, the live preview while a job runs, the candidates of a batch to pick from, and
the inpainting options with their button. Mask and Sketch (M, S) say what the pointer paints; each
has its own tool, size and undo history."""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap, QUndoGroup
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
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
from desktop.state.guide import GuideModel
from desktop.state.jobs import JobsModel
from desktop.state.request import RequestModel
from desktop.ui.mask_canvas import BRUSH, ERASER, MASK, SKETCH, MaskCanvas
from desktop.ui.panels.binding import bind

EMPTY_HINT = (
    "Describe your logo on the left and press Generate (Ctrl+Enter).\n\n"
    "Or drop a picture here to paint over the part to redo."
)
ITEM_ID_ROLE = Qt.ItemDataRole.UserRole


class CanvasPanel(QWidget):
    inpaintRequested = Signal()
    imageDropped = Signal(str)
    guideDropped = Signal(str)  # a picture dropped while the sketch layer is active: the guide
    openGuideRequested = Signal()

    def __init__(
        self, request: RequestModel, jobs: JobsModel, gallery: GalleryModel, guide: GuideModel, parent=None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("canvasPanel")
        self.request, self.jobs, self.gallery, self.guide = request, jobs, gallery, guide
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        self.mask_layer_button = _tool("maskLayerButton", "Mask", "Paint the mask: the part to regenerate (M)", True)
        self.sketch_layer_button = _tool(
            "sketchLayerButton", "Sketch", "Draw the guide: the shape the logo should follow (S)", True
        )
        self.mask_layer_button.setChecked(True)
        self.mask_layer_button.clicked.connect(lambda: self.set_layer(MASK))
        self.sketch_layer_button.clicked.connect(lambda: self.set_layer(SKETCH))

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
        self.open_guide_button = _tool("openGuideButton", "Open…", "Open a picture as the guide (Ctrl+Shift+O)")
        self.open_guide_button.clicked.connect(self.openGuideRequested)
        self.open_guide_button.hide()
        self.invert_button = invert_button
        self.overlay_label = QLabel("Overlay")
        tools = QHBoxLayout()
        for widget in (
            self.mask_layer_button,
            self.sketch_layer_button,
            _separator(),
            self.brush_button,
            self.eraser_button,
            self.brush_size_spin,
            self.overlay_label,
            self.opacity_slider,
        ):
            tools.addWidget(widget)
        tools.addStretch(1)
        for widget in (self.open_guide_button, self.undo_button, self.redo_button, clear_button, invert_button):
            tools.addWidget(widget)
        layout.addLayout(tools)

        self.canvas = MaskCanvas()
        self.canvas.hint = EMPTY_HINT
        self.canvas.imageDropped.connect(self._dropped)
        self.canvas.maskChanged.connect(self._update_inpaint_button)
        self.sketch = self.canvas.sketch
        self.sketch.changed.connect(self._sketch_changed)
        self.undo_group = QUndoGroup(self)  # the active layer's history: Undo, Redo, Ctrl+Z, Ctrl+Shift+Z
        self.undo_group.addStack(self.canvas.undo_stack)
        self.undo_group.addStack(self.sketch.undo_stack)
        self.undo_group.setActiveStack(self.canvas.undo_stack)
        self.undo_button.clicked.connect(self.undo_group.undo)
        self.redo_button.clicked.connect(self.undo_group.redo)
        self.undo_group.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_group.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        clear_button.clicked.connect(self.clear_layer)
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
        jobs.progress_changed.connect(self._progress)
        jobs.job_started.connect(self._job_started)
        jobs.image_saved.connect(self._image_saved)
        gallery.selection_changed.connect(self._selected)
        request.changed.connect(self._request_changed)
        self._update_inpaint_button()

    # -- tools -----------------------------------------------------------------------------------

    def set_layer(self, layer: str) -> None:
        """What the pointer paints: the mask or the sketch; the tools show that layer's own."""
        self.canvas.layer = layer
        sketch = layer == SKETCH
        self.mask_layer_button.setChecked(not sketch)
        self.sketch_layer_button.setChecked(sketch)
        self.undo_group.setActiveStack(self.sketch.undo_stack if sketch else self.canvas.undo_stack)
        self.brush_button.setText("Pen" if sketch else "Brush")
        self.brush_button.setToolTip("Draw the shape (B)" if sketch else "Paint the area to regenerate (B)")
        self.eraser_button.setToolTip("Erase sketch lines (E)" if sketch else "Erase the mask (E)")
        self.brush_size_spin.setAccessibleName("Pen size" if sketch else "Brush size")
        self.brush_size_spin.setValue(self.sketch.pen_size if sketch else self.canvas.brush_size)
        for widget in (self.overlay_label, self.opacity_slider, self.invert_button):
            widget.setVisible(not sketch)
        self.open_guide_button.setVisible(sketch)
        self.set_tool(self.sketch.tool if sketch else self.canvas.tool)
        self.canvas.update()

    def set_tool(self, tool: str) -> None:
        if self.canvas.layer == SKETCH:
            self.sketch.tool = tool
        else:
            self.canvas.tool = tool
        self.brush_button.setChecked(tool == BRUSH)
        self.eraser_button.setChecked(tool == ERASER)

    def set_sizes(self, brush: int, pen: int) -> None:
        """The mask brush's and the sketch pen's sizes (restored from the settings)."""
        self.canvas.brush_size, self.sketch.pen_size = max(1, brush), max(1, pen)
        self.brush_size_spin.setValue(self.sketch.pen_size if self.canvas.layer == SKETCH else self.canvas.brush_size)

    def step_brush(self, direction: int) -> None:
        size = self.brush_size_spin.value()
        self.brush_size_spin.setValue(size + direction * max(1, round(size * 0.2)))

    def clear_layer(self) -> None:
        (self.sketch.clear if self.canvas.layer == SKETCH else self.canvas.clear_mask)()

    def _brush_size_changed(self, value: int) -> None:
        if self.canvas.layer == SKETCH:
            self.sketch.pen_size = value
        else:
            self.canvas.brush_size = value
        self.canvas.update()

    # -- the sketch layer ------------------------------------------------------------------------

    def open_guide(self, picture: Image.Image) -> None:
        """Use ``picture`` as the guide (undoable) and show it on the sketch layer."""
        self.sketch.open_picture(picture)
        self.set_layer(SKETCH)

    def _dropped(self, path: str) -> None:
        as_guide = self.canvas.layer == SKETCH and not path.lower().endswith(".safetensors")  # a LoRA stays one
        (self.guideDropped if as_guide else self.imageDropped).emit(path)

    def _request_changed(self, field: str) -> None:
        if field == "guide_on":
            self.canvas.show_sketch = self.request.guide_on and not self.sketch.is_empty()
            self.canvas.update()

    def _sketch_changed(self) -> None:
        """After each edit, undo and redo (not each bit of a stroke): the guide's picture follows."""
        if self.sketch.drawing():
            return
        was_empty = self.guide.empty
        self.guide.set_picture(self.sketch.picture(), self.sketch.is_empty())
        self.canvas.show_sketch = self.request.guide_on and not self.sketch.is_empty()
        if was_empty and not self.sketch.is_empty():  # the first line drawn: the guide is wanted
            self.request.set("guide_on", True)

    def _opacity_changed(self, value: int) -> None:
        self.canvas.mask_opacity = value / 100
        self.canvas.update()

    def _update_inpaint_button(self) -> None:
        self.inpaint_button.setEnabled(self.canvas.has_mask())

    # -- what the canvas shows -------------------------------------------------------------------

    def show_image(self, image: Image.Image, item_id: str | None = None) -> None:
        """Show a result or an opened picture in full: the pointer paints the mask again (the sketch
        stays, faint over the image while the guide is on; S draws on it again)."""
        self.canvas.hint = ""
        if self.canvas.layer == SKETCH:
            self.set_layer(MASK)
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

    def _progress(self, text: str, _done: int, _total: int) -> None:
        if self.preview_label.text():  # a preview is shown: its caption follows the job (clock, Cancel)
            self.preview_label.setText(f"Live preview · {text}")

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


def _separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _spin(name: str, accessible: str, limits: tuple, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setAccessibleName(accessible)
    spin.setRange(*limits)
    spin.setToolTip(tip)
    spin.setSuffix(suffix)
    return spin
