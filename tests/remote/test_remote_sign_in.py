"""Real servers sit behind proxies: the sign-ins users meet (a bearer token, a token in the
address, a user and password), a path prefix, https with a private certificate authority. nginx in
front of the test ComfyUI server plays that proxy; the secret reaches nowhere it should not."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from comfyui_server import CHECKPOINT_NAME as CHECKPOINT

from desktop.gallery import GalleryStore
from desktop.jobs import Job, run_job
from desktop.params import GenerationParams
from desktop.remote.address import BASIC, BEARER, QUERY_TOKEN, Credentials, ServerAddress, ServerConnection
from desktop.remote.client import ComfyClient
from desktop.remote.engine import RemoteEngine
from desktop.remote.errors import CertificateProblem, SignInRefused
from desktop.remote.server_info import check_server

SECRET = "s3cret-token-4242"
HF_TOKEN = "hf_never_sent_to_comfyui_1234"
NGINX_CONF = """
daemon off;
user {user};  # the workers read the test's private folder (ignored when not started as root)
pid {folder}/nginx.pid;
error_log {folder}/error.log;
worker_processes 1;
events {{}}
http {{
    log_format headers '$request_uri "$http_authorization" "$http_cookie"';
    access_log {folder}/access.log headers;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 100m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_read_timeout 300s;
    server {{
        listen 127.0.0.1:{bearer};
        location /comfy/ {{
            if ($http_authorization != "Bearer {secret}") {{ return 401; }}
            proxy_pass http://127.0.0.1:{comfy}/;
        }}
    }}
    server {{
        listen 127.0.0.1:{query};
        location / {{
            if ($arg_token != "{secret}") {{ return 401; }}
            proxy_pass http://127.0.0.1:{comfy};
        }}
    }}
    server {{
        listen 127.0.0.1:{basic};
        location / {{
            auth_basic "ComfyUI";
            auth_basic_user_file {folder}/htpasswd;
            proxy_set_header Authorization "";  # replaces the inherited headers: name them again
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_pass http://127.0.0.1:{comfy};
        }}
    }}
    server {{
        listen 127.0.0.1:{tls} ssl;
        ssl_certificate {folder}/server.pem;
        ssl_certificate_key {folder}/server.key;
        location / {{ proxy_pass http://127.0.0.1:{comfy}; }}
    }}
}}
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_certificates(folder: Path) -> None:
    """A private certificate authority and a certificate for 127.0.0.1 signed by it."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=Logo Studio test CA", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
             "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=folder)  # fmt: skip


@pytest.fixture(scope="module")
def proxy(comfyui, tmp_path_factory):
    """nginx on four ports: bearer + /comfy prefix, ?token=, basic auth (ann / pw), https."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None or shutil.which("openssl") is None:
        if os.environ.get("LOGO_STUDIO_REQUIRE_COMFYUI") == "1":
            pytest.fail("nginx and openssl are needed for the sign-in tests (apt-get install nginx-light openssl)")
        pytest.skip("nginx or openssl is not installed (Debian: apt-get install nginx-light openssl)")
    from comfyui_server import free_port

    folder = tmp_path_factory.mktemp("nginx")
    _make_certificates(folder)
    password = subprocess.run(["openssl", "passwd", "-apr1", "pw"], capture_output=True, text=True, check=True)
    (folder / "htpasswd").write_text(f"ann:{password.stdout.strip()}\n")
    ports = {name: free_port() for name in ("bearer", "query", "basic", "tls")}
    config = NGINX_CONF.format(folder=folder, secret=SECRET, comfy=comfyui.port, user=getpass.getuser(), **ports)
    (folder / "nginx.conf").write_text(config)
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf")], stderr=subprocess.PIPE)
    for port in ports.values():
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {(folder / 'error.log').read_text()}") from None
                time.sleep(0.1)
    yield {"folder": folder, **ports}
    process.terminate()
    process.wait(10)


def connection(proxy, port: str, credentials: Credentials, path: str = "", scheme: str = "http", ca: str = ""):
    address = ServerAddress.parse(f"{scheme}://127.0.0.1:{proxy[port]}{path}")
    return ServerConnection(address, credentials, ca)


def a_job(conn: ServerConnection, tmp_path: Path, seed: int):
    engine = RemoteEngine(conn)
    try:
        engine.load(CHECKPOINT)
        params = GenerationParams("a fox", width=64, height=64, steps=2, seed=seed, scheduler="Euler")
        steps = []
        items = run_job(engine, GalleryStore(tmp_path / "gallery"), Job(params), on_progress=steps.append)
        return items, steps
    finally:
        engine.close()


def test_a_bearer_token_behind_a_path_prefix_runs_jobs_and_stays_secret(proxy, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", HF_TOKEN)
    conn = connection(proxy, "bearer", Credentials(BEARER, secret=SECRET), "/comfy")
    with ComfyClient(conn.address, conn.credentials) as client:
        assert check_server(client).version == "0.12.1"
    items, steps = a_job(conn, tmp_path, seed=12)
    assert max(step.step for step in steps) == 2, "progress came through the proxy's websocket"
    saved = items[0].path.read_bytes()
    assert SECRET.encode() not in saved and b"Bearer" not in saved
    assert items[0].params.server == f"http://127.0.0.1:{proxy['bearer']}/comfy"
    log = (proxy["folder"] / "access.log").read_text()
    assert f"Bearer {SECRET}" in log and HF_TOKEN not in log and "hf_" not in log


def test_a_token_in_the_address_reaches_every_request_and_the_websocket(proxy, tmp_path):
    items, steps = a_job(connection(proxy, "query", Credentials(QUERY_TOKEN, secret=SECRET)), tmp_path, seed=13)
    assert len(items) == 1 and max(step.step for step in steps) == 2
    assert SECRET.encode() not in items[0].path.read_bytes()
    assert "/ws?clientId=" in (proxy["folder"] / "access.log").read_text()


@pytest.mark.parametrize(
    ("port", "credentials", "message"),
    [
        ("bearer", Credentials(), "asks for a sign-in"),
        ("bearer", Credentials(BEARER, secret="wrong"), "refused the sign-in"),
        ("query", Credentials(QUERY_TOKEN, secret="wrong"), "refused the sign-in"),
        ("basic", Credentials(BASIC, "ann", "wrong"), "refused the sign-in"),
    ],
)
def test_refused_credentials_are_named(proxy, port, credentials, message):
    conn = connection(proxy, port, credentials, "/comfy" if port == "bearer" else "")
    with ComfyClient(conn.address, conn.credentials) as client, pytest.raises(SignInRefused, match=message):
        check_server(client)


def test_a_user_and_password_sign_in(proxy):
    conn = connection(proxy, "basic", Credentials(BASIC, "ann", "pw"))
    with ComfyClient(conn.address, conn.credentials) as client:
        assert check_server(client).device_type == "cpu"


def test_https_verifies_the_certificate_and_accepts_a_named_authority(proxy):
    plain = connection(proxy, "tls", Credentials(), scheme="https")
    with ComfyClient(plain.address) as client, pytest.raises(CertificateProblem, match="could not be verified"):
        check_server(client)
    trusted = connection(proxy, "tls", Credentials(), scheme="https", ca=str(proxy["folder"] / "ca.pem"))
    with ComfyClient(trusted.address, ca_file=trusted.ca_file) as client:
        assert check_server(client).version == "0.12.1"
