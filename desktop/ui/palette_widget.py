"""Brand palette: up to four colour swatches plus a background colour, via the native colour dialog."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QHBoxLayout, QLabel, QToolButton, QWidget

from desktop.palette import color_word
from desktop.params import MAX_COLORS


class PaletteWidget(QWidget):
    """Emits changed() when a colour is added, changed or removed."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("paletteWidget")
        self.setAccessibleName("Brand palette")
        self.colors: list[str] = []
        self.background = ""
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._rebuild()

    def set_palette(self, colors: tuple[str, ...] | list[str], background: str) -> None:
        self.colors = list(colors)[:MAX_COLORS]
        self.background = background
        self._rebuild()
        self.changed.emit()

    def _rebuild(self) -> None:
        while self._layout.count():
            widget = self._layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # deleteLater alone leaves it painted until the event loop runs
                widget.setParent(None)
                widget.deleteLater()
        for index, color in enumerate(self.colors):
            self._layout.addWidget(
                self._swatch(
                    color,
                    f"Brand colour {index + 1}: {color_word(color)} ({color}). Click to change, right-click to remove.",
                    index,
                )
            )
        if len(self.colors) < MAX_COLORS:
            add = QToolButton(self)
            add.setObjectName("addColorButton")
            add.setText("+")
            add.setToolTip("Add a brand colour")
            add.setAccessibleName("Add brand colour")
            add.clicked.connect(self._add)
            self._layout.addWidget(add)
        self._layout.addSpacing(12)
        label = QLabel("Background", self)
        self._layout.addWidget(label)
        background = self._swatch(
            self.background or "#ffffff",
            f"Background: {color_word(self.background)} ({self.background})"
            if self.background
            else "No background colour. Click to choose one.",
            None,
        )
        background.setObjectName("backgroundColorButton")
        if not self.background:
            background.setText("–")
        self._layout.addWidget(background)
        self._layout.addStretch(1)

    def _swatch(self, color: str, tip: str, index: int | None) -> QToolButton:
        button = QToolButton(self)
        button.setFixedSize(28, 28)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setStyleSheet(
            f"QToolButton {{ background: {color}; border: 1px solid palette(mid); border-radius: 4px; }}"
        )
        button.clicked.connect(lambda: self._pick(index))
        button.setContextMenuPolicy(button.contextMenuPolicy().CustomContextMenu)
        button.customContextMenuRequested.connect(lambda _pos: self._remove(index))
        return button

    def _ask_color(self, initial: str) -> str | None:
        color = QColorDialog.getColor(QColor(initial), self, "Choose a colour")
        return color.name().lower() if color.isValid() else None

    def _add(self) -> None:
        color = self._ask_color("#ff6600")
        if color:
            self.colors.append(color)
            self._rebuild()
            self.changed.emit()

    def _pick(self, index: int | None) -> None:
        color = self._ask_color(self.colors[index] if index is not None else (self.background or "#ffffff"))
        if not color:
            return
        if index is None:
            self.background = color
        else:
            self.colors[index] = color
        self._rebuild()
        self.changed.emit()

    def _remove(self, index: int | None) -> None:
        if index is None:
            self.background = ""
        else:
            del self.colors[index]
        self._rebuild()
        self.changed.emit()
