"""The lasting parts of the status bar: Undo delete, the download in progress, the chosen model and
the device. Each label keeps to its width: a long name ends in "…" and is whole in its tooltip."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QPushButton, QStatusBar

from desktop.models.references import is_hub_id
from desktop.state.models import ModelsModel
from desktop.ui.elided_label import ElidedLabel


class StatusPanel(QObject):
    def __init__(self, status_bar: QStatusBar, models: ModelsModel) -> None:
        super().__init__(status_bar)
        self.models = models
        self.device_label = _label("deviceLabel", 260)
        self.model_label = _label("modelLabel", 260)
        self.download_label = _label("downloadLabel", 320)
        self.download_label.hide()
        self.undo_delete_button = QPushButton("Undo delete")
        self.undo_delete_button.setObjectName("undoDeleteButton")
        self.undo_delete_button.hide()
        # Permanent widgets: showMessage() hides ordinary status bar widgets.
        for widget in (self.undo_delete_button, self.download_label, self.model_label, self.device_label):
            status_bar.addPermanentWidget(widget)
        models.device_changed.connect(self._show_device)
        models.family_changed.connect(self._show_device)
        models.current_changed.connect(self._show_model)
        models.download_progress.connect(self._download_progress)
        models.download_ended.connect(self._download_ended)
        self._show_device()
        self._show_model(models.current)

    def _show_device(self, *_args) -> None:
        self.device_label.setText(f"Device: {self.models.device_text}")
        if self.models.memory_plan:
            self.device_label.setToolTip(f"{self.models.device_text}\n{self.models.memory_plan}")

    def _show_model(self, model: str) -> None:
        # A hub id's name, a path's last part: the rest is in the tooltip
        self.model_label.setText(f"Model: {model.split('/')[-1] if is_hub_id(model) else Path(model).name}")
        self.model_label.setToolTip(model)

    def _download_progress(self, repo_id: str, _done: int, _total: int, text: str) -> None:
        self.download_label.setText(f"Downloading {repo_id}: {text}")
        self.download_label.show()

    def _download_ended(self, _repo_id: str, _status: str) -> None:
        self.download_label.setVisible(bool(self.models.downloading()))


def _label(name: str, width: int) -> ElidedLabel:
    label = ElidedLabel(elide=Qt.TextElideMode.ElideMiddle)
    label.setObjectName(name)
    label.setMaximumWidth(width)  # long model names and download texts must not widen the window
    return label
