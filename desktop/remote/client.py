"""Talking to a ComfyUI server over HTTP: what it is, what it has, uploading the pictures a job
starts from, queueing an API graph, reading its history and fetching its images, interrupting
and dequeuing a job. httpx (the HTTP client huggingface_hub uses too) does the protocol; every
failure becomes one of ``desktop.remote.errors`` in words a user can act on.

Only this server ever receives the requests: the sign-in goes in each request's headers or query,
TLS certificates are verified (against the system's authorities plus a CA file the user names),
and nothing else of the app's (the Hugging Face token above all) is ever added.
"""

from __future__ import annotations

import hashlib
import io
import ssl
from urllib.parse import urlsplit

import httpx2 as httpx
from PIL import Image

from desktop.remote.address import Credentials, ServerAddress
from desktop.remote.errors import (
    CertificateProblem,
    NotComfyServer,
    ServerError,
    ServerJobFailed,
    ServerUnreachable,
    SignInRefused,
)

TIMEOUT_S = 30.0  # one request; a slow GPU server answers its API at once even while it generates
UPLOAD_PREFIX = "logo-studio-"


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """The certificate check for https and wss: the system's authorities, plus ``ca_file`` (a PEM
    file of the authority that signed a private server's certificate) when given."""
    context = httpx.create_ssl_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise CertificateProblem(f"The certificate authority file {ca_file} could not be read: {error}.") from error
    return context


def connection_problem(address: ServerAddress, error: BaseException) -> ServerError:
    """The user's words for a failed connection to ``address`` (a transport or TLS error)."""
    where = f"{address.host}:{address.port}"
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return CertificateProblem(
                f"The certificate of {address.host} could not be verified ({cause.verify_message}). If the server "
                "uses a private or self-signed certificate, name its certificate authority file in the server "
                "settings."
            )
        if isinstance(cause, ssl.SSLError):
            return CertificateProblem(
                f"A secure (https) connection to {where} failed: {cause.reason or cause}. Is the server really "
                "https, on that port?"
            )
        if isinstance(cause, ConnectionRefusedError):
            break
        cause = cause.__cause__ or cause.__context__
    text = str(error).lower()
    if isinstance(error, httpx.TimeoutException) or "timed out" in text:
        return ServerUnreachable(f"{where} did not answer within {TIMEOUT_S:g} s. Check the address and the network.")
    if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return ServerUnreachable(f"No computer named {address.host} was found. Check the address.")
    if "refused" in text or isinstance(cause, ConnectionRefusedError):
        return ServerUnreachable(
            f"Nothing is listening at {where}. Is ComfyUI running there, on that port, and started with "
            "--listen so that other computers can reach it?"
        )
    return ServerUnreachable(f"Could not reach {where}: {error}.")


def refused_sign_in(address: ServerAddress, status: int, credentials: Credentials) -> SignInRefused:
    """The words for an HTTP 401/403 from the server or its proxy."""
    if credentials.kind == "none":
        return SignInRefused(
            f"{address.host} asks for a sign-in (HTTP {status}): choose how it signs in (token or user and "
            "password) in the server settings."
        )
    return SignInRefused(
        f"{address.host} refused the sign-in (HTTP {status}): check the token, or the user and password."
    )


def _queue_entry(item) -> tuple[float, str]:
    """(place number, prompt id) of a queue entry: ComfyUI lists [number, prompt_id, graph, …];
    some builds send objects with "priority" and "prompt_id"."""
    if isinstance(item, dict):
        return float(item.get("priority") or item.get("number") or 0), str(item.get("prompt_id", ""))
    return float(item[0]), str(item[1])


