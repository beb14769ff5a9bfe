"""A network guard for child processes that tests start (the app's entry point, scripts).

conftest.py's ``no_network`` fixture patches sockets in the test process only; a child Python
process starts with fresh sockets. :func:`guarded_env` writes a ``sitecustomize.py`` that Python
runs at start-up in any child given its environment: host look-ups and connections beyond this
machine (127.0.0.1, ::1, localhost, Unix sockets) raise, and each attempt is written to a log that
:func:`network_attempts` reads back, so that an attempt a library caught and hid still fails the test.

    env = guarded_env(tmp_path / "guard", os.environ)
    subprocess.run([...], env=env)
    assert guarded_processes(tmp_path / "guard") and network_attempts(tmp_path / "guard") == []
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

LOG_ENV = "LOGO_STUDIO_TEST_NETWORK_LOG"

SITECUSTOMIZE = '''\
"""Written by tests/no_network_child.py: this process may not reach beyond this machine."""
import os
import socket

_LOG = os.environ.get("LOGO_STUDIO_TEST_NETWORK_LOG")
_LOCAL_HOSTS = (None, "localhost", "127.0.0.1", "::1", b"localhost", b"127.0.0.1", b"::1")


class NetworkAccessError(ConnectionRefusedError):
    """A test's child process tried to reach the network."""


def _refuse(what):
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(what + "\\n")
    raise NetworkAccessError(f"test child process tried to reach the network: {what}")


if _LOG:  # for guarded_processes(): the guard is in place in this process
    with open(os.path.join(os.path.dirname(_LOG), "guarded-processes"), "a", encoding="utf-8") as started:
        started.write(f"{os.getpid()}\\n")

_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _local(sock, address):
    return sock.family == getattr(socket, "AF_UNIX", None) or (
        isinstance(address, tuple) and address[0] in ("127.0.0.1", "::1", "localhost")
    )


def _guarded_connect(self, address):
    if not _local(self, address):
        _refuse(f"connect {address!r}")
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    if not _local(self, address):
        _refuse(f"connect {address!r}")
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in _LOCAL_HOSTS:
        _refuse(f"look up {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
socket.getaddrinfo = _guarded_getaddrinfo
'''


def run_python(code: str, *args: str, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
    """Run ``python -c code *args`` in a guarded child (a fresh guard folder), text output captured."""
    command = [sys.executable, "-c", code, *args]
    env = guarded_env(Path(tempfile.mkdtemp(prefix="guard-")))
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=check, env=env)


def guarded_env(folder: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``env`` (default: this process's) whose Python children cannot reach the network:
    writes ``folder/sitecustomize.py``, puts ``folder`` first on PYTHONPATH and logs attempts to
    ``folder/network-attempts.log``. Also sets HF_HUB_OFFLINE=1."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    guarded = dict(os.environ if env is None else env)
    path = guarded.get("PYTHONPATH")
    guarded["PYTHONPATH"] = os.pathsep.join([str(folder), path] if path else [str(folder)])
    guarded[LOG_ENV] = str(folder / "network-attempts.log")
    guarded["HF_HUB_OFFLINE"] = "1"
    return guarded


def network_attempts(folder: Path) -> list[str]:
    """The network accesses that children started with ``guarded_env(folder)`` tried (and were refused)."""
    log = folder / "network-attempts.log"
    return log.read_text(encoding="utf-8").splitlines() if log.is_file() else []


def guarded_processes(folder: Path) -> int:
    """How many Python processes started with ``guarded_env(folder)`` had the guard in place (0
    means the guard never ran: a child started with ``-I``/``-S``, or not a Python process)."""
    log = folder / "guarded-processes"
    return len(log.read_text(encoding="utf-8").split()) if log.is_file() else 0
