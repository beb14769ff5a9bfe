"""LoRAs under the brief: style adapters ("logo", "flat icon", "line art"…) from .safetensors files,
each with its weight and the model family it fits. Files can be added, dropped on the window, or
named in the prompt as ``<lora:name:0.8>`` from the LoRA folder chosen here. While jobs run on a
ComfyUI server, Add LoRA offers the server's LoRAs instead (named as the server lists them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.params import LoraRef
from desktop.state.request import RequestModel
from desktop.ui.elided_label import ElidedLabel
from desktop.ui.wheel import ignore_wheel_unless_focused

LORA_FILTER = "LoRA files (*.safetensors)"
MAX_WEIGHT = 150  # the slider's steps: weight 0-1.5
MIN_SLIDER_WIDTH = 120  # px: a drag of one pixel moves the weight by about 0.01


class LoraPanel(QGroupBox):
    folderChosen = Signal(str)

    def __init__(self, request: RequestModel, parent=None) -> None:
        super().__init__("LoRA styles", parent)
        self.setObjectName("loraPanel")
        self.setToolTip(
            "Style adapters for the model (.safetensors, kohya/Civitai or diffusers format). Name one in "
            "the prompt as <lora:name:0.8> to use it from the LoRA folder."
        )
        self.request = request
        self.family = ""  # the loaded model's family: a LoRA of another one is marked
        self.folder = ""
        self.server_host = ""  # the server jobs run on ('' for this computer)
        self.server_loras: tuple[str, ...] = ()
        layout = QVBoxLayout(self)
        self.rows = QVBoxLayout()
        layout.addLayout(self.rows)
        self.empty_label = QLabel("None. Add a .safetensors LoRA, drop one on the window, or name one in the prompt.")
        self.empty_label.setObjectName("loraEmptyLabel")
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)
        buttons = QHBoxLayout()
        self.add_button = QToolButton()
        self.add_button.setObjectName("addLoraButton")
        self.add_button.setText("Add LoRA…")
        self.add_button.clicked.connect(self._choose_files)
        self.server_menu = QMenu(self.add_button)
        self.folder_button = QToolButton()
        self.folder_button.setObjectName("loraFolderButton")
        self.folder_button.setText("LoRA folder…")
        self.folder_button.clicked.connect(self._choose_folder)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        request.changed.connect(self._changed)
        self.render()

    def add(self, path: str) -> None:
        """Use the LoRA file ``path`` at full weight (again: nothing changes)."""
        ref = str(Path(path).expanduser().resolve())
        if all(lora.ref != ref for lora in self.request.loras):
            self.request.set("loras", (*self.request.loras, LoraRef(ref, 1.0)))

    def remove(self, ref: str) -> None:
        self.request.set("loras", tuple(lora for lora in self.request.loras if lora.ref != ref))

    def set_weight(self, ref: str, weight: float) -> None:
        loras = tuple(LoraRef(lora.ref, round(weight, 2)) if lora.ref == ref else lora for lora in self.request.loras)
        self.request.set("loras", loras)

    def set_family(self, family: str) -> None:
        self.family = family
        self.render()

    def set_server(self, host: str, loras: tuple[str, ...]) -> None:
        """Jobs run on the server ``host`` ('' for this computer), which has ``loras``."""
        self.server_host, self.server_loras = host, tuple(loras)
        self.server_menu.clear()
        for name in self.server_loras:
            self.server_menu.addAction(name, lambda name=name: self.add_server_lora(name))
        if host and not self.server_loras:
            self.server_menu.addAction(f"{host} has no LoRAs (its models/loras folder is empty)").setEnabled(False)
        self.add_button.setMenu(self.server_menu if host else None)
        self.add_button.setPopupMode(
            QToolButton.ToolButtonPopupMode.InstantPopup if host else QToolButton.ToolButtonPopupMode.DelayedPopup
        )
        self.add_button.setToolTip(f"Use one of the LoRAs on {host}" if host else "")
        self.folder_button.setVisible(not host)
        self.empty_label.setText(
            f"None. Add one of {host}'s LoRAs, or name one in the prompt as <lora:name:0.8>."
            if host
            else "None. Add a .safetensors LoRA, drop one on the window, or name one in the prompt."
        )
        self.render()

    def add_server_lora(self, name: str) -> None:
        """Use the server's LoRA ``name`` at full weight."""
        if all(lora.ref != name for lora in self.request.loras):
            self.request.set("loras", (*self.request.loras, LoraRef(name, 1.0)))

    def set_folder(self, folder: str) -> None:
        self.folder = folder
        self.folder_button.setToolTip(f"<lora:name> in the prompt is looked up in {folder}" if folder else "")

    def _changed(self, field: str) -> None:
        shown = [row.property("ref") for row in self.findChildren(QWidget, "loraRow")]
        if field == "loras" and shown != [lora.ref for lora in self.request.loras]:  # a weight alone: keep the rows
            self.render()

    def render(self) -> None:
        while self.rows.count():
            widget = self.rows.takeAt(0).widget()
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        for lora in self.request.loras:
            self.rows.addWidget(self._row(lora))
        self.empty_label.setVisible(not self.request.loras)

    def _row(self, lora: LoraRef) -> QWidget:
        """Two lines that fit any column: the name (cut in the middle with "…" where it is long,
        whole in the tooltip), the family it fits (⚠ when not the loaded one's) and ×; then the
        weight as a slider and a box to type it in."""
        row = QWidget()
        row.setObjectName("loraRow")
        row.setProperty("ref", lora.ref)
        layout = QGridLayout(row)
        layout.setContentsMargins(0, 0, 0, 4)
        name = ElidedLabel(lora.name, Qt.TextElideMode.ElideMiddle)
        name.setObjectName("loraName")
        family_label, problem = self._describe(lora)
        family = QLabel(f"· {family_label} ⚠" if problem else f"· {family_label}")
        family.setObjectName("loraFamily")
        for label in (name, family):
            label.setToolTip(f"{lora.name} · {family_label}\n{lora.ref}\n{problem}".strip())
        title = QHBoxLayout()
        title.addWidget(name, 1)
        title.addWidget(family)
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setObjectName("loraWeightSlider")
        slider.setAccessibleName(f"Weight of {lora.name}")
        slider.setRange(0, MAX_WEIGHT)
        slider.setValue(round(lora.weight * 100))
        slider.setMinimumWidth(MIN_SLIDER_WIDTH)
        slider.setToolTip("Weight: 1 is full strength")
        weight = QDoubleSpinBox()
        weight.setObjectName("loraWeightSpin")
        weight.setAccessibleName(f"Weight of {lora.name}, as a number")
        weight.setRange(0, MAX_WEIGHT / 100)
        weight.setSingleStep(0.05)
        weight.setDecimals(2)
        weight.setValue(lora.weight)
        weight.setKeyboardTracking(False)  # the weight changes when the typing ends, not at "0" of "0.8"
        weight.setToolTip("Weight: 1 is full strength (type a value, or use the slider)")

        def slid(value: int) -> None:
            if round(weight.value() * 100) != value:  # the box already says it (it may be what moved the slider)
                weight.setValue(value / 100)

        slider.valueChanged.connect(slid)
        weight.valueChanged.connect(lambda value: slider.setValue(round(value * 100)))
        weight.valueChanged.connect(lambda value: self.set_weight(lora.ref, value))
        remove = QToolButton()
        remove.setText("×")
        remove.setAccessibleName(f"Remove {lora.name}")
        remove.setToolTip("Stop using this LoRA")
        remove.clicked.connect(lambda: self.remove(lora.ref))
        layout.addLayout(title, 0, 0)
        layout.addWidget(remove, 0, 1)
        layout.addWidget(slider, 1, 0)
        layout.addWidget(weight, 1, 1)
        layout.setColumnStretch(0, 1)
        ignore_wheel_unless_focused(row)
        return row

    def _describe(self, lora: LoraRef) -> tuple[str, str]:
        """What the row says of ``lora``: the family it fits (or where it is) and a problem ('')."""
        if self.server_host:
            if lora.ref in self.server_loras:
                return f"on {self.server_host}", ""
            return f"not on {self.server_host}", f"{self.server_host} has no LoRA named {lora.name}"
        from desktop.models.loras import inspect_lora

        info = inspect_lora(lora.ref, with_hash=False)
        problem = info.problem or (
            f"made for {info.family_label}, not for the loaded model"
            if self.family and info.family and info.family != self.family
            else ""
        )
        return info.family_label, problem

    def _choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Add LoRA", self.folder or str(Path.home()), LORA_FILTER)
        for path in paths:
            self.add(path)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "LoRA folder", self.folder or str(Path.home()))
        if folder:
            self.set_folder(folder)
            self.folderChosen.emit(folder)
