"""Advanced settings, folded under the brief: device, sampler, steps, guidance, size, number of
images, seed, variation strength and the negative prompt. Remembers whether it was open."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.models.families import SD15, ModelFamily
from desktop.params import BATCH_RANGE, GUIDANCE_RANGE, SEED_MAX, SIZE_RANGE, STEPS_RANGE
from desktop.schedulers import SCHEDULERS
from desktop.state.request import RequestModel
from desktop.ui.panels.binding import bind

RANDOM = -1  # the seed box's value for "a new random seed each job"


class SizeSpin(QSpinBox):
    """A pixel size that only takes multiples of ``multiple`` (8, or 16 for FLUX) in its range. Any
    number can be typed; when the typing ends, one it cannot take becomes the nearest one it can,
    and ``adjusted`` says so in words (a silent change would look like the app lost the input)."""

    adjusted = Signal(str)
    multiple = 8

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._adjustment = ""
        self.editingFinished.connect(self._tell)

    def validate(self, text: str, pos: int):
        digits = text.strip()
        if not digits:
            return QValidator.State.Intermediate, text, pos
        if not digits.isdigit():
            return QValidator.State.Invalid, text, pos
        value = int(digits)
        fits = self.minimum() <= value <= self.maximum() and value % self.multiple == 0
        return (QValidator.State.Acceptable if fits else QValidator.State.Intermediate), text, pos

    def fixup(self, text: str) -> str:
        try:
            value = int(text.strip())
        except ValueError:
            return text
        fitted = min(max(round(value / self.multiple) * self.multiple, self.minimum()), self.maximum())
        name = self.accessibleName()
        if value > self.maximum():
            self._adjustment = f"{name} {value} px is more than the largest size, {fitted} px: using {fitted}."
        elif value < self.minimum():
            self._adjustment = f"{name} {value} px is less than the smallest size, {fitted} px: using {fitted}."
        elif fitted != value:
            self._adjustment = f"{name} {value} px is not a multiple of {self.multiple}: using {fitted}."
        return self.textFromValue(fitted)

    def _tell(self) -> None:
        if self._adjustment:
            self.adjusted.emit(self._adjustment)
            self._adjustment = ""


class AdvancedPanel(QWidget):
    deviceChosen = Signal(str)
    inputAdjusted = Signal(str)  # a typed value was changed to one the request can take, in words

    def __init__(self, request: RequestModel, device_preference: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("advancedPanel")
        self.request = request
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton()
        self.toggle.setObjectName("advancedToggle")
        self.toggle.setText("Advanced")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip("Device, sampler, steps, guidance, size, seed and more")
        self.toggle.toggled.connect(self.set_open)
        outer.addWidget(self.toggle)
        self.body = QWidget()
        form = QFormLayout(self.body)
        form.setContentsMargins(8, 0, 0, 0)
        outer.addWidget(self.body)

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
        self.device_combo.setCurrentIndex(max(self.device_combo.findData(device_preference), 0))
        self.device_combo.activated.connect(lambda _index: self.deviceChosen.emit(self.device_combo.currentData()))
        form.addRow("Device", self.device_combo)

        self.scheduler_combo = QComboBox()
        self.scheduler_combo.setObjectName("schedulerCombo")
        self.scheduler_combo.setAccessibleName("Sampler")
        self.scheduler_combo.addItems(list(SCHEDULERS))
        bind(request, "scheduler", self.scheduler_combo)
        form.addRow("Sampler", self.scheduler_combo)
        self.steps_spin = _spin(QSpinBox(), "stepsSpin", "Steps", STEPS_RANGE, "More steps: finer detail, slower.")
        bind(request, "steps", self.steps_spin)
        form.addRow("Steps", self.steps_spin)
        self.guidance_spin = _spin(
            QDoubleSpinBox(),
            "guidanceSpin",
            "Guidance",
            GUIDANCE_RANGE,
            "How closely to follow the prompt (7–8 is typical).",
        )
        self.guidance_spin.setSingleStep(0.5)
        bind(request, "guidance", self.guidance_spin, from_widget=lambda value: round(value, 2))
        form.addRow("Guidance", self.guidance_spin)

        self.width_spin = _spin(SizeSpin(), "widthSpin", "Width", SIZE_RANGE, "Width in pixels (a multiple of 8)")
        self.height_spin = _spin(SizeSpin(), "heightSpin", "Height", SIZE_RANGE, "Height in pixels (a multiple of 8)")
        size_row = QHBoxLayout()
        for spin in (self.width_spin, self.height_spin):
            spin.setSingleStep(64)
            spin.setCorrectionMode(QSpinBox.CorrectionMode.CorrectToNearestValue)
            spin.adjusted.connect(self.inputAdjusted)
        bind(request, "width", self.width_spin)
        bind(request, "height", self.height_spin)
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_spin)
        self.aspect_button = QToolButton()
        self.aspect_button.setObjectName("aspectButton")
        self.aspect_button.setText("Shape")
        self.aspect_button.setToolTip("The shapes the model was trained on")
        self.aspect_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        size_row.addWidget(self.aspect_button)
        form.addRow("Size", size_row)

        self.batch_spin = _spin(QSpinBox(), "batchSpin", "Batch count", BATCH_RANGE, "How many images to make at once")
        bind(request, "batch_count", self.batch_spin)
        form.addRow("Images", self.batch_spin)

        self.seed_spin = QDoubleSpinBox()
        self.seed_spin.setObjectName("seedSpin")
        self.seed_spin.setAccessibleName("Seed")
        self.seed_spin.setDecimals(0)
        self.seed_spin.setRange(RANDOM, SEED_MAX)
        self.seed_spin.setSpecialValueText("random")
        self.seed_spin.setToolTip("The seed of the first image (image i uses seed + i). Type one to lock it.")
        self.seed_spin.valueChanged.connect(self._seed_edited)
        self.seed_lock = QToolButton()
        self.seed_lock.setObjectName("seedLockButton")
        self.seed_lock.setCheckable(True)
        self.seed_lock.setAccessibleName("Lock seed")
        self.seed_lock.toggled.connect(request.lock_seed)
        request.changed.connect(self._show_seed)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.seed_lock)
        form.addRow("Seed", seed_row)

        self.variation_spin = _spin(
            QDoubleSpinBox(),
            "variationStrengthSpin",
            "Variation strength",
            (0.1, 1.0),
            "How far “More like this” may move from the original (0.1 close, 1 anything)",
        )
        self.variation_spin.setSingleStep(0.05)
        bind(request, "variation", self.variation_spin, from_widget=lambda value: round(value, 2))
        form.addRow("Variation", self.variation_spin)

        self.negative_edit = QPlainTextEdit()
        self.negative_edit.setObjectName("negativePromptEdit")
        self.negative_edit.setAccessibleName("Negative prompt")
        self.negative_edit.setPlaceholderText("Keep out, e.g. text, gradient, photo")
        self.negative_edit.setToolTip("What the image should not contain")
        self.negative_edit.setTabChangesFocus(True)
        self.negative_edit.setFixedHeight(48)
        bind(request, "negative_prompt", self.negative_edit)
        form.addRow("Keep out", self.negative_edit)
        self._show_seed("seed")
        self.show_family(SD15)
        self.set_open(False)

    def set_open(self, open_: bool) -> None:
        self.toggle.setChecked(open_)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.body.setVisible(open_)

    def is_open(self) -> bool:
        return self.toggle.isChecked()

    # -- size and seed ---------------------------------------------------------------------------

    def show_family(self, family: ModelFamily) -> None:
        """Offer what applies to the loaded model's family: its samplers, its trained sizes, its
        size multiple, and a negative prompt only where the family reads one."""
        current = self.request.scheduler  # the combo could not show it if the last family lacked it
        self.scheduler_combo.blockSignals(True)
        self.scheduler_combo.clear()
        self.scheduler_combo.addItems(list(family.samplers))
        self.scheduler_combo.setCurrentText(current if current in family.samplers else family.default_sampler)
        self.scheduler_combo.blockSignals(False)
        for action in self.aspect_button.actions():
            self.aspect_button.removeAction(action)
        for preset in family.aspect_presets:
            label = f"{preset.label}  ({preset.width}×{preset.height})"
            self.aspect_button.addAction(label, lambda p=preset: self._size(p.width, p.height))
        for spin in (self.width_spin, self.height_spin):
            spin.multiple = family.size_multiple
            spin.setToolTip(
                f"Pixels (a multiple of {family.size_multiple}); {family.label} works best at its trained sizes"
            )
        self.negative_edit.setEnabled(family.supports_negative_prompt)
        self.negative_edit.setPlaceholderText(
            "Keep out, e.g. text, gradient, photo"
            if family.supports_negative_prompt
            else f"{family.label} takes no negative prompt: say in the brief what you want instead"
        )

    def _size(self, width: int, height: int) -> None:
        self.request.set("width", width)
        self.request.set("height", height)

    def _seed_edited(self, value: float) -> None:
        if value == RANDOM:
            self.request.lock_seed(False)
        elif int(value) != self.request.seed or not self.request.seed_locked:
            self.request.reuse_seed(int(value))

    def _show_seed(self, field: str) -> None:
        if field not in ("seed", "seed_locked"):
            return
        locked = self.request.seed_locked
        shown = self.request.seed if locked and self.request.seed is not None else RANDOM
        self.seed_spin.blockSignals(True)
        self.seed_spin.setValue(shown)
        self.seed_spin.blockSignals(False)
        self.seed_lock.blockSignals(True)
        self.seed_lock.setChecked(locked)
        self.seed_lock.blockSignals(False)
        self.seed_lock.setText("Locked" if locked else "Random")
        self.seed_lock.setToolTip(
            "Locked: every job starts from this seed, so a result can be made again. Click for a new random seed "
            "each job."
            if locked
            else "Random: a new seed for every job. Click to lock the seed of the last image made."
        )


def _spin(spin, name: str, accessible: str, limits: tuple, tip: str):
    spin.setObjectName(name)
    spin.setAccessibleName(accessible)
    spin.setRange(*limits)
    spin.setToolTip(tip)
    spin.setMinimumWidth(64)
    return spin
