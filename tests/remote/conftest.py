"""Fixtures of the ComfyUI engine's tests: one real ComfyUI server for the whole run (installed
and started by tests/comfyui_server.py), with the small random SD 1.5 checkpoint and two random
LoRAs in its models folder."""

from __future__ import annotations

import os

import pytest
from comfyui_server import CHECKPOINT_NAME, FAST_LORA, STYLE_LORA, make_text_encoder_lora


@pytest.fixture(scope="session")
def comfyui(tmp_path_factory):
    """A running ComfyUI server (tests/comfyui_server.RunningServer) for the whole run."""
    from comfyui_server import ComfyUINotAvailable, start

    folder = tmp_path_factory.mktemp("loras")
    loras = {
        STYLE_LORA: make_text_encoder_lora(folder / STYLE_LORA, 1),
        FAST_LORA: make_text_encoder_lora(folder / FAST_LORA, 2),
    }
    try:
        server = start(tmp_path_factory.mktemp("comfyui"), loras)
    except ComfyUINotAvailable as error:
        if os.environ.get("LOGO_STUDIO_REQUIRE_COMFYUI") == "1":
            raise
        pytest.skip(str(error))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def connection(comfyui):
    from desktop.remote.address import ServerAddress, ServerConnection

    return ServerConnection(ServerAddress.parse(comfyui.url))


@pytest.fixture
def remote_engine(connection):
    """A ComfyUI engine on the test server with the test checkpoint chosen."""
    from desktop.remote.engine import RemoteEngine

    engine = RemoteEngine(connection)
    engine.load(CHECKPOINT_NAME)
    yield engine
    engine.close()
