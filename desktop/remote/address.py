"""Where a ComfyUI server is and how to sign in to it.

An address is http or https, any port, with an optional path prefix for a server behind a
reverse proxy (``https://gpu.example.com/comfy``). Credentials are what real servers ask for: a
bearer token (ComfyUI-Login, reverse proxies), a ``?token=`` on every request and on the websocket
(cloud GPU hosts), or a user and password (basic auth behind nginx). The secret never appears in
``repr``, in the address text, in logs, the gallery or an image's metadata. Plain data, no Qt.
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from desktop.errors import InvalidParameters

NO_SIGN_IN = "none"
BEARER = "bearer"
QUERY_TOKEN = "query"
BASIC = "basic"
SIGN_INS = (NO_SIGN_IN, BEARER, QUERY_TOKEN, BASIC)
SIGN_IN_LABELS = {
    NO_SIGN_IN: "No sign-in",
    BEARER: "Bearer token (ComfyUI-Login, reverse proxies)",
    QUERY_TOKEN: "Token in the address (?token=, cloud GPU hosts)",
    BASIC: "User and password (basic auth)",
}
DEFAULT_PORT = 8188  # ComfyUI's own default
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ServerAddress:
    """A ComfyUI server's address: ``scheme`` http or https, ``host``, ``port`` and ``prefix`` (''
    or a path such as '/comfy', without a trailing slash)."""

    scheme: str
    host: str
    port: int
    prefix: str = ""

    @classmethod
    def parse(cls, text: str) -> ServerAddress:
        """Read an address as a user types it: ``192.168.1.20:8188``, ``http://gpu-pc:8188``,
        ``https://gpu.example.com/comfy``. Without a scheme it is http; without a port, ComfyUI's
        8188 for a bare host and the scheme's own port for a URL. Raises InvalidParameters (field
        "server") with what is wrong."""
        text = (text or "").strip()
        if not text:
            raise InvalidParameters("server", "Enter the ComfyUI server's address, e.g. http://192.168.1.20:8188.")
        has_scheme = "://" in text
        parts = urlsplit(text if has_scheme else f"http://{text}")
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise InvalidParameters("server", f"A ComfyUI address starts with http:// or https://, not {scheme}://.")
        if parts.username or parts.password:
            raise InvalidParameters(
                "server",
                "Put the user and password in the sign-in fields, not in the address: an address is shown "
                "and saved, a password must not be.",
            )
        if parts.query or parts.fragment:
            raise InvalidParameters(
                "server",
                "The address must not contain ? or #: choose 'Token in the address' as the sign-in "
                "instead of writing the token into the address.",
            )
        try:
            host, port = parts.hostname, parts.port
        except ValueError as error:
            raise InvalidParameters("server", f"{text} has an unusable port: {error}.") from error
        if not host:
            raise InvalidParameters("server", f"{text} names no computer: write a host name or an IP address.")
        if port is None:
            port = _DEFAULT_PORTS[scheme] if has_scheme else DEFAULT_PORT
        return cls(scheme, host.lower(), port, parts.path.rstrip("/"))

    @property
    def text(self) -> str:
        """The address as shown and stored (never with credentials): ``http://gpu-pc:8188/comfy``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if _DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.prefix}"

    def url(self, path: str, query: dict | None = None) -> str:
        """The HTTP(S) URL of an API ``path`` such as '/prompt', with ``query`` parameters."""
        tail = f"?{urlencode(query)}" if query else ""
        return f"{self.text}{path}{tail}"

    def websocket_url(self, path: str, query: dict | None = None) -> str:
        """The ws(s) URL of ``path`` (the events socket, '/ws')."""
        return "ws" + self.url(path, query)[len("http") :]

    @property
    def is_this_computer(self) -> bool:
        """True for localhost and loopback addresses, where plain http never leaves the computer."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def plain_http_warning(self) -> str:
        """A warning for plain http to another computer ('' for https or this computer)."""
        if self.scheme == "https" or self.is_this_computer:
            return ""
        return (
            f"{self.host} is reached over plain http: prompts, images and any sign-in secret cross the "
            "network unencrypted. Use https where the server offers it (a reverse proxy with a certificate)."
        )


@dataclass(frozen=True)
class Credentials:
    """How to sign in: ``kind`` one of SIGN_INS, ``user`` for basic auth, ``secret`` the token or
    password (kept out of repr)."""

    kind: str = NO_SIGN_IN
    user: str = ""
    secret: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.kind not in SIGN_INS:
            raise InvalidParameters("sign_in", f"Unknown sign-in {self.kind!r}: use one of {', '.join(SIGN_INS)}.")

    @property
    def complete(self) -> bool:
        """True when nothing the sign-in needs is missing."""
        if self.kind == NO_SIGN_IN:
            return True
        return bool(self.secret) and (self.kind != BASIC or bool(self.user))

    def headers(self) -> dict[str, str]:
        """The HTTP headers this sign-in adds to every request and to the websocket handshake."""
        if self.kind == BEARER and self.secret:
            return {"Authorization": f"Bearer {self.secret}"}
        if self.kind == BASIC and self.secret:
            pair = base64.b64encode(f"{self.user}:{self.secret}".encode()).decode("ascii")
            return {"Authorization": f"Basic {pair}"}
        return {}

    def query(self) -> dict[str, str]:
        """The query parameters this sign-in adds to every request and to the websocket URL."""
        return {"token": self.secret} if self.kind == QUERY_TOKEN and self.secret else {}


@dataclass(frozen=True)
class ServerConnection:
    """Everything needed to use a server: its address, the sign-in, and a certificate authority
    file for a private https certificate ('' for the system's authorities alone)."""

    address: ServerAddress
    credentials: Credentials = field(default_factory=Credentials)
    ca_file: str = ""
