"""The gallery grid: thumbnails of the results, newest first, each captioned with what made it
(generated, inpainted, a variation, an upscale) and its seed. The selected one gets a frame, never
a tint: a tint would change the very colours being judged."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

from desktop.gallery import GalleryItem
from desktop.state.gallery import kind_of

ITEM_ID_ROLE = Qt.ItemDataRole.UserRole
FRAME_STYLE = """
QListView::item { border: 2px solid transparent; border-radius: 3px; }
QListView::item:selected { background: transparent; color: palette(text); border: 2px solid palette(highlight); }
"""


class GalleryView(QListWidget):
    """Renders GalleryItems; the panel decides what the actions do."""

    itemActivatedById = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryView")
        self.setAccessibleName("Gallery")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(96, 96))
        self.setGridSize(QSize(120, 138))  # the caption's "seed 4294967295" fits in one line
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.setStyleSheet(FRAME_STYLE)
        self.itemActivated.connect(lambda item: self.itemActivatedById.emit(item.data(ITEM_ID_ROLE)))
        self._items: dict[str, GalleryItem] = {}

    def show_items(self, items: list[GalleryItem]) -> None:
        selected = self.selected_id()
        self.blockSignals(True)
        self.clear()
        self._items = {item.id: item for item in items}
        for item in items:
            self._append(item)
        self.blockSignals(False)
        if selected:
            self.select(selected)

    def prepend(self, item: GalleryItem) -> None:
        self._items[item.id] = item
        self._append(item, row=0)

    def _append(self, item: GalleryItem, row: int | None = None) -> None:
        pixmap = QPixmap(str(item.thumbnail))
        icon = QIcon(pixmap)
        icon.addPixmap(pixmap, QIcon.Mode.Selected)  # no tinted copy for the selected item
        parent = self._items.get(item.parent_id) if item.parent_id else None
        kind = kind_of(item, parent)
        entry = QListWidgetItem(icon, f"{kind.capitalize()}\nseed {item.params.seed}")
        entry.setData(ITEM_ID_ROLE, item.id)
        origin = ""
        if item.parent_id:
            source = f"“{_short(parent.params.prompt)}” (seed {parent.params.seed})" if parent else "an earlier image"
            origin = f"\n{kind.capitalize()} from {source}"
        entry.setToolTip(
            f"{item.params.prompt}{origin}\nSeed {item.params.seed} · {item.params.width}×{item.params.height}"
            f" · {item.params.steps} steps · {item.params.scheduler}"
        )
        if row is None:
            self.addItem(entry)
        else:
            self.insertItem(row, entry)

    def selected_id(self) -> str | None:
        current = self.currentItem()
        return current.data(ITEM_ID_ROLE) if current is not None and current.isSelected() else None

    def selected_item(self) -> GalleryItem | None:
        item_id = self.selected_id()
        return self._items.get(item_id) if item_id else None

    def select(self, item_id: str | None) -> None:
        if item_id is None:
            self.clearSelection()
            return
        for row in range(self.count()):
            if self.item(row).data(ITEM_ID_ROLE) == item_id:
                if self.currentRow() != row or not self.item(row).isSelected():
                    self.setCurrentRow(row)
                return


def _short(prompt: str) -> str:
    first = prompt.split(",")[0].strip()
    return (first[:28] + "…") if len(first) > 29 else first
