"""A real ComfyUI server for the tests and benchmarks of the ComfyUI engine.

``../shared/comfyui/install.sh`` (or LOGO_STUDIO_SHARED's) installs ComfyUI (the pip-installable
fork in ``../shared/vendor``, CPU torch) into a virtual environment, and its
``make_test_checkpoint.py`` writes a small random SD 1.5-layout checkpoint (and
``tests/remote/make_test_controlnet.py`` a ControlNet for it). Both are slow (about a
minute each), so they are kept in a cache folder (``~/.cache/logo-studio-tests``, or
LOGO_STUDIO_TEST_CACHE) keyed by the hash of the archive and of the script: a second run reuses them.
The server itself starts once per test run (20–100 s here).

    python tests/comfyui_server.py --prepare   # what `make test` runs first: install and checkpoint

Where ``../shared`` is missing (a clone outside this workspace), the ComfyUI tests are skipped
with that reason, unless LOGO_STUDIO_REQUIRE_COMFYUI=1 (CI) makes it an error.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The shared reference folder: beside the checkout, or inside it (where a copy of the tree carries it).
SHARED_PLACES = [Path(os.environ["LOGO_STUDIO_SHARED"])] if os.environ.get("LOGO_STUDIO_SHARED") else []
SHARED_PLACES += [REPO.parent / "shared", REPO / "shared"]
CACHE = Path(os.environ.get("LOGO_STUDIO_TEST_CACHE", Path.home() / ".cache" / "logo-studio-tests"))
READY_MARK = ".logo-studio-ready"
START_TIMEOUT_S = 240.0
CHECKPOINT_NAME = "tiny-sd15.safetensors"
CONTROLNET_NAME = "tiny-scribble.safetensors"
CONTROLNET_MAKER = REPO / "tests" / "remote" / "make_test_controlnet.py"


class ComfyUINotAvailable(RuntimeError):
    """The shared ComfyUI installer or its source archive is not beside this checkout."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def sources() -> tuple[Path, Path, Path]:
    """(source archive, install.sh, make_test_checkpoint.py) from the shared folder."""
    for shared in SHARED_PLACES:
        archives = sorted((shared / "vendor").glob("comfyui-*.tar.gz"))
        install, maker = shared / "comfyui" / "install.sh", shared / "comfyui" / "make_test_checkpoint.py"
        if archives and install.is_file() and maker.is_file():
            return archives[-1], install, maker
    raise ComfyUINotAvailable(
        f"The ComfyUI installer and source are not in {' or '.join(map(str, SHARED_PLACES))} (comfyui/install.sh, "
        "vendor/comfyui-*.tar.gz); set LOGO_STUDIO_SHARED to the folder that has them."
    )


def prepare(log=sys.stderr) -> tuple[Path, Path, Path]:
    """Install ComfyUI and write the test checkpoint and ControlNet unless the cache has them;
    returns (venv, checkpoint, ControlNet)."""
    archive, install, maker = sources()
    venv = CACHE / f"comfyui-{_digest(archive)}"
    checkpoint = CACHE / f"tiny-sd15-{_digest(maker)}.safetensors"
    controlnet = CACHE / f"tiny-scribble-{_digest(maker)}-{_digest(CONTROLNET_MAKER)}.safetensors"
    CACHE.mkdir(parents=True, exist_ok=True)
    if not (venv / READY_MARK).is_file():
        print(f"Installing ComfyUI for the tests into {venv} (once; about 1–2 minutes)…", file=log, flush=True)
        subprocess.run(["bash", str(install), str(venv)], check=True)
        (venv / READY_MARK).write_text(archive.name)
    if not checkpoint.is_file():
        print(f"Writing the test checkpoint {checkpoint} (once; about a minute)…", file=log, flush=True)
        partial = checkpoint.with_suffix(".partial")
        subprocess.run([str(venv / "bin" / "python"), str(maker), str(partial)], check=True)
        partial.rename(checkpoint)
    if not controlnet.is_file():
        print(f"Writing the test ControlNet {controlnet} (once)…", file=log, flush=True)
        partial = controlnet.with_suffix(".partial")
        subprocess.run([str(venv / "bin" / "python"), str(CONTROLNET_MAKER), str(partial)], check=True)
        partial.rename(controlnet)
    return venv, checkpoint, controlnet


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningServer:
    """A ComfyUI server started for tests: its port, base folder (models/, temp/, output/) and
    process; ``stop`` ends it by its pid."""

    port: int
    base: Path
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)

    def kill(self) -> None:
        """End it at once, as a crash or a power cut would."""
        self.process.kill()
        self.process.wait(15)


