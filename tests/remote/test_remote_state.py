"""Where jobs run, as the window keeps it: settings in the settings file, the secret only in the
credential store (or for this run where the computer has none), a connection check against the
real ComfyUI server that brings its models and LoRAs."""

from __future__ import annotations

import pytest
from comfyui_server import CHECKPOINT_NAME as CHECKPOINT
from comfyui_server import STYLE_LORA
from keyring.backend import KeyringBackend
from PySide6.QtCore import QSettings

from desktop.errors import InvalidParameters
from desktop.remote.address import BEARER, NO_SIGN_IN, ServerAddress
from desktop.remote.secrets import SecretStore
from desktop.state.server import SERVER, THIS_COMPUTER, ServerState
from desktop.workers.server_worker import ServerHost

SECRET = "tok-0123456789"


class MemoryKeyring(KeyringBackend):
    """A credential store that lives in memory (this machine has no Secret Service). Its priority
    keeps keyring from choosing it by itself for other tests."""

    priority = -1

    def __init__(self) -> None:
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.saved.get((service, username))

    def set_password(self, service, username, password):
        self.saved[(service, username)] = password

    def delete_password(self, service, username):
        self.saved.pop((service, username))


@pytest.fixture
def server_host(qtbot):
    host = ServerHost()
    yield host
    host.shutdown()


def state(tmp_path, host, backend=None) -> ServerState:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return ServerState(settings, host, SecretStore(backend))


def test_choosing_a_server_checks_it_and_brings_its_models_and_loras(comfyui, server_host, tmp_path, qtbot):
    chosen = state(tmp_path, server_host)
    with qtbot.waitSignal(chosen.changed):
        chosen.apply(SERVER, comfyui.url, NO_SIGN_IN, "", "", None)
    assert chosen.remote and chosen.connection().address == ServerAddress.parse(comfyui.url)
    qtbot.waitUntil(lambda: not chosen.checking, timeout=60_000)
    assert chosen.usable and chosen.status.startswith("ComfyUI 0.12.1 at")
    assert [model.name for model in chosen.catalog.models] == [CHECKPOINT] and STYLE_LORA in chosen.catalog.loras
    again = state(tmp_path, server_host)
    assert (again.location, again.address_text) == (SERVER, comfyui.url), "remembered"
    with qtbot.waitSignal(again.changed):
        again.apply(THIS_COMPUTER, comfyui.url, NO_SIGN_IN, "", "", None)
    assert not again.remote and again.connection() is None


def test_a_server_that_cannot_be_used_says_why(server_host, tmp_path, qtbot):
    from comfyui_server import free_port

    chosen = state(tmp_path, server_host)
    chosen.apply(SERVER, f"127.0.0.1:{free_port()}", NO_SIGN_IN, "", "", None)
    qtbot.waitUntil(lambda: not chosen.checking, timeout=30_000)
    assert not chosen.usable and "Nothing is listening" in chosen.status
    with pytest.raises(InvalidParameters, match="starts with http"):
        chosen.apply(SERVER, "ftp://gpu-pc", NO_SIGN_IN, "", "", None)
    assert chosen.address_text.startswith("http://127.0.0.1:"), "a refused address changes nothing"


def test_the_secret_goes_to_the_credential_store_never_to_the_settings_file(server_host, tmp_path):
    store = MemoryKeyring()
    chosen = state(tmp_path, server_host, store)
    chosen.apply(THIS_COMPUTER, "https://gpu.example.com/comfy", BEARER, "", "", SECRET)
    chosen.settings.sync()
    assert SECRET not in (tmp_path / "settings.ini").read_text()
    assert list(store.saved.values()) == [SECRET]
    assert state(tmp_path, server_host, store).credentials().secret == SECRET, "found again after a restart"


def test_without_a_credential_store_the_secret_lasts_this_run_only_and_the_window_can_say_so(server_host, tmp_path):
    from keyring.backends import fail

    chosen = state(tmp_path, server_host, fail.Keyring())  # as on this machine: no store at all
    assert not chosen.secrets.persistent and "no credential store" in chosen.secrets.unavailable_reason
    chosen.apply(THIS_COMPUTER, "https://gpu.example.com", BEARER, "", "", SECRET)
    assert chosen.credentials().secret == SECRET
    assert state(tmp_path, server_host, fail.Keyring()).credentials().secret == ""
    assert SECRET not in (tmp_path / "settings.ini").read_text()


def test_plain_http_to_another_computer_is_warned_about(server_host, tmp_path):
    chosen = state(tmp_path, server_host)
    chosen.apply(THIS_COMPUTER, "http://192.168.1.20:8188", NO_SIGN_IN, "", "", None)
    assert chosen.warning() == ""  # not in use
    chosen.location = SERVER
    assert "unencrypted" in chosen.warning()


def test_choosing_this_computer_with_a_bad_address_in_the_greyed_box_works(server_host, tmp_path):
    chosen = state(tmp_path, server_host)
    chosen.apply(THIS_COMPUTER, "http://gpu-pc:8188", NO_SIGN_IN, "", "", None)
    chosen.apply(THIS_COMPUTER, "ftp://half typed", NO_SIGN_IN, "", "", None)
    assert not chosen.remote and chosen.address_text == "http://gpu-pc:8188", "the last usable address is kept"
