"""The model manager: every model on the list with its family, kind, size and state, and for the
selected one what it needs and its licence in plain words (may logos made with it be used
commercially?); add a Hugging Face model id, a diffusers folder or a .safetensors file; remove one
from the list; choose the text-to-image and inpainting models; download, cancel and resume.

It renders the model list the files worker sends (in the words of ``model_descriptions``) and
calls the main window's actions; the list itself lives in engine.library.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
)

from desktop.errors import LogoStudioError
from desktop.models.catalog import INPAINT, TXT2IMG, human_size
from desktop.models.library import DOWNLOAD_PAUSED, MISSING, NOT_DOWNLOADED, READY, ModelEntry
from desktop.models.references import HUB
from desktop.ui.model_descriptions import COLUMNS, FAMILY_COLUMN, location, model_details, row_cells

DELETE_FILES = "delete"
KEEP_FILES = "keep"


class ModelManagerDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window_ = window
        self.entries: list[ModelEntry] = []
        self.progress: dict[str, str] = {}  # repo id -> progress text of a running download
        self._select_next = ""  # a model just added: selected once the worker lists it
        self.setWindowTitle("Models")
        self.setObjectName("modelManager")
        self.resize(900, 480)
        layout = QVBoxLayout(self)

        intro = QLabel(
            "Models on this computer, models you added and the recommended ones. Downloads go into the shared "
            "Hugging Face cache; a stopped download keeps the files that finished. Removing a downloaded model "
            "offers to delete its files too; your own folders and files are never deleted."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("modelTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.moveSection(FAMILY_COLUMN, 1)  # shown beside the name; its index stays last for callers
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemSelectionChanged.connect(self._show_details)
        self.table.itemDoubleClicked.connect(lambda _item: self.use_for_txt2img())
        layout.addWidget(self.table, 1)
        self.details = QLabel()
        self.details.setObjectName("modelDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)

        add_row = QHBoxLayout()
        self.hub_edit = QLineEdit()
        self.hub_edit.setObjectName("hubIdEdit")
        self.hub_edit.setPlaceholderText("Hugging Face model id, e.g. stable-diffusion-v1-5/stable-diffusion-v1-5")
        self.hub_edit.setAccessibleName("Hugging Face model id")
        self.hub_edit.returnPressed.connect(self._add_hub_id)
        add_button = QPushButton("Add")
        add_button.setObjectName("addHubIdButton")
        add_button.clicked.connect(self._add_hub_id)
        local_button = QToolButton()
        local_button.setObjectName("addLocalButton")
        local_button.setText("Add from this computer…")
        local_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        local_button.setMenu(local_model_menu(local_button, self.add_model))
        add_row.addWidget(self.hub_edit, 1)
        add_row.addWidget(add_button)
        add_row.addWidget(local_button)
        layout.addLayout(add_row)

        actions = QHBoxLayout()
        self.txt2img_button = _button("useTxt2imgButton", "Use for text-to-image", self.use_for_txt2img)
        self.inpaint_button = _button("useInpaintButton", "Use for inpainting", self.toggle_inpaint)
        self.download_button = _button("downloadButton", "Download", self.download)
        self.cancel_button = _button("cancelDownloadButton", "Cancel download", self.cancel_download)
        self.remove_button = _button("removeModelButton", "Remove from list", self.remove)
        for button in (self.txt2img_button, self.inpaint_button, self.download_button, self.cancel_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.remove_button)
        layout.addLayout(actions)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, self.remove)

        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("downloadProgress")
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        layout.addWidget(self.progress_bar)
        self.message = QLabel()
        self.message.setObjectName("managerMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self._update_buttons()

    # -- rendering -----------------------------------------------------------------------------

    def show_entries(self, entries: list[ModelEntry]) -> None:
        selected = self._select_next or (self.selected().ref if self.selected() else "")
        if any(entry.ref == self._select_next for entry in entries):
            self._select_next = ""
        self.entries = entries
        library = self.window_.library
        txt2img, inpaint = self.window_.current_model(), library.default(INPAINT)
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            used = [label for ref, label in ((txt2img, "Text-to-image"), (inpaint, "Inpainting")) if ref == entry.ref]
            waiting = entry.ref in self.window_.files_host.downloading
            for column, text in enumerate(row_cells(entry, used, self.progress.get(entry.ref), waiting)):
                item = QTableWidgetItem(text)
                item.setToolTip(location(entry))
                item.setData(Qt.ItemDataRole.UserRole, entry.ref)
                self.table.setItem(row, column, item)
            if entry.ref == selected:
                self.table.selectRow(row)
        self._update_buttons()
        self._show_details()

    def _show_details(self) -> None:
        """What the selected model is, what it needs and its licence in plain words."""
        self.details.setText(model_details(self.selected()))

    def selected(self) -> ModelEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.entries):
            return None
        return self.entries[rows[0].row()]

    def _update_buttons(self) -> None:
        entry = self.selected()
        downloading = self.window_.files_host.downloading
        usable = entry is not None and entry.state != MISSING
        self.txt2img_button.setEnabled(usable)
        self.inpaint_button.setEnabled(usable)
        is_inpaint = entry is not None and entry.ref == self.window_.library.default(INPAINT)
        self.inpaint_button.setText("Stop using for inpainting" if is_inpaint else "Use for inpainting")
        can_download = entry is not None and entry.state in (NOT_DOWNLOADED, DOWNLOAD_PAUSED)
        self.download_button.setEnabled(can_download and entry.ref not in downloading)
        self.download_button.setText(
            "Resume download" if entry is not None and entry.state == DOWNLOAD_PAUSED else "Download"
        )
        self.cancel_button.setEnabled(entry is not None and entry.ref in downloading)
        self.remove_button.setEnabled(entry is not None)

    # -- actions -------------------------------------------------------------------------------

    def add_model(self, ref: str) -> bool:
        """Add a hub id, folder or .safetensors file to the list; a problem is shown, not raised."""
        self.hide_message()
        try:
            ref = self.window_.library.add(ref)
        except LogoStudioError as error:
            self.show_error(error.message)
            return False
        self.window_.models.added(ref)
        self._refresh(select=ref)
        return True

    def _add_hub_id(self) -> None:
        text = self.hub_edit.text().strip()
        if not text:
            self.show_error("Type a Hugging Face model id first, such as stable-diffusion-v1-5/stable-diffusion-v1-5.")
            return
        if self.add_model(text):
            self.hub_edit.clear()

    def use_for_txt2img(self) -> None:
        entry = self.selected()
        if entry is None or entry.state == MISSING:
            return
        self.window_.use_model(entry.ref)
        self._refresh(select=entry.ref)

    def toggle_inpaint(self) -> None:
        """Make the selected model the inpainting model, or go back to inpainting with the
        text-to-image model when it already is."""
        entry = self.selected()
        if entry is None:
            return
        library = self.window_.library
        chosen = "" if library.default(INPAINT) == entry.ref else entry.ref
        if chosen and entry.kind == TXT2IMG:
            self.show_info(
                f"{entry.name} is a text-to-image model: inpainting works with it, but a dedicated inpainting "
                "model usually blends the repainted area better."
            )
        if self.window_._try(lambda: library.set_default(INPAINT, chosen)):
            self.window_.inpaint_model_changed()
        self._refresh(select=entry.ref)

    def download(self) -> None:
        entry = self.selected()
        if entry is None or entry.source != HUB:
            return
        self.hide_message()
        if self.window_.download_model(entry.ref):
            self._refresh(select=entry.ref)

    def cancel_download(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.window_.files_host.cancel(entry.ref)
            self.progress_bar.setFormat("Cancelling…")

    def remove(self) -> None:
        """Take the selected model off the list; for a downloaded hub model, offer to delete its
        files from the Hugging Face cache too (with their size). A user's own folder or file is
        never deleted."""
        entry = self.selected()
        if entry is None:
            return
        has_files = entry.source == HUB and entry.state in (READY, DOWNLOAD_PAUSED)
        choice = self.ask_remove(entry) if has_files else KEEP_FILES
        if not choice:
            return
        self.window_.files_host.cancel(entry.ref)
        if self.window_._try(lambda: self.window_.library.remove(entry.ref)):
            combo = self.window_.model_combo
            index = combo.findText(entry.ref)
            if index >= 0 and combo.currentIndex() != index:
                combo.removeItem(index)
            if choice == DELETE_FILES:
                self.window_.files_host.deleteModel.emit(entry.ref)
                self.show_info(f"{entry.name} is off the list; deleting its files…")
            else:
                self.show_info(f"{entry.name} is off the list; its files are still on disk.")
            self.entries = [shown for shown in self.entries if shown.ref != entry.ref]  # gone at once
        self._refresh()

    def ask_remove(self, entry: ModelEntry) -> str:
        """DELETE_FILES, KEEP_FILES or '' (cancel) for removing a downloaded model (tests replace this)."""
        size = human_size(entry.size_bytes or entry.downloaded_bytes or 0)
        box = QMessageBox(self)
        box.setWindowTitle("Remove the model?")
        box.setText(f"Remove {entry.name} from the list?")
        box.setInformativeText(
            f"Its files take {size} in the shared Hugging Face cache. Other apps that use the cache may use them "
            "too. Delete them to free the space, or keep them."
        )
        delete = box.addButton(f"Delete files ({size})", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep files", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        return {id(delete): DELETE_FILES, id(keep): KEEP_FILES}.get(id(box.clickedButton()), "")

    def model_deleted(self, repo_id: str, freed: int) -> None:
        self.show_info(f"Deleted the files of {repo_id}: {human_size(freed)} freed.")

    def _refresh(self, select: str | None = None) -> None:
        """Show the change at once from the list held, then ask the worker for sizes and states."""
        self._select_next = select or ""
        self.show_entries(self.entries)
        self.window_.files_host.requestList.emit()

    # -- downloads (called by the main window) -------------------------------------------------

    def show_progress(self, repo_id: str, done: int, total: int, text: str) -> None:
        self.progress[repo_id] = text
        self.progress_bar.show()
        self.progress_bar.setRange(0, max(total // 1024, 1))  # kilobytes: QProgressBar is 32-bit
        self.progress_bar.setValue(done // 1024)
        self.progress_bar.setFormat(f"{repo_id}: {text}")
        for row, entry in enumerate(self.entries):
            if entry.ref == repo_id and self.table.item(row, 3) is not None:
                self.table.item(row, 3).setText(f"Downloading: {text}")
        self._update_buttons()

    def download_ended(self, repo_id: str, status: str) -> None:
        self.progress.pop(repo_id, None)
        if not self.progress:
            self.progress_bar.hide()
        if status:
            self.show_info(status)
        self._update_buttons()

    # -- messages ------------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        self._message(message, "#fdecea", "#611a15")

    def show_info(self, message: str) -> None:
        self._message(message, "#e8f1fb", "#0b3d66")

    def _message(self, message: str, background: str, colour: str) -> None:
        self.message.setStyleSheet(f"QLabel {{ background: {background}; color: {colour}; padding: 6px; }}")
        self.message.setText(message)
        self.message.show()

    def hide_message(self) -> None:
        self.message.hide()


def local_model_menu(parent, on_chosen) -> QMenu:
    """A menu to pick a model on this computer (diffusers folder or .safetensors file); the chosen
    path goes to ``on_chosen``. Used by the model box and the model manager."""
    menu = QMenu(parent)

    def choose_folder() -> None:
        folder = QFileDialog.getExistingDirectory(parent, "Choose a diffusers model folder (with model_index.json)")
        if folder:
            on_chosen(folder)

    def choose_file() -> None:
        path, _filter = QFileDialog.getOpenFileName(
            parent, "Choose a Stable Diffusion checkpoint", str(Path.home()), "Safetensors checkpoints (*.safetensors)"
        )
        if path:
            on_chosen(path)

    menu.addAction("Model folder (diffusers)…", choose_folder)
    menu.addAction("Checkpoint file (.safetensors)…", choose_file)
    return menu


def _button(name: str, text: str, slot) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.clicked.connect(slot)
    return button
