"""The command line on a real ComfyUI server: `server check`, `server models`, and `generate
--server URL --model NAME` with every other option meaning what it means on this computer."""

from __future__ import annotations

import json

import pytest
from comfyui_server import CHECKPOINT_NAME as CHECKPOINT
from comfyui_server import STYLE_LORA
from PIL import Image

from desktop.app import main
from desktop.metadata import read_params


def test_server_check_says_what_the_server_is(comfyui, capsys):
    assert main(["server", "check", comfyui.url]) == 0
    assert (
        capsys.readouterr().out.strip()
        == f"ComfyUI 0.12.1 at {comfyui.url}: no GPU: it runs on its CPU, which is slow."
    )


def test_server_models_lists_what_generate_takes(comfyui, capsys, monkeypatch):
    monkeypatch.setenv("LOGO_STUDIO_SERVER", comfyui.url)
    assert main(["server", "models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"model\t{CHECKPOINT}\tsd15" in lines and f"lora\t{STYLE_LORA}" in lines


def test_generate_on_the_server_saves_into_the_gallery(comfyui, capsys, data_dir, tmp_path):
    code = main(
        ["generate", "--server", comfyui.url, "--model", CHECKPOINT, "--prompt", "a fox logo", "--width", "64",
         "--height", "64", "--steps", "2", "--seed", "31", "--count", "2", "--lora", f"{STYLE_LORA[:-12]}:0.7",
         "--out", str(tmp_path / "copies")]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    paths = out.split()
    assert len(paths) == 4 and all(path.endswith(".png") for path in paths)
    with Image.open(paths[2]) as second:
        params = read_params(second)
        graph = json.loads(second.text["prompt"])
    assert (params.seed, params.server, params.model, params.family) == (32, comfyui.url, CHECKPOINT, "sd15")
    assert [(lora.ref, lora.weight) for lora in params.loras] == [(STYLE_LORA, 0.7)]
    assert any(node["inputs"].get("lora_name") == STYLE_LORA for node in graph.values())
    assert "Seed 31" in err and "Stable Diffusion 1.5" in err


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (
            ["--model", "dreamshaper.safetensors"],
            2,
            "has no model named dreamshaper.safetensors. Its models: tiny-sd15",
        ),
        ([], 2, "Name one of the server's models with --model"),
        (["--model", CHECKPOINT, "--lora", "neon:1"], 2, "has no LoRA named neon"),
    ],
)
def test_generate_names_what_the_server_lacks(comfyui, capsys, arguments, code, message):
    assert (
        main(["generate", "--server", comfyui.url, "--prompt", "fox", "--width", "64", "--height", "64", *arguments])
        == code
    )
    assert message in capsys.readouterr().err


def test_an_unreachable_or_unusable_server_is_a_failure_not_a_traceback(capsys):
    from comfyui_server import free_port

    assert main(["server", "check", f"127.0.0.1:{free_port()}"]) == 1
    assert "Nothing is listening" in capsys.readouterr().err
    assert main(["server", "check", "ftp://gpu-pc"]) == 2
    assert "starts with http:// or https://" in capsys.readouterr().err
    assert main(["server", "check", "http://gpu-pc:8188", "--sign-in", "bearer"]) == 2
    assert "needs a secret: set LOGO_STUDIO_SERVER_SECRET" in capsys.readouterr().err


def test_ctrl_c_stops_the_job_on_the_server_too(comfyui, tmp_path):
    import os
    import re
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx2 as httpx
    from no_network_child import guarded_env, network_attempts

    env = guarded_env(tmp_path / "guard", dict(os.environ, LOGO_STUDIO_DATA_DIR=str(tmp_path / "data")))
    app = Path(sys.executable).parent / "logo-studio"
    command = [app, "generate", "--server", comfyui.url, "--model", CHECKPOINT, "--prompt", "a very slow fox",
               "--width", "128", "--height", "128", "--steps", "137", "--seed", "8080"]  # fmt: skip
    # Ctrl+C as at a terminal: a test run started in the background (CI, `make test &`) passes SIGINT
    # on ignored, and a Python started so never turns it into KeyboardInterrupt.
    child = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def running() -> list:
        return httpx.get(f"{comfyui.url}/queue").json()["queue_running"]

    # Interrupted once it samples (the server's log shows a step past 0 of 137, a count no other test
    # uses): before that, on a busy machine, the server may still be loading the model, which ComfyUI
    # does not interrupt. Any step counts: tqdm skips steps in its log on a fast machine (a CI run saw
    # no "1/137" at all). 128 px keeps the 137 steps tens of seconds long, so the job cannot end unseen.
    def sampling() -> bool:
        return re.search(r"(?<!\d)[1-9]\d*/137 \[", comfyui.log.read_text(errors="replace")) is not None

    deadline = time.monotonic() + 180
    while not (running() and sampling()):
        assert child.poll() is None, f"the job ended before it was seen sampling: {child.stderr.read()}"
        assert time.monotonic() < deadline, "the server did not start sampling within 180 s"
        time.sleep(0.1)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130 and "Interrupted." in err and out == "", "nothing was saved"
    deadline = time.monotonic() + 30  # the server stops at its next step
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running() == [], "the server stopped the job"
    assert network_attempts(tmp_path / "guard") == []
