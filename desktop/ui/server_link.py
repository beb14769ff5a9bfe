"""The window's side of where jobs run: the server settings (``ServerState``) and the thread that
checks a server, the "Where jobs run" dialog, and the one question the app asks about a server's
model: its family, when neither the server nor the file's name says it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QInputDialog

from desktop.state.server import ServerState
from desktop.ui.server_dialog import ServerDialog
from desktop.workers.server_worker import ServerHost

FAMILY_CHOICES = (("sd15", "SD 1.5"), ("sdxl", "SDXL"), ("flux", "FLUX.1"))


def ask_family(parent, model: str) -> str:
    """Ask which family the server's ``model`` is of: 'sd15', 'sdxl', 'flux', or '' when the user
    does not say."""
    labels = [label for _name, label in FAMILY_CHOICES]
    label, ok = QInputDialog.getItem(
        parent,
        "Which kind of model is this?",
        f"The server does not say which kind of model {model} is, and its name does not tell.\n"
        "Choose its family (the model's page says it); the answer is kept for this server.",
        labels,
        0,
        False,
    )
    return dict((label, name) for name, label in FAMILY_CHOICES).get(label, "") if ok else ""


class ServerLink(QObject):
    """Owns the server check thread and ``state``; ``attach`` once the window's request holds this
    computer's model. ``ask`` (model -> family or '') is replaced by tests."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.host = ServerHost()
        self.state = ServerState(window.settings, self.host)
        self.dialog: ServerDialog | None = None
        self._asking: set[str] = set()  # models whose family question is open
        self.ask = lambda model: ask_family(window, model)
        # A bound slot: the worker's signal arrives on the GUI thread
        window.worker.familyUnknown.connect(self._family_unknown)

    def attach(self) -> None:
        """From now on the models follow where jobs run (not before: the window's restore chooses this
        computer's model, which must not be loaded on a server, nor a server's model here)."""
        if self.state.remote and not self.window.host.started:
            self.window.worker.server_pending = True  # no engine on this computer at start
        self.window.models.server = self.state
        self.state.attach(self.window.host, self.window.request)

    def open_dialog(self) -> None:
        """Show the dialog (one at a time); OK applies its settings."""
        if self.dialog is None:
            self.dialog = ServerDialog(self.state, self.window)
            self.dialog.finished.connect(self._closed)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    @Slot(int)
    def _closed(self, _result: int) -> None:
        self.dialog.deleteLater()
        self.dialog = None

    @Slot(str)
    def _family_unknown(self, model: str) -> None:
        """Asked once per model: a second load that failed before the answer reached the worker
        (or while the question is open) asks nothing more."""
        if model in self._asking:
            return
        family = self.state.families.get(model)
        if not family:
            self._asking.add(model)
            try:
                family = self.ask(model)
            finally:
                self._asking.discard(model)
            if not family:
                return
            self.state.answer_family(model, family)
        if model == self.window.models.current:
            self.window.models.preload(model)  # loads it on the server again, now with its family
