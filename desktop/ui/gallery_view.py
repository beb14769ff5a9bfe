"""The gallery grid: thumbnails of every result, newest first, filtered by a search text."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

from desktop.gallery import GalleryItem

ITEM_ID_ROLE = Qt.ItemDataRole.UserRole


class GalleryView(QListWidget):
    """Renders GalleryItems; the window decides what the actions do."""

    itemActivatedById = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryView")
        self.setAccessibleName("Gallery")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(100, 100))
        self.setGridSize(QSize(112, 132))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.itemActivated.connect(lambda item: self.itemActivatedById.emit(item.data(ITEM_ID_ROLE)))
        self._items: dict[str, GalleryItem] = {}

    def show_items(self, items: list[GalleryItem]) -> None:
        selected = self.selected_id()
        self.clear()
        self._items = {}
        for item in items:
            self._append(item)
        if selected:
            self.select(selected)

    def prepend(self, item: GalleryItem) -> None:
        self._append(item, row=0)

    def _append(self, item: GalleryItem, row: int | None = None) -> None:
        self._items[item.id] = item
        entry = QListWidgetItem(QIcon(QPixmap(str(item.thumbnail))), _caption(item))
        entry.setData(ITEM_ID_ROLE, item.id)
        entry.setToolTip(
            f"{item.params.prompt}\nSeed {item.params.seed} · {item.params.width}×{item.params.height}"
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

    def select(self, item_id: str) -> None:
        for row in range(self.count()):
            if self.item(row).data(ITEM_ID_ROLE) == item_id:
                self.setCurrentRow(row)
                return


def _caption(item: GalleryItem) -> str:
    prompt = item.params.prompt.split(",")[0].strip()
    return (prompt[:22] + "…") if len(prompt) > 23 else prompt
