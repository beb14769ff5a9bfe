"""The gallery as the window sees it: the items shown (newest first, filtered by a search), the
selected one, and the trash of this session: every delete can be undone (Ctrl+Z, the status
button, or the Trash view) until the app closes; the next start empties the trash."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.errors import LogoStudioError
from desktop.gallery import GalleryItem, GalleryStore
from desktop.state import notices as n
from desktop.state.notices import Notices

GENERATED = "generated"
INPAINTED = "inpainted"
VARIATION = "variation"
UPSCALED = "upscaled"


def kind_of(item: GalleryItem, parent: GalleryItem | None = None) -> str:
    """What made ``item``: generated, inpainted, a variation or (twice its parent's size) an upscale."""
    mode = item.params.mode
    if mode == "inpaint":
        return INPAINTED
    if mode == "img2img":
        bigger = parent is not None and item.params.width == 2 * parent.params.width
        return UPSCALED if bigger else VARIATION
    return GENERATED


class GalleryModel(QObject):
    items_changed = Signal()
    selection_changed = Signal(object)  # GalleryItem or None
    item_added = Signal(object)  # GalleryItem, newest first
    trash_changed = Signal()

    def __init__(self, store: GalleryStore, notices: Notices) -> None:
        super().__init__()
        self.store, self.notices = store, notices
        self.search = ""
        self.items: list[GalleryItem] = []
        self.selected: GalleryItem | None = None
        self.trash: list[GalleryItem] = []  # deleted this session, newest last
        self.refresh()

    def refresh(self) -> None:
        self.items = self.store.items(self.search)
        if self.selected is not None and all(item.id != self.selected.id for item in self.items):
            self.select(None)
        self.items_changed.emit()

    def set_search(self, text: str) -> None:
        if text != self.search:
            self.search = text
            self.refresh()

    def select(self, item_id: str | None) -> None:
        item = next((item for item in self.items if item.id == item_id), None) if item_id else None
        if (item and item.id) != (self.selected and self.selected.id):
            self.selected = item
            self.notices.clear(n.FILES)  # about the item or action before
            self.selection_changed.emit(item)

    def get(self, item_id: str | None) -> GalleryItem | None:
        return self.store.get(item_id) if item_id else None

    def added(self, item: GalleryItem) -> None:
        """A job saved ``item``: show it first (when it matches the search) and select it."""
        if not self.search or self.search.lower() in item.params.prompt.lower():
            self.items.insert(0, item)
            self.item_added.emit(item)
            self.select(item.id)

    # -- delete and undo -----------------------------------------------------------------------

    def delete(self, item: GalleryItem) -> bool:
        try:
            deleted = self.store.delete(item.id)
        except LogoStudioError as error:
            self.notices.set(n.FILES, error.message, n.ERROR)
            return False
        if deleted is not None:
            self.trash.append(deleted)
            self.trash_changed.emit()
        self.refresh()
        return True

    def undo_delete(self) -> GalleryItem | None:
        """Restore the item deleted last (None when the trash is empty)."""
        return self.restore(self.trash[-1]) if self.trash else None

    def restore(self, item: GalleryItem) -> GalleryItem | None:
        try:
            self.store.restore(item)
        except LogoStudioError as error:
            self.notices.set(n.FILES, error.message, n.ERROR)
            return None
        self.trash = [trashed for trashed in self.trash if trashed.id != item.id]
        self.trash_changed.emit()
        self.refresh()
        self.select(item.id)
        return item
