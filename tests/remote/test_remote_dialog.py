"""The "Where jobs run" dialog, driven as a user would, against the real ComfyUI server."""

from __future__ import annotations

from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLineEdit

from desktop.remote.address import BEARER
from desktop.remote.secrets import SecretStore
from desktop.state.server import SERVER, ServerState
from desktop.ui.server_dialog import ServerDialog
from desktop.workers.server_worker import ServerHost


def dialog(qtbot, tmp_path):
    host = ServerHost()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    state = ServerState(settings, host, SecretStore(fail.Keyring()))
    shown = ServerDialog(state)
    qtbot.addWidget(shown)
    shown.show()
    return shown, state, host


def test_test_connection_says_what_the_server_is_and_ok_uses_it(qtbot, tmp_path, comfyui):
    shown, state, host = dialog(qtbot, tmp_path)
    try:
        assert not shown.address.isEnabled(), "the fields wait until a server is chosen"
        qtbot.mouseClick(shown.server, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(shown.address, comfyui.url)
        qtbot.mouseClick(shown.test, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: shown.status.text().startswith("ComfyUI 0.12.1 at"), timeout=60_000)
        assert state.location != SERVER, "testing does not switch"
        shown.accept()
        assert shown.result() == ServerDialog.DialogCode.Accepted and state.remote
        assert state.connection().address.text == comfyui.url
    finally:
        host.shutdown()


def test_a_bad_address_keeps_the_dialog_open_with_the_reason(qtbot, tmp_path):
    shown, state, host = dialog(qtbot, tmp_path)
    try:
        shown.server.setChecked(True)
        shown.address.setText("ftp://gpu-pc")
        shown.accept()
        assert shown.isVisible() and "starts with http:// or https://" in shown.status.text()
        assert state.location != SERVER
    finally:
        host.shutdown()


def test_the_secret_is_dots_and_plain_http_and_a_missing_credential_store_are_said(qtbot, tmp_path):
    shown, _state, host = dialog(qtbot, tmp_path)
    try:
        shown.server.setChecked(True)
        shown.address.setText("http://192.168.1.20:8188")
        shown.sign_in.setCurrentIndex(shown.sign_in.findData(BEARER))
        assert shown.secret.echoMode() == QLineEdit.EchoMode.Password and shown.secret.isEnabled()
        assert not shown.user.isEnabled(), "a user name is for basic auth only"
        assert "unencrypted" in shown.notes.text() and "no credential store" in shown.notes.text()
    finally:
        host.shutdown()
