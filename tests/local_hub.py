"""A small Hugging Face Hub look-alike on 127.0.0.1: just enough of the hub's HTTP API for
huggingface_hub's own download code (repo info, file tree, HEAD and ranged GET on /resolve/) to
download a model repo made of local files. Downloads can be slowed down, cut off and refused.

    python tests/local_hub.py FOLDER REPO_ID     # serve FOLDER as REPO_ID; prints the address
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHUNK = 64 * 1024


@dataclass
class Repo:
    folder: Path
    commit: str
    files: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def of(cls, folder: Path) -> Repo:
        files = {str(p.relative_to(folder)).replace("\\", "/"): p for p in sorted(folder.rglob("*")) if p.is_file()}
        digest = hashlib.sha1("".join(f"{name}:{p.stat().st_size}" for name, p in files.items()).encode())
        return cls(folder, digest.hexdigest(), files)


class LocalHub:
    """Serves ``repos`` (repo id -> folder). ``delay`` seconds pass between 64 KB chunks;
    ``status`` answers every request with that HTTP error; ``cut_after`` closes the connection of
    the first GET of each file after that many bytes; ``hold_after`` stops every GET of a larger
    file after that many bytes until ``go_on`` is set (``held`` names the files waiting), so a test
    acts while those files are surely unfinished and the others surely finished;
    ``redirect_to`` (another LocalHub's URL) answers ``/resolve/`` with a 302 to the same path
    there, as the hub sends large files to its CDN. ``requests`` records (method, path, Range);
    ``authorized`` the paths that came with an Authorization header."""

    def __init__(self, repos: dict[str, Path], delay: float = 0.0) -> None:
        self.repos = {repo_id: Repo.of(folder) for repo_id, folder in repos.items()}
        self.delay = delay
        self.status: int | None = None
        self.cut_after: int | None = None
        self.hold_after: int | None = None
        self.go_on = threading.Event()
        self.held: list[str] = []
        self.requests: list[tuple[str, str, str]] = []
        self.authorized: list[str] = []
        self.redirect_to: str | None = None
        self._cut: set[str] = set()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_HEAD(self):
                hub._handle(self, head=True)

            def do_GET(self):
                hub._handle(self, head=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.go_on.set()  # nothing stays held
        self.server.shutdown()
        self.server.server_close()

    def ranged_gets(self) -> list[tuple[str, str]]:
        return [(path, rng) for method, path, rng in self.requests if method == "GET" and rng]

    def fetched_files(self) -> list[str]:
        """The repo files sent with a GET, in order (one entry per GET)."""
        return [
            path.split("/resolve/")[1].split("/", 1)[1]
            for m, path, _ in self.requests
            if m == "GET" and "/resolve/" in path
        ]

    # -- request handling ----------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, head: bool) -> None:
        path = request.path.split("?")[0]
        self.requests.append(("HEAD" if head else "GET", path, request.headers.get("Range", "")))
        if request.headers.get("Authorization"):
            self.authorized.append(path)
        if self.status is not None:
            return self._json(request, {"error": "unavailable"}, self.status, head)
        api = re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/([^/]+)|/tree/([^/]+))?", path)
        resolve = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        repo_id = (api or resolve).group(1) if (api or resolve) else ""
        repo = self.repos.get(repo_id)
        if repo is None:
            return self._json(request, {"error": "Repository not found"}, 404, head, {"X-Error-Code": "RepoNotFound"})
        if api and api.group(3):
            tree = [
                {"type": "file", "path": n, "size": f.stat().st_size, "oid": _sha1(f)} for n, f in repo.files.items()
            ]
            return self._json(request, tree, 200, head)
        if api:
            siblings = [{"rfilename": name} for name in repo.files]
            return self._json(request, {"id": repo_id, "modelId": repo_id, "sha": repo.commit, "siblings": siblings})
        file = repo.files.get(resolve.group(3))
        if file is None:
            return self._json(request, {"error": "Entry not found"}, 404, head, {"X-Error-Code": "EntryNotFound"})
        if self.redirect_to:
            return self._redirect(request, repo, file, path)
        self._send_file(request, repo, resolve.group(3), file, head)

    def _redirect(self, request, repo: Repo, file: Path, path: str) -> None:
        """The hub's answer for a file kept on its CDN: the file's metadata and where to get it."""
        data = file.read_bytes()
        request.send_response(302)
        request.send_header("Location", self.redirect_to + path)
        request.send_header("X-Repo-Commit", repo.commit)
        request.send_header("X-Linked-Etag", f'"{hashlib.sha256(data).hexdigest()}"')
        request.send_header("X-Linked-Size", str(len(data)))
        request.send_header("Content-Length", "0")
        request.end_headers()

    def _send_file(self, request, repo: Repo, name: str, file: Path, head: bool) -> None:
        data = file.read_bytes()
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", request.headers.get("Range", ""))
        if match and not head:
            start = int(match.group(1))
        body = data[start:]
        request.send_response(206 if start else 200)
        request.send_header("Content-Length", str(len(body)))
        request.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        request.send_header("X-Repo-Commit", repo.commit)
        request.send_header("Accept-Ranges", "bytes")
        if start:
            request.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        request.end_headers()
        if head:
            return
        cut = self.cut_after is not None and name not in self._cut and len(body) > self.cut_after
        sent = 0
        try:
            while sent < len(body):
                if cut and sent >= self.cut_after:
                    self._cut.add(name)
                    request.close_connection = True
                    request.connection.shutdown(2)  # the connection drops mid-file
                    return
                piece = body[sent : sent + CHUNK]
                request.wfile.write(piece)
                sent += len(piece)
                if self.hold_after is not None and self.hold_after <= sent < len(body) and not self.go_on.is_set():
                    request.wfile.flush()
                    self.held.append(name)
                    self.go_on.wait()
                if self.delay:
                    time.sleep(self.delay)
        except (BrokenPipeError, ConnectionResetError):  # the client went away (cancel, kill)
            request.close_connection = True

    @staticmethod
    def _json(request, payload, status: int = 200, head: bool = False, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        if not head:
            request.wfile.write(body)


def snapshot_files(cache: Path, repo_id: str) -> set[str]:
    """The files of ``repo_id``'s downloaded snapshot in the Hugging Face cache ``cache``, as paths
    inside the repo (finished files only: a file in flight is a partial blob, not in the snapshot)."""
    snapshots = Path(cache) / f"models--{repo_id.replace('/', '--')}" / "snapshots"
    folders = list(snapshots.iterdir()) if snapshots.is_dir() else []
    return {str(p.relative_to(folders[0])) for p in folders[0].rglob("*") if p.is_file()} if folders else set()


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    hub = LocalHub({sys.argv[2]: Path(sys.argv[1])})
    with hub:
        print(f"HF_ENDPOINT={hub.url}", flush=True)
        threading.Event().wait()
