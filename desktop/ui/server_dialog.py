"""Where jobs run: this computer, or a ComfyUI server (its address, how it signs users in, a
certificate authority for a private certificate), with Test connection saying what the server is
or exactly why it cannot be used. The secret is shown as dots and kept by the credential store."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import InvalidParameters
from desktop.remote.address import (
    BASIC,
    NO_SIGN_IN,
    SIGN_IN_LABELS,
    SIGN_INS,
    Credentials,
    ServerAddress,
    ServerConnection,
)
from desktop.state.server import SERVER, THIS_COMPUTER, ServerState


class ServerDialog(QDialog):
    """Edits ``state`` (a ServerState); OK applies, Cancel leaves everything as it was."""

    def __init__(self, state: ServerState, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("serverDialog")
        self.setWindowTitle("Where jobs run")
        self.setMinimumWidth(520)
        self.state = state
        layout = QVBoxLayout(self)
        self.here = QRadioButton("This computer")
        self.here.setObjectName("runHere")
        self.server = QRadioButton("A ComfyUI server (a GPU at home, in the studio or in the cloud)")
        self.server.setObjectName("runOnServer")
        group = QButtonGroup(self)
        for button in (self.here, self.server):
            group.addButton(button)
            layout.addWidget(button)
        (self.server if state.location == SERVER else self.here).setChecked(True)

        self.fields = QWidget()
        form = QFormLayout(self.fields)
        self.address = QLineEdit(state.address_text)
        self.address.setObjectName("serverAddress")
        self.address.setPlaceholderText("http://192.168.1.20:8188  or  https://gpu.example.com/comfy")
        self.address.setAccessibleName("Server address")
        form.addRow("&Address", self.address)
        self.sign_in = QComboBox()
        self.sign_in.setObjectName("serverSignIn")
        for kind in SIGN_INS:
            self.sign_in.addItem(SIGN_IN_LABELS[kind], kind)
        self.sign_in.setCurrentIndex(SIGN_INS.index(state.sign_in))
        form.addRow("&Sign-in", self.sign_in)
        self.user = QLineEdit(state.user)
        self.user.setObjectName("serverUser")
        form.addRow("&User", self.user)
        self.secret = QLineEdit()
        self.secret.setObjectName("serverSecret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setAccessibleName("Token or password")
        form.addRow("&Token / password", self.secret)
        ca_row = QHBoxLayout()
        self.ca_file = QLineEdit(state.ca_file)
        self.ca_file.setObjectName("serverCaFile")
        self.ca_file.setPlaceholderText("only for a private certificate (PEM file)")
        browse = QToolButton()
        browse.setText("Browse…")
        browse.clicked.connect(self._browse_ca)
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(browse)
        ca_label = QLabel("Certificate &authority")
        ca_label.setBuddy(self.ca_file)
        form.addRow(ca_label, ca_row)
        layout.addWidget(self.fields)

        test_row = QHBoxLayout()
        self.test = QPushButton("&Test connection")
        self.test.setObjectName("serverTest")
        self.test.clicked.connect(self._test)
        test_row.addWidget(self.test)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        self.status = QLabel()
        self.status.setObjectName("serverStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # a message to copy
        layout.addWidget(self.status)
        self.notes = QLabel()
        self.notes.setObjectName("serverNotes")
        self.notes.setWordWrap(True)
        layout.addWidget(self.notes)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        for signal in (self.here.toggled, self.sign_in.currentIndexChanged, self.address.textChanged):
            signal.connect(self._refresh)
        state.status_changed.connect(self._show_status)
        self._refresh()
        self._show_status()

    # -- what the fields say ---------------------------------------------------------------

    def _kind(self) -> str:
        return self.sign_in.currentData()

    def _connection(self) -> ServerConnection:
        """The server the fields describe; InvalidParameters for an address that cannot be used."""
        address = ServerAddress.parse(self.address.text())
        credentials = Credentials(self._kind(), self.user.text().strip(), self.secret.text())
        if not credentials.secret:
            credentials = self.state.secrets.with_secret(address, credentials)
        return ServerConnection(address, credentials, self.ca_file.text().strip())

    @Slot()
    def _refresh(self) -> None:
        remote = self.server.isChecked()
        self.fields.setEnabled(remote)
        self.test.setEnabled(remote)
        kind = self._kind()
        self.user.setEnabled(kind == BASIC)
        self.secret.setEnabled(kind != NO_SIGN_IN)
        notes = []
        try:
            address = ServerAddress.parse(self.address.text())
        except InvalidParameters:
            address = None
        if address is not None and kind != NO_SIGN_IN:
            saved = self.state.secrets.get(address, Credentials(kind, self.user.text().strip()))
            self.secret.setPlaceholderText("saved: leave empty to keep it" if saved else "")
        if remote and address is not None and address.plain_http_warning():
            notes.append(address.plain_http_warning())
        if remote and kind != NO_SIGN_IN and not self.state.secrets.persistent:
            notes.append(self.state.secrets.unavailable_reason)
        self.notes.setText("\n\n".join(notes))
        self.notes.setVisible(bool(notes))

    @Slot()
    def _show_status(self) -> None:
        text = self.state.status
        color = "#1b7f3b" if self.state.usable and not self.state.checking else "#b00020"
        self.status.setStyleSheet("" if self.state.checking or not text else f"color: {color};")
        self.status.setText(text)

    @Slot()
    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Certificate authority", "", "Certificates (*.pem *.crt *.cer);;All files (*)"
        )
        if path:
            self.ca_file.setText(path)

    @Slot()
    def _test(self) -> None:
        try:
            self.state.check(self._connection())
        except InvalidParameters as error:
            self.state.status, self.state.usable, self.state.checking = error.message, False, False
            self._show_status()

    def accept(self) -> None:
        location = SERVER if self.server.isChecked() else THIS_COMPUTER
        secret = self.secret.text() or None
        try:
            self.state.apply(location, self.address.text(), self._kind(), self.user.text(), self.ca_file.text(), secret)
        except InvalidParameters as error:
            self.status.setStyleSheet("color: #b00020;")
            self.status.setText(error.message)
            self.address.setFocus()
            return
        super().accept()
