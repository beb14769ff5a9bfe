"""The gallery on the right: every result, searchable; one click shows it on the canvas. Buttons
for what comes next (variations, upscale, export, logo files, brand kit), and the Trash of this
session, from which deleted items come back."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.gallery import GalleryItem
from desktop.state.gallery import GalleryModel
from desktop.ui.gallery_view import GalleryView

EMPTY_GALLERY = "Your logos will appear here.\nGenerate one to start."
NO_MATCHES = "No matches: no logo's prompt contains “{search}”.\nClear the search to see them all."


class GalleryPanel(QWidget):
    varyRequested = Signal(object)  # GalleryItem
    upscaleRequested = Signal(object)
    exportRequested = Signal(object)
    logoFilesRequested = Signal(object)
    brandKitRequested = Signal(object)

    def __init__(self, gallery: GalleryModel, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryPanel")
        self.gallery = gallery
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("gallerySearch")
        self.search_edit.setAccessibleName("Search the gallery")
        self.search_edit.setPlaceholderText("Search by prompt")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(gallery.set_search)
        self.trash_button = QToolButton()
        self.trash_button.setObjectName("trashButton")
        self.trash_button.setCheckable(True)
        self.trash_button.setToolTip("Items deleted since the app started: restore them from here")
        self.trash_button.toggled.connect(self.show_trash)
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.trash_button)
        layout.addLayout(top)

        self.stack = QStackedWidget()
        self.gallery_view = GalleryView()
        self.gallery_view.itemSelectionChanged.connect(lambda: gallery.select(self.gallery_view.selected_id()))
        self.empty_label = QLabel(EMPTY_GALLERY)
        self.empty_label.setObjectName("galleryEmptyLabel")
        self.empty_label.setWordWrap(True)
        self.trash_view = GalleryView()
        self.trash_view.setObjectName("trashView")
        self.trash_view.setAccessibleName("Trash")
        self.trash_view.itemSelectionChanged.connect(self._update_buttons)
        for widget in (self.gallery_view, self.empty_label, self.trash_view):
            self.stack.addWidget(widget)
        layout.addWidget(self.stack, 1)

        self.buttons = QWidget()
        grid = QGridLayout(self.buttons)
        grid.setContentsMargins(0, 0, 0, 0)
        self.vary_button = _button("moreLikeThisButton", "More like this", "Variations of the selected logo (Ctrl+M)")
        self.upscale_button = _button("upscaleButton", "Upscale ×2", "Twice the size, redrawn lightly (Ctrl+U)")
        self.export_button = _button("exportButton", "Export PNG…", "Export the selected logo as PNG (Ctrl+E)")
        self.logo_files_button = _button(
            "logoExportButton", "Logo files…", "Transparent PNG, SVG, wordmark and icons (Ctrl+Shift+E)"
        )
        self.brand_kit_button = _button(
            "brandKitButton", "Brand kit…", "Every file a business needs, and a one-page brand sheet (Ctrl+K)"
        )
        for signal, button in (
            (self.varyRequested, self.vary_button),
            (self.upscaleRequested, self.upscale_button),
            (self.exportRequested, self.export_button),
            (self.logoFilesRequested, self.logo_files_button),
            (self.brandKitRequested, self.brand_kit_button),
        ):
            button.clicked.connect(lambda _checked=False, signal=signal: self._emit_for_selected(signal))
        grid.addWidget(self.vary_button, 0, 0)
        grid.addWidget(self.upscale_button, 0, 1)
        grid.addWidget(self.export_button, 1, 0)
        grid.addWidget(self.logo_files_button, 1, 1)
        grid.addWidget(self.brand_kit_button, 2, 0, 1, 2)
        self.restore_button = _button("restoreButton", "Restore", "Put the selected item back into the gallery")
        self.restore_button.clicked.connect(self._restore_selected)
        layout.addWidget(self.buttons)
        layout.addWidget(self.restore_button)

        gallery.items_changed.connect(self._show_items)
        gallery.item_added.connect(self._added)
        gallery.selection_changed.connect(self._selection_changed)
        gallery.trash_changed.connect(self._show_trash_count)
        self._show_items()
        self._show_trash_count()
        self.show_trash(False)

    def _emit_for_selected(self, signal) -> None:
        if self.gallery.selected is not None:
            signal.emit(self.gallery.selected)

    def _show_items(self) -> None:
        self.gallery_view.show_items(self.gallery.items)
        self.gallery_view.select(self.gallery.selected.id if self.gallery.selected else None)
        self._show_page()
        self._update_buttons()

    def _added(self, item: GalleryItem) -> None:
        self.gallery_view.prepend(item)
        self._show_page()

    def _selection_changed(self, item: GalleryItem | None) -> None:
        self.gallery_view.select(item.id if item else None)
        self._update_buttons()

    def _show_page(self) -> None:
        if self.trash_button.isChecked():
            self.stack.setCurrentWidget(self.trash_view)
        elif self.gallery.items:
            self.stack.setCurrentWidget(self.gallery_view)
        else:
            search = self.gallery.search
            self.empty_label.setText(NO_MATCHES.format(search=search) if search else EMPTY_GALLERY)
            self.stack.setCurrentWidget(self.empty_label)

    def _update_buttons(self) -> None:
        selected = self.gallery.selected is not None
        for button in (self.vary_button, self.upscale_button, self.export_button, self.logo_files_button):
            button.setEnabled(selected)
        self.brand_kit_button.setEnabled(selected)
        self.restore_button.setEnabled(self.trash_view.selected_item() is not None)

    # -- trash -----------------------------------------------------------------------------------

    def show_trash(self, on: bool) -> None:
        self.trash_button.setChecked(on)
        self.buttons.setVisible(not on)
        self.restore_button.setVisible(on)
        self.trash_view.show_items(list(reversed(self.gallery.trash)))
        self._show_page()
        self._update_buttons()

    def _show_trash_count(self) -> None:
        count = len(self.gallery.trash)
        self.trash_button.setText(f"Trash ({count})" if count else "Trash")
        self.trash_button.setEnabled(bool(count) or self.trash_button.isChecked())
        if self.trash_button.isChecked():
            self.trash_view.show_items(list(reversed(self.gallery.trash)))
            self._update_buttons()

    def _restore_selected(self) -> None:
        item = self.trash_view.selected_item()
        if item is not None and self.gallery.restore(item) is not None and not self.gallery.trash:
            self.show_trash(False)


def _button(name: str, text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setToolTip(tip)
    return button
