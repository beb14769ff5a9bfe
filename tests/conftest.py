"""Shared fixtures: an isolated environment, no network, and tiny models built once per run."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from pathlib import Path

import pytest

# Before huggingface_hub is imported anywhere: never the real cache, never the network.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="logo-studio-tests-"))
os.environ["HF_HOME"] = str(_SESSION_HOME / "hf-home")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["LOGO_STUDIO_DATA_DIR"] = str(_SESSION_HOME / "must-not-be-used")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("LOGO_STUDIO_DEVICE", None)
# The engine on the worker thread, not in a process of its own: the window tests start a window
# each, and a new engine process per window would import torch each time. The app's own path, the
# engine process, is tested in test_engine_process.py and by test_packaging.py's start of the app as
# a bundle starts, which runs a job through it.
os.environ["LOGO_STUDIO_ENGINE"] = "in-process"
# Never the user's credential store: a server secret a test saves lives only while the test runs.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

sys.path.insert(0, str(Path(__file__).parent))


class NetworkAccessError(AssertionError):
    pass


LOOPBACK = ("127.0.0.1", "::1")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any host lookup or socket connection beyond this machine fails the test."""
    original_connect = socket.socket.connect

    def guarded_connect(self, address):
        if self.family == socket.AF_UNIX or (isinstance(address, tuple) and address[0] in LOOPBACK):
            return original_connect(self, address)  # this machine only (the local hub test server)
        raise NetworkAccessError(f"test tried to reach the network: {address!r}")

    original_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host in (None, "localhost", "127.0.0.1", "::1"):
            return original_getaddrinfo(host, *args, **kwargs)
        raise NetworkAccessError(f"test tried to look up a host: {host!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def no_unanswered_questions(monkeypatch):
    """A question nobody answers would hang the run (a modal box under the offscreen platform):
    tests answer through ``window.ask``; any other question, such as closing a window that a failed
    test left busy, is answered Yes, so the window closes and the run goes on."""
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh gallery/data folder per test, through the same variable users set."""
    folder = tmp_path / "data"
    monkeypatch.setenv("LOGO_STUDIO_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> tuple[Path, Path]:
    """(text-to-image folder, 9-channel inpainting folder), built once for the whole run."""
    from make_tiny_model import make_tiny_models

    return make_tiny_models(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def tiny_model(tiny_models) -> Path:
    return tiny_models[0]


@pytest.fixture(scope="module")
def fast_files(tiny_model, tmp_path_factory):
    """A random LCM-LoRA-shaped LoRA and a random tiny autoencoder for the tiny SD 1.5 model."""
    import make_tiny_assets as tiny

    folder = tmp_path_factory.mktemp("fast")
    lora = tiny.make_tiny_lora(tiny_model, folder / "lcm.safetensors", targets=tiny.LCM_LORA_TARGETS, rank=8)
    return lora, tiny.make_tiny_taesd(folder / "taesd")


@pytest.fixture(scope="module")
def fast_cache(fast_files, tmp_path_factory):
    """A Hugging Face cache holding Fast mode's downloads for SD 1.5, as after the user agreed."""
    import make_tiny_assets as tiny
    from huggingface_hub import constants

    lora, taesd = fast_files
    cache = tmp_path_factory.mktemp("hf-cache")
    tiny.install_in_hf_cache("latent-consistency/lcm-lora-sdv1-5", {"pytorch_lora_weights.safetensors": lora}, cache)
    tiny.install_in_hf_cache("madebyollin/taesd", {p.name: p for p in taesd.iterdir()}, cache)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(constants, "HF_HUB_CACHE", str(cache))
        yield cache


@pytest.fixture
def open_window(qtbot, tmp_path):
    """Opens the real window on ``model``, shown (at ``size``, else its own), its settings in this
    test's folder; ``small`` sets a request that runs in a moment (64×64, 2 steps, a prompt)."""
    from desktop.app import build_window

    def open_(model, *, small: bool = True, size: tuple[int, int] | None = None):
        window = build_window(tmp_path / "gallery", model=str(model), device="cpu", config_dir=tmp_path / "config")
        qtbot.addWidget(window)
        if size is not None:
            window.resize(*size)
        window.show()
        if small:
            for field, value in (("width", 64), ("height", 64), ("steps", 2), ("prompt", "fox logo")):
                window.request.set(field, value)
        return window

    return open_


@pytest.fixture
def local_hub(tmp_path, monkeypatch, tiny_models):
    """A hub look-alike on 127.0.0.1 serving the tiny models as test-org/tiny-sd and
    test-org/tiny-sd-inpainting, with huggingface_hub pointed at it and an empty cache."""
    from huggingface_hub import constants
    from local_hub import LocalHub

    txt2img, inpaint = tiny_models
    with LocalHub({"test-org/tiny-sd": txt2img, "test-org/tiny-sd-inpainting": inpaint}) as hub:
        point_huggingface_hub_at(hub, tmp_path / "hub-cache", monkeypatch)
        # 64 KB reads instead of 10 MB, so that the tiny files can be cut, cancelled and resumed part way.
        monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 64 * 1024)
        yield hub


def point_huggingface_hub_at(hub, cache: Path, monkeypatch) -> None:
    """Make huggingface_hub download from ``hub`` (a LocalHub) into an empty ``cache``."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", hub.url + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))


@pytest.fixture(scope="session")
def engine(tiny_model):
    """A CPU engine with the tiny text-to-image model loaded (shared: tests must not reload it)."""
    from desktop.engine import Engine, choose_device

    loaded = Engine(choose_device("cpu"))
    loaded.load(str(tiny_model))
    return loaded


def pytest_sessionstart(session):
    """Import diffusers' and transformers' pipeline classes once, before any test starts a window:
    their lazy modules are not safe to import from two threads at once, and a closed window's worker
    may still be importing them while a later test builds the tiny models."""
    from desktop.engine.support import import_pipeline_modules

    import_pipeline_modules()
    from diffusers import StableDiffusionInpaintPipeline, StableDiffusionPipeline  # noqa: F401
    from transformers import CLIPImageProcessor, CLIPTextModel, CLIPTokenizer  # noqa: F401


def pytest_sessionfinish(session, exitstatus):
    """Let workers that were still starting when their window closed finish, so no QThread is
    destroyed while running at interpreter exit (the app itself ends with os._exit instead)."""
    module = sys.modules.get("desktop.workers.thread_host")
    if module is not None:
        for host in module._still_running:
            host.thread.wait(120_000)
