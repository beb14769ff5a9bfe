"""Export a gallery item as PNG: choose the size and the file; never overwrite without asking."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QToolButton,
)

from desktop.errors import LogoStudioError
from desktop.export import default_export_name, export_png
from desktop.files import unused_path
from desktop.gallery import GalleryItem

SIZES = (256, 512, 1024, 2048)


def remembered_folder(settings: QSettings, key: str) -> str:
    """The folder last exported to under ``key``, else the user's Pictures folder, else home."""
    return (
        settings.value(key)
        or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        or str(Path.home())
    )


class ExportDialog(QDialog):
    """Emits exported(path) after a successful export."""

    exported = Signal(str)

    def __init__(self, item: GalleryItem, settings: QSettings, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export PNG")
        self.item = item
        self.settings = settings
        self._confirmed_path = ""  # a path the native save dialog already asked to replace
        form = QFormLayout(self)
        self.size_combo = QComboBox()
        self.size_combo.setObjectName("exportSizeCombo")
        self.size_combo.setAccessibleName("Export size")
        self.size_combo.addItem(f"Original ({item.params.width}×{item.params.height})", None)
        for size in SIZES:
            if size != max(item.params.width, item.params.height):
                self.size_combo.addItem(f"{size} px on the longer side", size)
        remembered = settings.value("export/size")
        if remembered not in (None, "", "original"):
            index = self.size_combo.findData(int(remembered))
            if index >= 0:
                self.size_combo.setCurrentIndex(index)
        form.addRow("Size", self.size_combo)
        folder = remembered_folder(settings, "export/folder")
        # A name that is free, so the first suggestion never asks to replace a file.
        self.path_edit = QLineEdit(str(unused_path(Path(folder) / default_export_name(item.params.prompt))))
        self.path_edit.setObjectName("exportPathEdit")
        self.path_edit.setAccessibleName("Export file")
        browse = QToolButton()
        browse.setText("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("File", row)
        self.message = QLabel()
        self.message.setObjectName("exportMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("QLabel { color: #b3261e; }")
        form.addRow(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Export")
        buttons.button(QDialogButtonBox.StandardButton.Save).setObjectName("exportConfirmButton")
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, self.sizeHint().height())

    def _browse(self) -> None:
        # The native dialog asks before replacing a file, so a path chosen here may overwrite.
        path, _filter = QFileDialog.getSaveFileName(self, "Export PNG", self.path_edit.text(), "PNG image (*.png)")
        if path:
            self.path_edit.setText(path)
            self._confirmed_path = path

    def confirm_overwrite(self, path: Path) -> bool:
        answer = QMessageBox.question(self, "Replace file?", f"{path.name} already exists. Replace it?")
        return answer == QMessageBox.StandardButton.Yes

    def export(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            self.message.setText("Choose a file name.")
            return
        path = Path(text).expanduser()
        if path.suffix.lower() != ".png":
            path = path.with_name(path.name + ".png")
        overwrite = False
        if path.exists():
            if self._confirmed_path != str(path) and not self.confirm_overwrite(path):
                return
            overwrite = True
        size = self.size_combo.currentData()
        try:
            written = export_png(self.item.path, path, size, overwrite=overwrite)
        except LogoStudioError as error:
            self.message.setText(error.message)
            return
        self.settings.setValue("export/folder", str(written.parent))
        self.settings.setValue("export/size", size or "original")
        self.exported.emit(str(written))
        self.accept()
