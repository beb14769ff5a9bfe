"""A ComfyUI server's websocket: the events of this client's jobs (queued, started, each sampler
step, finished, failed, interrupted) and the preview pictures it sends while a job runs.

Previews come as binary frames: in the current protocol (asked for with the
``supports_preview_metadata`` feature flag) with a JSON header naming the job, in the older one
as a bare JPEG or PNG. The websocket library is ``websockets`` (its synchronous client).
"""

from __future__ import annotations

import contextlib
import io
import json
import ssl
import struct
import time
from dataclasses import dataclass, field

from PIL import Image
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from desktop.remote.address import Credentials, ServerAddress
from desktop.remote.client import connection_problem, refused_sign_in
from desktop.remote.errors import NotComfyServer, ServerUnreachable

PREVIEW = "preview"
_LEGACY_PREVIEW = 1  # [type][image format: 1 JPEG, 2 PNG][image]
_PREVIEW_WITH_METADATA = 4  # [type][header length][JSON header with prompt_id][image]
OPEN_TIMEOUT_S = 15.0
IDLE_S = 300.0  # a socket unused this long is opened anew (a proxy may have dropped it quietly)


@dataclass(frozen=True)
class ServerEvent:
    """One event: ``kind`` is ComfyUI's message type ('progress', 'execution_success', …) or
    'preview'; ``data`` its JSON data; ``image`` the picture of a preview."""

    kind: str
    data: dict = field(default_factory=dict)
    image: Image.Image | None = None

    @property
    def prompt_id(self) -> str:
        return str(self.data.get("prompt_id") or "")


def read_frame(message: str | bytes) -> ServerEvent | None:
    """One websocket message as an event (None for what Logo Studio does not use)."""
    if isinstance(message, str):
        try:
            payload = json.loads(message)
        except ValueError:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            return None
        data = payload.get("data")
        return ServerEvent(payload["type"], data if isinstance(data, dict) else {})
    if len(message) < 8:
        return None
    kind, second = struct.unpack(">II", message[:8])
    header: dict = {}
    if kind == _PREVIEW_WITH_METADATA:
        try:
            header = json.loads(message[8 : 8 + second])
        except ValueError:
            return None
        picture = message[8 + second :]
    elif kind == _LEGACY_PREVIEW:
        picture = message[8:]
    else:
        return None
    try:
        with Image.open(io.BytesIO(picture)) as image:
            return ServerEvent(PREVIEW, header if isinstance(header, dict) else {}, image.convert("RGB"))
    except OSError:
        return None


class EventStream:
    """This client's websocket to the server; ``open`` it (again after a drop), read with ``next``."""

    def __init__(self, address: ServerAddress, credentials: Credentials, tls: ssl.SSLContext, client_id: str) -> None:
        self.address = address
        self.credentials = credentials
        self.tls = tls
        self.client_id = client_id
        self._socket: ClientConnection | None = None
        self._used = 0.0

    def ready(self) -> None:
        """Open the socket unless one is open and was used lately: kept open from job to job, it
        saves a (TLS) handshake per job."""
        if self._socket is None or time.monotonic() - self._used > IDLE_S:
            self.open()

    def open(self) -> None:
        """Connect (closing an earlier socket) and ask for previews with their job's id."""
        self.close()
        query = {"clientId": self.client_id, **self.credentials.query()}
        try:
            self._socket = connect(
                self.address.websocket_url("/ws", query),
                additional_headers=self.credentials.headers(),
                ssl=self.tls if self.address.scheme == "https" else None,
                open_timeout=OPEN_TIMEOUT_S,
                max_size=None,
                compression=None,
                max_queue=None,  # read every frame at once: a full queue would hold up the server's sends
                legacy=True,  # a connection object to keep (the socket outlives one call)
            )
            self._socket.send(json.dumps({"type": "feature_flags", "data": {"supports_preview_metadata": True}}))
        except InvalidStatus as error:
            status = error.response.status_code
            if status in (401, 403):
                raise refused_sign_in(self.address, status, self.credentials) from error
            raise NotComfyServer(
                f"{self.address.text} has no ComfyUI event socket (HTTP {status} at /ws): it is not a ComfyUI server, "
                "or its proxy does not pass websockets through."
            ) from error
        except (OSError, TimeoutError, WebSocketException) as error:
            raise connection_problem(self.address, error) from error

    def next(self, timeout: float) -> ServerEvent | None:
        """The next event, or None when none came within ``timeout`` seconds (or it was not one
        Logo Studio reads). Raises ServerUnreachable when the connection is gone."""
        if self._socket is None:
            raise ServerUnreachable(f"Not connected to {self.address.text}.")
        self._used = time.monotonic()
        try:
            return read_frame(self._socket.recv(timeout=timeout))
        except TimeoutError:
            return None
        except (OSError, WebSocketException) as error:
            self._socket = None
            raise ServerUnreachable(f"The connection to {self.address.host} dropped.") from error

    def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError, WebSocketException):
                self._socket.close()
            self._socket = None
