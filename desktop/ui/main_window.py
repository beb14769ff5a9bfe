"""The main window. A first version: the full window (prompt, palette, canvas, gallery) follows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow

from desktop.gallery import GalleryStore


class MainWindow(QMainWindow):
    def __init__(self, store: GalleryStore, model: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.model = model
        self.setWindowTitle("Logo Studio")
        label = QLabel(
            f"Logo Studio\n\n{len(store)} images in the gallery at {store.root}\n\n"
            "Use `logo-studio generate --help` to generate from the command line."
        )
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(label)
        self.resize(900, 600)
