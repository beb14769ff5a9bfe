"""The model choice, under the brief and never folded away: a box that shows the chosen model (the
request's, however it was chosen) and offers every model on this computer, Browse… for a folder
or .safetensors file, and Models… for the whole list. A typed model is taken when the typing ends
(Enter, or leaving the box), so a half-typed path is never loaded. Under it, where jobs run (this
computer or a ComfyUI server) with Change…; while a server is chosen the box lists the server's
models with their family, and Browse…/Models… (this computer's files) are hidden."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QToolButton, QVBoxLayout

from desktop.models.catalog import INPAINT, TXT2IMG, human_size
from desktop.models.families import FAMILY_LABELS
from desktop.models.library import READY
from desktop.models.references import normalize_ref
from desktop.state.models import ModelsModel
from desktop.state.request import RequestModel
from desktop.state.server import ServerState
from desktop.ui.elided_label import ElidedLabel
from desktop.ui.model_manager import local_model_menu


class ModelPanel(QGroupBox):
    manageModels = Signal()
    whereRequested = Signal()  # Change… where jobs run

    def __init__(self, request: RequestModel, models: ModelsModel, server: ServerState, parent=None) -> None:
        super().__init__("Model", parent)
        self.setObjectName("modelPanel")
        self.request, self.models, self.server = request, models, server
        self._listing_server = False  # the box lists the server's models
        layout = QVBoxLayout(self)
        self.combo = QComboBox()
        self.combo.setObjectName("modelCombo")
        self.combo.setAccessibleName("Model")
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.setToolTip("A Hugging Face model id, a diffusers model folder, or a .safetensors file")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(8)
        self.combo.activated.connect(lambda index: models.choose(self.combo.itemText(index)))
        self.combo.lineEdit().editingFinished.connect(lambda: models.choose(self.combo.currentText()))
        layout.addWidget(self.combo)

        self.browse = browse = QToolButton()
        browse.setObjectName("modelBrowseButton")
        browse.setText("Browse…")
        browse.setToolTip("Use a model folder or .safetensors file on this computer")
        browse.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        browse.setMenu(local_model_menu(browse, models.use))
        self.manage = manage = QToolButton()
        manage.setObjectName("manageModelsButton")
        manage.setText("Models…")
        manage.setToolTip("Add, download, remove models and choose the defaults (Ctrl+Shift+M)")
        manage.clicked.connect(self.manageModels)
        buttons = QHBoxLayout()
        buttons.addWidget(browse)
        buttons.addWidget(manage)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        place = QHBoxLayout()
        self.place_label = ElidedLabel("", Qt.TextElideMode.ElideMiddle)
        self.place_label.setObjectName("runsOnLabel")
        change = QToolButton()
        change.setObjectName("whereJobsRunButton")
        change.setText("Change…")
        change.setToolTip("Run jobs on this computer or on a ComfyUI server")
        change.clicked.connect(self.whereRequested)
        place.addWidget(self.place_label, 1)
        place.addWidget(change)
        layout.addLayout(place)

        request.changed.connect(self._show_model)
        models.entries_changed.connect(self._show_entries)
        server.changed.connect(self._show_place)
        server.status_changed.connect(self._show_place)
        server.catalog_changed.connect(self._show_place)
        self._show_place()

    def _row_of(self, ref: str) -> int:
        rows = range(self.combo.count())
        if self._listing_server:  # server names are compared as the server lists them
            return next((i for i in rows if self.combo.itemText(i) == ref), -1)
        ref = normalize_ref(ref)
        return next((i for i in rows if normalize_ref(self.combo.itemText(i)) == ref), -1)

    def _show_place(self) -> None:
        """Where jobs run, and the models offered there."""
        server = self.server
        remote = server.remote
        if remote:
            address = server.address()
            state = " · connecting…" if server.checking else "" if server.usable else " · cannot be used"
            self.place_label.setText(f"Runs on {address.host}:{address.port}{address.prefix}{state}")
            self.place_label.setToolTip(server.status or server.address_text)
        else:
            self.place_label.setText("Runs on this computer")
            self.place_label.setToolTip("")
        self.browse.setVisible(not remote)
        self.manage.setVisible(not remote)
        if remote or self._listing_server:  # the server's list may have changed; or back to this computer's
            self._listing_server = remote
            self.combo.clear()
            if remote:
                self._show_server_models()
            else:
                self.combo.setToolTip("A Hugging Face model id, a diffusers model folder, or a .safetensors file")
                self._show_entries(self.models.entries)
        self._show_model("model")

    def _show_server_models(self) -> None:
        catalog, host = self.server.catalog, self.server.address().host
        self.combo.setToolTip(f"A model on {host}, as the server lists it (its checkpoints and diffusion models)")
        for model in catalog.models if catalog is not None else ():
            self.combo.addItem(model.name)
            family = FAMILY_LABELS.get(model.family or self.server.families.get(model.name, ""), "family unknown")
            self.combo.setItemData(self.combo.count() - 1, f"{model.name}: {family}", Qt.ItemDataRole.ToolTipRole)

    def _show_model(self, field: str) -> None:
        if field != "model":
            return
        row = self._row_of(self.models.current)
        if row < 0 and not self.models.current:  # a server with no model chosen yet
            self.combo.setEditText("")
            return
        if row < 0:
            self.combo.insertItem(0, self.models.current)
            row = 0
        self.combo.setCurrentIndex(row)
        self.combo.setEditText(self.combo.itemText(row))  # also over text typed and not taken

    def _show_entries(self, entries: list) -> None:
        """Offer every ready model (with kind and size), keeping what the user is typing."""
        if self._listing_server:
            return
        typed = self.combo.currentText()
        for entry in entries:
            if entry.state != READY:
                continue
            row = self._row_of(entry.ref)
            if row < 0:
                self.combo.addItem(entry.ref)
                row = self.combo.count() - 1
            kind = {TXT2IMG: "text-to-image", INPAINT: "inpainting"}.get(entry.kind, "model")
            tip = f"{entry.name}: {kind}, {human_size(entry.size_bytes or 0)}"
            self.combo.setItemData(row, tip, Qt.ItemDataRole.ToolTipRole)
        if self.combo.currentText() != typed:  # changing the current row's data resets the text
            self.combo.setEditText(typed)