def start(base: Path, loras: dict[str, Path] | None = None, port: int | None = None) -> RunningServer:
    """Start a server whose models folder holds the test checkpoint (linked from the cache) and
    ``loras`` (file name -> file); returns once ``/system_stats`` answers."""
    import httpx2 as httpx

    venv, checkpoint, controlnet = prepare()
    for folder, name, target in (
        ("checkpoints", CHECKPOINT_NAME, checkpoint),
        ("controlnet", CONTROLNET_NAME, controlnet),
    ):
        (base / "models" / folder).mkdir(parents=True, exist_ok=True)
        linked = base / "models" / folder / name
        if not linked.exists():
            linked.symlink_to(target)
    (base / "models" / "loras").mkdir(parents=True, exist_ok=True)
    for name, path in (loras or {}).items():
        shutil.copyfile(path, base / "models" / "loras" / name)
    port = port or free_port()
    log = base / "comfyui.log"
    command = [
        str(venv / "bin" / "comfyui"),
        "--cpu",
        "--listen",
        "127.0.0.1",
        "--port",
        str(port),
        "--base-directory",
        str(base),
        "--disable-known-models",
        "--disable-api-nodes",
    ]
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOGO_STUDIO_")}
    env["HF_HUB_OFFLINE"] = "1"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=base, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = RunningServer(port, base, process, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"ComfyUI stopped while starting; its log: {log}\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/system_stats", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"ComfyUI did not answer within {START_TIMEOUT_S:g} s; its log: {log}")


STYLE_LORA = "flat-style.safetensors"
FAST_LORA = "lcm-lora-sdv1-5.safetensors"


def make_text_encoder_lora(path: Path, seed: int, rank: int = 4) -> Path:
    """A random kohya-format LoRA on SD 1.5's text encoder (the test checkpoint's is full size), so
    that ComfyUI's LoraLoader changes the conditioning and with it the image."""
    import numpy as np
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    tensors = {}
    for layer in range(12):
        for projection in ("q", "k", "v", "out"):
            key = f"lora_te_text_model_encoder_layers_{layer}_self_attn_{projection}_proj"
            tensors[f"{key}.lora_down.weight"] = rng.normal(0, 0.5, (rank, 768)).astype(np.float16)
            tensors[f"{key}.lora_up.weight"] = rng.normal(0, 0.5, (768, rank)).astype(np.float16)
            tensors[f"{key}.alpha"] = np.array(float(rank), dtype=np.float16)
    save_file(tensors, str(path))
    return path


def free_server_cache(url: str) -> None:
    """Make the server forget its cached node outputs and unload its models, so the next graph
    really runs, on freshly loaded weights: on this ComfyUI build (CPU), a job that follows one
    with a LoRA gives other pixels than the same job on a freshly loaded model, so a test that
    compares pixels across jobs starts both from here."""
    import time

    import httpx2 as httpx

    httpx.post(f"{url}/free", json={"unload_models": True, "free_memory": True}, timeout=10)
    time.sleep(0.5)  # the flag is read when the server's queue worker next looks


if __name__ == "__main__":
    if "--prepare" in sys.argv:
        try:
            venv, checkpoint, controlnet = prepare()
        except ComfyUINotAvailable as error:
            required = os.environ.get("LOGO_STUDIO_REQUIRE_COMFYUI") == "1"
            print(
                f"{'error' if required else 'note'}: {error} The ComfyUI engine's tests will be skipped.",
                file=sys.stderr,
            )
            sys.exit(1 if required else 0)
        print(f"ComfyUI for the tests: {venv}; checkpoint: {checkpoint}; ControlNet: {controlnet}")