class ComfyClient:
    """One ComfyUI server's HTTP API. Use from one thread at a time; ``close`` when done."""

    def __init__(self, address: ServerAddress, credentials: Credentials | None = None, ca_file: str = "") -> None:
        self.address = address
        self.credentials = credentials or Credentials()
        self.ca_file = ca_file
        self.tls = tls_context(ca_file)
        self._http = httpx.Client(
            headers=self.credentials.headers(), timeout=TIMEOUT_S, verify=self.tls, follow_redirects=False
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ComfyClient:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------

    def _request(self, method: str, path: str, query: dict | None = None, **kwargs) -> httpx.Response:
        query = {**(query or {}), **self.credentials.query()}
        try:
            response = self._http.request(method, self.address.url(path, query), **kwargs)
        except httpx.TransportError as error:
            raise connection_problem(self.address, error) from error
        if response.status_code in (401, 403):
            raise refused_sign_in(self.address, response.status_code, self.credentials)
        if response.is_redirect:
            target = urlsplit(response.headers.get("location", ""))
            raise NotComfyServer(
                f"{self.address.text} redirects to {target.scheme}://{target.netloc}{target.path}: use that "
                "address instead (a proxy's sign-in page is not ComfyUI)."
            )
        return response

    def get_json(self, path: str, query: dict | None = None):
        """GET ``path`` and its JSON; NotComfyServer when the answer is not JSON."""
        response = self._request("GET", path, query)
        if response.status_code == 404:
            raise NotComfyServer(f"{self.address.text} has no {path}: it is not a ComfyUI server (or the path is off).")
        if response.status_code >= 500:
            raise ServerUnreachable(f"{self.address.host} answered {path} with HTTP {response.status_code}.")
        try:
            return response.json()
        except ValueError as error:
            raise NotComfyServer(
                f"{self.address.text} answered {path} with something other than ComfyUI's JSON: it is not a "
                "ComfyUI server."
            ) from error

    def post_json(self, path: str, body: dict) -> httpx.Response:
        response = self._request("POST", path, json=body)
        if response.status_code >= 500:
            raise ServerUnreachable(f"{self.address.host} answered {path} with HTTP {response.status_code}.")
        return response

    # -- what the server is and has --------------------------------------------------------

    def system_stats(self) -> dict:
        return self.get_json("/system_stats")

    def object_info(self, node: str) -> dict:
        """What the server's node ``node`` accepts (its input lists name the server's files); {}
        when the server has no such node."""
        return self.get_json(f"/object_info/{node}").get(node, {})

    def file_metadata(self, folder: str, filename: str) -> dict:
        """The ``__metadata__`` of a .safetensors file in one of the server's model folders ({}
        when it has none or the server does not say)."""
        response = self._request("GET", f"/view_metadata/{folder}", {"filename": filename})
        if response.status_code != 200:
            return {}
        try:
            data = response.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    # -- a job ---------------------------------------------------------------------------

    def upload_image(self, image: Image.Image) -> str:
        """Upload ``image`` as a PNG into the server's temp folder (emptied when ComfyUI restarts,
        so nothing stays on the server) and return its name as LoadImage reads it. The name is the
        content's hash: the same picture is one file, and the server's cache knows it."""
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        data = buffer.getvalue()
        name = f"{UPLOAD_PREFIX}{hashlib.sha256(data).hexdigest()[:20]}.png"
        response = self._request(
            "POST",
            "/upload/image",
            files={"image": (name, data, "image/png")},
            data={"type": "temp", "overwrite": "true"},
        )
        if response.status_code != 200:
            raise ServerJobFailed(
                f"The server did not accept the picture ({response.status_code}: {response.text[:200]})."
            )
        stored = response.json()
        subfolder = stored.get("subfolder") or ""
        return f"{subfolder + '/' if subfolder else ''}{stored.get('name', name)} [temp]"

    def queue_prompt(self, graph: dict, client_id: str) -> dict:
        """Queue an API graph for ``client_id`` (whose websocket receives its events). Returns the
        server's answer: ``prompt_id`` when queued, else ``error`` and ``node_errors``."""
        response = self.post_json("/prompt", {"prompt": graph, "client_id": client_id})
        try:
            return response.json()
        except ValueError as error:
            raise ServerJobFailed(f"The server refused the job: HTTP {response.status_code}.") from error

    def history(self, prompt_id: str) -> dict | None:
        """The finished job's record (its outputs and status), or None while it is not finished."""
        return self.get_json(f"/history/{prompt_id}").get(prompt_id)

    def queue(self) -> tuple[list[str], list[str]]:
        """The prompt ids running now and waiting, in order."""
        data = self.get_json("/queue")
        running = [_queue_entry(item) for item in data.get("queue_running", [])]
        pending = sorted(_queue_entry(item) for item in data.get("queue_pending", []))
        return [prompt_id for _, prompt_id in running], [prompt_id for _, prompt_id in pending]

    def image(self, reference: dict) -> Image.Image:
        """An output image of a job, as its history names it."""
        query = {key: reference.get(key, "") for key in ("filename", "subfolder", "type")}
        response = self._request("GET", "/view", query)
        if response.status_code != 200:
            raise ServerJobFailed(f"The server did not send the finished image (HTTP {response.status_code}).")
        with Image.open(io.BytesIO(response.content)) as image:
            image.load()
            return image.convert("RGB")

    def interrupt(self, prompt_id: str) -> None:
        """Stop ``prompt_id`` if it is the job running now; any other client's job runs on."""
        self.post_json("/interrupt", {"prompt_id": prompt_id})

    def dequeue(self, prompt_id: str) -> None:
        """Take ``prompt_id`` out of the waiting queue (nothing happens once it runs)."""
        self.post_json("/queue", {"delete": [prompt_id]})
