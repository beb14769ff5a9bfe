"""Test connection and the server's lists, off the window's thread: a ComfyUI server may take
seconds to answer (or time out), and a job on the generation worker must not hold up a check.
Each check ends in exactly one ``checked`` signal."""

from __future__ import annotations

import sys
import traceback

from PySide6.QtCore import QObject, Signal, Slot

from desktop.errors import LogoStudioError
from desktop.workers.thread_host import ThreadHost


class ServerWorker(QObject):
    checked = Signal(int, bool, str, object)  # check number, usable, what the server is or why not, ServerCatalog

    @Slot(int, object)
    def check(self, number: int, connection) -> None:
        """What the server of ``connection`` (a ServerConnection) is, and its models and LoRAs."""
        from desktop.remote.catalog import read_catalog
        from desktop.remote.client import ComfyClient
        from desktop.remote.server_info import check_server

        try:
            with ComfyClient(connection.address, connection.credentials, connection.ca_file) as client:
                info = check_server(client)
                catalog = read_catalog(client)
        except LogoStudioError as error:
            self.checked.emit(number, False, error.message, None)
        except Exception as error:  # noqa: BLE001 - the window shows a message, the log keeps the trace
            traceback.print_exc(file=sys.stderr)
            self.checked.emit(number, False, f"Unexpected error: {error}. Details are in the log.", None)
        else:
            self.checked.emit(number, True, info.describe(), catalog)


class ServerHost(ThreadHost):
    """The server worker's thread; ``check`` numbers each request so only the newest answer counts."""

    submitCheck = Signal(int, object)

    def __init__(self) -> None:
        super().__init__(ServerWorker(), "server-worker")
        self.submitCheck.connect(self.worker.check)
        self.latest = 0

    def check(self, connection) -> int:
        self.start()
        self.latest += 1
        self.submitCheck.emit(self.latest, connection)
        return self.latest
