"""LoRAs under the brief: style adapters ("logo", "flat icon", "line art"…) from .safetensors files,
each with its weight and the model family it fits. Files can be added, dropped on the window, or
named in the prompt as ``<lora:name:0.8>`` from the LoRA folder chosen here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.params import LoraRef
from desktop.state.request import RequestModel

LORA_FILTER = "LoRA files (*.safetensors)"
MAX_WEIGHT = 150  # the slider's steps: weight 0-1.5


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
        from desktop.engine.loras import inspect_lora

        info = inspect_lora(lora.ref, with_hash=False)
        row = QWidget()
        row.setObjectName("loraRow")
        row.setProperty("ref", lora.ref)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(f"{lora.name} · {info.family_label}")
        label.setObjectName("loraName")
        problem = info.problem or (
            f"made for {info.family_label}, not for the loaded model"
            if self.family and info.family and info.family != self.family
            else ""
        )
        label.setToolTip(f"{lora.ref}\n{problem}" if problem else lora.ref)
        if problem:
            label.setText(f"{lora.name} · {info.family_label} ⚠")
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setObjectName("loraWeightSlider")
        slider.setAccessibleName(f"Weight of {lora.name}")
        slider.setRange(0, MAX_WEIGHT)
        slider.setValue(round(lora.weight * 100))
        slider.setToolTip(f"Weight {lora.weight:g}: 1 is full strength")
        weight = QLabel(f"{lora.weight:.2f}")
        slider.valueChanged.connect(lambda value: weight.setText(f"{value / 100:.2f}"))
        slider.valueChanged.connect(lambda value: self.set_weight(lora.ref, value / 100))
        remove = QToolButton()
        remove.setText("×")
        remove.setAccessibleName(f"Remove {lora.name}")
        remove.setToolTip("Stop using this LoRA")
        remove.clicked.connect(lambda: self.remove(lora.ref))
        layout.addWidget(label, 1)
        layout.addWidget(slider, 1)
        layout.addWidget(weight)
        layout.addWidget(remove)
        return row

    def _choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "Add LoRA", self.folder or str(Path.home()), LORA_FILTER)
        for path in paths:
            self.add(path)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "LoRA folder", self.folder or str(Path.home()))
        if folder:
            self.set_folder(folder)
            self.folderChosen.emit(folder)
