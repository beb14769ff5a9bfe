"""The brief, first thing on the left: what the logo shows, the brand name, a style and the brand
colours, and the choice between best quality and a quick draft. Founders start here; the
sampler, steps and the rest wait under Advanced."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.state.request import FAST, QUALITY, RequestModel
from desktop.ui.palette_widget import PaletteWidget
from desktop.ui.panels.binding import bind

NO_STYLE = "No style: keep my words"


class BriefPanel(QGroupBox):
    def __init__(self, request: RequestModel, parent=None) -> None:
        super().__init__("Your logo", parent)
        self.setObjectName("briefPanel")
        self.request = request
        layout = QVBoxLayout(self)

        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setObjectName("promptEdit")
        self.prompt_edit.setAccessibleName("Prompt")
        self.prompt_edit.setPlaceholderText("What should the logo show? e.g. a fox head, geometric, facing right")
        self.prompt_edit.setToolTip("What the logo should show. Ctrl+Enter generates.")
        self.prompt_edit.setTabChangesFocus(True)
        self.prompt_edit.setFixedHeight(84)
        bind(request, "prompt", self.prompt_edit)

        self.brand_edit = QLineEdit()
        self.brand_edit.setObjectName("brandNameEdit")
        self.brand_edit.setAccessibleName("Brand name")
        self.brand_edit.setPlaceholderText("e.g. Foxly (set as real text in Logo files and the brand kit)")
        self.brand_edit.setToolTip(
            "Image models spell badly, so the name is not drawn by the model: Logo files… and Brand kit… set it "
            "in a real font beside the mark."
        )
        bind(request, "brand_name", self.brand_edit)

        self.style_combo = QComboBox()
        self.style_combo.setObjectName("styleCombo")
        self.style_combo.setAccessibleName("Logo style")
        self.style_combo.addItem(NO_STYLE)
        self.style_combo.addItems([preset.name for preset in request.presets])
        self.style_combo.setToolTip("Adds a logo style's wording to the prompt; you can still edit the text.")
        self.style_combo.activated.connect(self._style_chosen)
        request.changed.connect(self._show_style)

        self.palette_widget = PaletteWidget()
        self.palette_widget.changed.connect(self._palette_edited)
        request.changed.connect(self._show_palette)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow(_label("What it shows", self.prompt_edit), self.prompt_edit)
        form.addRow(_label("Brand name", self.brand_edit), self.brand_edit)
        form.addRow(_label("Style", self.style_combo), self.style_combo)
        form.addRow(QLabel("Colours"), self.palette_widget)
        layout.addLayout(form)

        speed_row = QHBoxLayout()
        self.quality_radio = QRadioButton("Best quality")
        self.quality_radio.setObjectName("qualityRadio")
        self.quality_radio.setToolTip("The model's own settings and full decoder: the best result, slower")
        self.fast_radio = QRadioButton("Fast draft")
        self.fast_radio.setObjectName("fastRadio")
        self.fast_radio.setToolTip(
            "A few steps with a speed-up LoRA and a tiny decoder: a logo in seconds even without a GPU. "
            "Refine the one you like in Best quality."
        )
        self.speed_group = QButtonGroup(self)
        for button in (self.quality_radio, self.fast_radio):
            self.speed_group.addButton(button)
            speed_row.addWidget(button)
        speed_row.addStretch(1)
        self.quality_radio.toggled.connect(lambda on: on and request.set("speed", QUALITY))
        self.fast_radio.toggled.connect(lambda on: on and request.set("speed", FAST))
        request.changed.connect(self._show_speed)
        layout.addLayout(speed_row)
        self._show_palette("colors")
        self._show_style("style")
        self._show_speed("speed")

    def _style_chosen(self, index: int) -> None:
        self.request.choose_style("" if index == 0 else self.style_combo.itemText(index))

    def _show_style(self, field: str) -> None:
        if field == "style":
            self.style_combo.setCurrentText(self.request.style or NO_STYLE)

    def _palette_edited(self) -> None:
        self.request.set_palette(self.palette_widget.colors, self.palette_widget.background)

    def _show_palette(self, field: str) -> None:
        if field == "colors" and (
            tuple(self.palette_widget.colors) != self.request.colors
            or self.palette_widget.background != self.request.background
        ):
            self.palette_widget.set_palette(self.request.colors, self.request.background)

    def _show_speed(self, field: str) -> None:
        if field == "speed":
            (self.fast_radio if self.request.speed == FAST else self.quality_radio).setChecked(True)


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label
