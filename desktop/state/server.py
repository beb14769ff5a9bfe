"""Where jobs run: this computer, or a ComfyUI server with its address, sign-in and certificate
authority. The settings are kept in the settings file, the secret in the credential store
(``desktop.remote.secrets``), never in the settings file. A connection check (on the server
worker's thread) says what the server is or why it cannot be used, and brings its models and
LoRAs, which the model box and the LoRA panel list while the server is chosen. Also the user's
answers for server models whose family the server does not say."""

from __future__ import annotations

import json

from PySide6.QtCore import QObject, QSettings, Signal, Slot

from desktop.errors import InvalidParameters
from desktop.remote.address import NO_SIGN_IN, SIGN_INS, Credentials, ServerAddress, ServerConnection
from desktop.remote.catalog import ServerCatalog
from desktop.remote.secrets import SecretStore
from desktop.workers.server_worker import ServerHost

THIS_COMPUTER = "local"
SERVER = "server"


class ServerState(QObject):
    changed = Signal()  # where jobs run changed: the generation worker must switch engines
    status_changed = Signal()  # a check started or ended (status, usable, checking)
    catalog_changed = Signal()  # the server's models and LoRAs arrived

    def __init__(self, settings: QSettings, host: ServerHost, secrets: SecretStore | None = None) -> None:
        super().__init__()
        self.settings, self.host = settings, host
        self.secrets = secrets or SecretStore()
        self.location = THIS_COMPUTER if settings.value("server/location", THIS_COMPUTER) != SERVER else SERVER
        self.address_text = str(settings.value("server/address", "") or "")
        sign_in = str(settings.value("server/signIn", NO_SIGN_IN) or NO_SIGN_IN)
        self.sign_in = sign_in if sign_in in SIGN_INS else NO_SIGN_IN
        self.user = str(settings.value("server/user", "") or "")
        self.ca_file = str(settings.value("server/caFile", "") or "")
        try:
            self.families: dict[str, str] = dict(json.loads(settings.value("server/families", "{}") or "{}"))
        except (TypeError, ValueError):
            self.families = {}
        self.status, self.usable, self.checking = "", False, False
        self.catalog: ServerCatalog | None = None
        self._check = 0
        self._check_is_ours = False
        self._models = {  # the model chosen at each place, so that switching back finds it again
            THIS_COMPUTER: str(settings.value("server/localModel", "") or ""),
            SERVER: str(settings.value("server/model", "") or ""),
        }
        self._worker = self._request = None
        self._running_on = THIS_COMPUTER
        host.worker.checked.connect(self._checked)

    def attach(self, worker_host, request) -> None:
        """Drive the generation worker (``worker_host``, a WorkerHost) and the request's model: jobs
        run where the user chose, and each place keeps its own chosen model, swapped in when the
        place changes. Call once the request holds this computer's model."""
        self._worker, self._request = worker_host, request
        self._models[THIS_COMPUTER] = request.model
        request.changed.connect(self._request_changed)
        self.catalog_changed.connect(self._catalog_arrived)
        if self.remote:
            self._switch()
            self.check()

    def _changed(self) -> None:
        """Where jobs run changed: the worker and the request's model follow first, then the window."""
        if self._worker is not None:
            self._switch()
        self.changed.emit()

    def _switch(self) -> None:
        place = SERVER if self.remote else THIS_COMPUTER
        self._worker.setServer.emit(self.connection(), dict(self.families))  # before the model: same queue
        if place != self._running_on:
            self._running_on = place
            self._request.set("model", self._models[place])

    @Slot(str)
    def _request_changed(self, field: str) -> None:
        if field == "model":
            self._models[self._running_on] = self._request.model
            key = "model" if self._running_on == SERVER else "localModel"
            self.settings.setValue(f"server/{key}", self._request.model)

    @Slot()
    def _catalog_arrived(self) -> None:
        """A server's first use: its first model is chosen (the user can pick another)."""
        if self.remote and self.catalog is not None and self.catalog.models and not self._request.model:
            self._request.set("model", self.catalog.models[0].name)

    # -- what the window reads -------------------------------------------------------------

    @property
    def remote(self) -> bool:
        """True when jobs run on a server (chosen, with a usable address)."""
        return self.location == SERVER and self.address() is not None

    def address(self) -> ServerAddress | None:
        try:
            return ServerAddress.parse(self.address_text)
        except InvalidParameters:
            return None

    def credentials(self) -> Credentials:
        """The sign-in with its secret from the credential store ('' when none is saved)."""
        address = self.address()
        credentials = Credentials(self.sign_in, self.user)
        return self.secrets.with_secret(address, credentials) if address is not None else credentials

    def connection(self) -> ServerConnection | None:
        """The server jobs run on, or None for this computer."""
        return ServerConnection(self.address(), self.credentials(), self.ca_file) if self.remote else None

    def warning(self) -> str:
        """A plain-http warning for the chosen address ('' when there is nothing to say)."""
        address = self.address()
        return address.plain_http_warning() if address is not None and self.location == SERVER else ""

    # -- what the user does ----------------------------------------------------------------

    def apply(
        self, location: str, address_text: str, sign_in: str, user: str, ca_file: str, secret: str | None
    ) -> None:
        """Use these settings (``secret`` None keeps the saved one) and check the server. Raises
        InvalidParameters (nothing changed) for an address that cannot be used."""
        if location == SERVER:
            address = ServerAddress.parse(address_text)
        else:  # the (greyed) address is kept for next time only when it can be used
            try:
                address = ServerAddress.parse(address_text) if address_text.strip() else None
            except InvalidParameters:
                address = self.address()
        if sign_in not in SIGN_INS:
            raise InvalidParameters("sign_in", f"Unknown sign-in {sign_in!r}.")
        self.location = SERVER if location == SERVER else THIS_COMPUTER
        self.address_text = address.text if address is not None else ""
        self.sign_in, self.user, self.ca_file = sign_in, user.strip(), ca_file.strip()
        if secret is not None and address is not None:
            self.secrets.set(address, Credentials(self.sign_in, self.user, secret))
        for key, value in (
            ("location", self.location),
            ("address", self.address_text),
            ("signIn", self.sign_in),
            ("user", self.user),
            ("caFile", self.ca_file),
        ):
            self.settings.setValue(f"server/{key}", value)
        self.catalog = None
        self._changed()
        self.catalog_changed.emit()
        if self.remote:
            self.check()
        else:
            self.status, self.usable, self.checking = "", False, False
            self.status_changed.emit()

    def check(self, connection: ServerConnection | None = None) -> None:
        """Test the connection (the chosen server's, or ``connection`` being edited) and fetch the
        server's lists; ``status_changed`` says the result."""
        if connection is None and self.address() is not None:
            connection = ServerConnection(self.address(), self.credentials(), self.ca_file)
        if connection is None:
            self.status, self.usable, self.checking = "Enter the server's address first.", False, False
        else:
            self._check = self.host.check(connection)
            # Only a check of the server jobs run on brings the lists the window offers (a test of
            # another address in the dialog says what that one is, nothing more).
            self._check_is_ours = self.remote and connection == self.connection()
            self.status, self.checking = f"Connecting to {connection.address.text}…", True
        self.status_changed.emit()

    def answer_family(self, model: str, family: str) -> None:
        """The user's answer for a server model whose family the server does not say (kept)."""
        self.families[model] = family
        self.settings.setValue("server/families", json.dumps(self.families))
        self._changed()

    @Slot(int, bool, str, object)
    def _checked(self, number: int, usable: bool, text: str, catalog) -> None:
        if number != self._check:
            return  # an older check, overtaken by a newer one
        self.status, self.usable, self.checking = text, usable, False
        self.status_changed.emit()
        if catalog is not None and self.remote and self._check_is_ours:
            self.catalog = catalog
            self.catalog_changed.emit()
