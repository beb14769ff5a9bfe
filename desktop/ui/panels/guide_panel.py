"""The guide (ControlNet): the logo follows a shape drawn on the canvas's sketch layer or opened from
a picture. On/off, the kind (sketch, edges of a picture, line art from a photo), the ControlNet
model, how strictly and for how much of the steps it is followed, the edge finder's detail, and a
small preview of what the ControlNet will see, with the reason when there is nothing to follow.

Bound to the request's guide fields; the picture comes from the GuideModel (the sketch layer)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import guides
from desktop.errors import InvalidParameters
from desktop.params import GUIDE_STRENGTH_RANGE
from desktop.state.guide import GuideModel, controlnets_for
from desktop.state.request import RequestModel
from desktop.ui.panels.binding import bind
from desktop.ui.qtimage import pil_to_qimage

PREVIEW_SIDE = 112  # px: the preview of what the ControlNet sees
PREVIEW_DELAY_MS = 150  # the preview waits for the user to stop dragging a slider
MODEL_TIP = "The ControlNet for the model's family: a Hugging Face id, a folder or a file"
KIND_TIPS = {
    guides.SKETCH: "Lines drawn on the canvas (or a clean drawing): the logo follows their layout.",
    guides.EDGES: "The outlines of an opened picture (a logo, a letterform): the shape is kept, the style redone.",
    guides.LINEART: "A photo of a paper sketch: paper and shadows are removed, the pen lines kept. Check the preview.",
}


class GuidePanel(QGroupBox):
    drawRequested = Signal()  # switch the canvas to the sketch layer
    openRequested = Signal()  # open a picture as the guide

    def __init__(self, request: RequestModel, guide: GuideModel, parent=None) -> None:
        super().__init__("Guide: a shape to follow", parent)
        self.setObjectName("guidePanel")
        self.setToolTip("ControlNet: the logo follows a sketch you draw on the canvas, or the shape of a picture")
        self.request, self.guide = request, guide
        self.family = None  # the loaded model's ModelFamily
        self.server_host = ""  # the ComfyUI server jobs run on ('' for this computer)
        self.server_controlnets: tuple[str, ...] = ()
        self._server_listed = False
        layout = QVBoxLayout(self)
        self.on_check = QCheckBox("Follow a sketch or picture")
        self.on_check.setObjectName("guideOnCheck")
        self.on_check.setToolTip("Guide the image with the sketch layer (draw it on the canvas) or an opened picture")
        bind(request, "guide_on", self.on_check)
        layout.addWidget(self.on_check)

        self.body = QWidget()
        self.body.setObjectName("guideBody")
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.draw_button = _button("guideDrawButton", "Draw on canvas", "Draw the shape on the canvas (S)")
        self.open_button = _button("guideOpenButton", "Open picture…", "A sketch on paper, a logo, a letterform")
        self.draw_button.clicked.connect(self.drawRequested)
        self.open_button.clicked.connect(self.openRequested)
        buttons.addWidget(self.draw_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        body.addLayout(buttons)

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("guideKindCombo")
        self.kind_combo.setAccessibleName("Guide kind")
        for kind in guides.GUIDE_KINDS:
            self.kind_combo.addItem(guides.GUIDE_LABELS[kind], kind)
            self.kind_combo.setItemData(self.kind_combo.count() - 1, KIND_TIPS[kind], Qt.ItemDataRole.ToolTipRole)
        self.kind_combo.activated.connect(self._kind_chosen)
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("guideModelCombo")
        self.model_combo.setAccessibleName("ControlNet model")
        self.model_combo.setEditable(True)
        self.model_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.model_combo.setToolTip(MODEL_TIP)
        self.model_combo.setMinimumContentsLength(12)
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        bind(request, "guide_model", self.model_combo)
        self.model_note = QLabel()
        self.model_note.setObjectName("guideModelNote")
        self.model_note.setWordWrap(True)
        self.model_note.setStyleSheet("color: palette(placeholder-text);")
        self.strength_slider, self.strength_value = _slider("guideStrengthSlider", "Guide strength")
        self.strength_slider.setRange(round(GUIDE_STRENGTH_RANGE[0] * 100), round(GUIDE_STRENGTH_RANGE[1] * 100))
        self.strength_slider.setToolTip("How strictly the shape is followed: 0 not at all, 1 closely, above 1 rigidly")
        self.end_slider, self.end_value = _slider("guideEndSlider", "Follow until")
        self.end_slider.setRange(5, 100)
        self.end_slider.setToolTip("The share of the steps that follow the shape; the rest refine the details freely")
        self.detail_slider, self.detail_value = _slider("guideDetailSlider", "Edge detail")
        self.detail_slider.setRange(0, 100)
        self.detail_slider.setToolTip("Which edges count: low keeps the strongest outlines, high every faint edge")
        self._bind_slider("guide_strength", self.strength_slider, self.strength_value, lambda v: f"{v:.2f}")
        self._bind_slider("guide_end", self.end_slider, self.end_value, lambda v: f"{round(v * 100)}%")
        self._bind_slider("guide_detail", self.detail_slider, self.detail_value, lambda v: f"{v:.2f}")
        self.detail_label = QLabel("Detail")
        rows = (
            (QLabel("Kind"), self.kind_combo, None),
            (QLabel("ControlNet"), self.model_combo, None),
            (None, self.model_note, None),
            (QLabel("Strength"), self.strength_slider, self.strength_value),
            (QLabel("Follow until"), self.end_slider, self.end_value),
            (self.detail_label, self.detail_slider, self.detail_value),
        )
        for row, (label, widget, value) in enumerate(rows):
            if label is not None:
                grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1, 1, 1 if value is not None else 2)
            if value is not None:
                grid.addWidget(value, row, 2)
        body.addLayout(grid)

        seen = QHBoxLayout()
        self.preview_label = QLabel()
        self.preview_label.setObjectName("guidePreview")
        self.preview_label.setAccessibleName("What the ControlNet will see")
        self.preview_label.setToolTip("What the ControlNet will see: white lines on black, at the image's size")
        self.preview_label.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_label.setStyleSheet("background: #202020; color: #bbbbbb;")
        self.message_label = QLabel()
        self.message_label.setObjectName("guideMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        seen.addWidget(self.preview_label, 0, Qt.AlignmentFlag.AlignTop)
        seen.addWidget(self.message_label, 1)
        body.addLayout(seen)
        layout.addWidget(self.body)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.refresh_preview)
        request.changed.connect(self._changed)
        guide.picture_changed.connect(self._timer.start)
        for field in ("guide_on", "guide_kind"):
            self._changed(field)
        self._fill_models()

    # -- what the window tells it ----------------------------------------------------------------

    def set_server(self, host: str, controlnets: tuple[str, ...] | None) -> None:
        """Jobs run on the server ``host`` ('' for this computer), which has ``controlnets`` (None:
        not known yet): the combo offers those (a server's ControlNet named as the server lists it)."""
        was_on_server = self.server_controlnets if self.server_host else ()
        self.server_host, self.server_controlnets = host, tuple(controlnets or ())
        self._server_listed = controlnets is not None
        if host and controlnets is not None and self.request.guide_model not in self.server_controlnets:
            self.request.set("guide_model", self.server_controlnets[0] if self.server_controlnets else "")
        elif not host and self.request.guide_model in was_on_server:
            self.request.set("guide_model", "")  # a server's name means nothing here
            self.request.fit_guide_model(self.family.name if self.family is not None else "")
        self._fill_models()

    def set_family(self, family) -> None:
        """A model of ``family`` (a ModelFamily) is loaded: offer its ControlNets."""
        self.family = family
        self.request.fit_guide_model(family.name)
        self._fill_models()
        self._timer.start()

    # -- the request to widgets ------------------------------------------------------------------

    def _changed(self, field: str) -> None:
        if field == "guide_on":
            self.body.setVisible(self.request.guide_on)
            self._timer.start()
        elif field == "guide_kind":
            kind = self.request.guide_kind
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))
            self.kind_combo.setToolTip(KIND_TIPS.get(kind, ""))
            for widget in (self.detail_label, self.detail_slider, self.detail_value):
                widget.setVisible(kind == guides.EDGES)
            self._fill_models()
            self._timer.start()
        elif field in ("guide_detail", "width", "height"):
            self._timer.start()
        elif field == "guide_model":
            self._show_model_note()

    def _show_model_note(self) -> None:
        ref = self.request.guide_model.strip()
        index = self.model_combo.findText(ref) if ref else -1
        if self.server_host and not self._server_listed:
            self.model_note.setText(f"Asking {self.server_host} for its ControlNets…")
        elif self.server_host and not self.server_controlnets:
            self.model_note.setText(f"{self.server_host} has no ControlNet: copy one into models/controlnet there.")
        elif self.family is not None and self.family.name == "flux" and not ref:
            self.model_note.setText("None is offered for FLUX.1 (see below).")
        elif index >= 0:
            self.model_note.setText(str(self.model_combo.itemData(index, Qt.ItemDataRole.ToolTipRole)))
        elif ref:
            self.model_note.setText("Your own ControlNet (a Hugging Face id, a folder or a file).")
        else:
            self.model_note.setText("Choose a ControlNet, or type a Hugging Face id, a folder or a file.")
        self.model_combo.setToolTip(ref or MODEL_TIP)

    def _kind_chosen(self, index: int) -> None:
        self.request.choose_guide_kind(self.kind_combo.itemData(index))
        self.request.fit_guide_model(self.family.name if self.family is not None else "")

    def _fill_models(self) -> None:
        family = self.family.name if self.family is not None else ""
        current = self.request.guide_model
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        offered = (
            [(name, f"A ControlNet on {self.server_host}") for name in self.server_controlnets]
            if self.server_host
            else controlnets_for(family, self.request.guide_kind)
        )
        for ref, words in offered:
            self.model_combo.addItem(ref)
            self.model_combo.setItemData(self.model_combo.count() - 1, words, Qt.ItemDataRole.ToolTipRole)
        self.model_combo.setCurrentText(current)
        self.model_combo.blockSignals(False)
        self._show_model_note()

    def refresh_preview(self) -> None:
        """Show what the ControlNet will see, or why there is nothing to follow."""
        self._timer.stop()
        if not self.request.guide_on:
            return
        request = self.request
        try:
            control, note = self.guide.control_image(
                request.guide_kind, (request.width, request.height), request.guide_detail, self.family
            )
        except InvalidParameters as error:
            self.preview_label.setPixmap(QPixmap())
            self.preview_label.setText("Nothing to\nfollow yet")
            self.message_label.setText(error.message)
            self.message_label.setProperty("problem", True)
            return
        control.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        self.preview_label.setText("")
        self.preview_label.setPixmap(QPixmap.fromImage(pil_to_qimage(control)))
        words = "What the ControlNet will see: the white lines are followed."
        if request.guide_kind == guides.LINEART:
            words = "The pen lines found in the photo (white): check that the paper and shadows are gone."
        self.message_label.setText(f"{words} {note}".strip())
        self.message_label.setProperty("problem", False)

    def _bind_slider(self, field: str, slider: QSlider, value_label: QLabel, text) -> None:
        def show(changed: str) -> None:
            if changed == field:
                value = float(getattr(self.request, field))
                slider.blockSignals(True)
                slider.setValue(round(value * 100))
                slider.blockSignals(False)
                value_label.setText(text(value))

        slider.valueChanged.connect(lambda value: self.request.set(field, round(value / 100, 2)))
        self.request.changed.connect(show)
        show(field)


def _slider(name: str, accessible: str) -> tuple[QSlider, QLabel]:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setObjectName(name)
    slider.setAccessibleName(accessible)
    slider.setMinimumWidth(90)
    value = QLabel()
    value.setObjectName(f"{name}Value")
    value.setMinimumWidth(34)
    value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return slider, value


def _button(name: str, text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    return button
