"""Test connection: what a ComfyUI server is (its version, its GPU and memory, from
``/system_stats``), or exactly why it cannot be used."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from desktop.remote.client import ComfyClient
from desktop.remote.errors import NotComfyServer, ServerTooOld
from desktop.remote.events import EventStream

# The first ComfyUI release whose /interrupt takes the job's prompt id (ComfyUI pull request 9607,
# August 2025): older servers stop whatever runs, another client's job included.
MIN_VERSION = (0, 3, 56)


@dataclass(frozen=True)
class ServerInfo:
    """What a server said about itself."""

    address: str
    version: str
    device: str  # the GPU's name, or 'cpu'
    device_type: str  # cuda, mps, cpu, …
    memory_total: int  # bytes of GPU memory (system memory for a CPU-only server)
    memory_free: int

    def describe(self) -> str:
        """One line for the window and the CLI."""
        if self.device_type == "cpu":
            where = "no GPU: it runs on its CPU, which is slow"
        else:
            where = f"{self.device}, {_gpu_memory(self.memory_total)} ({_gpu_memory(self.memory_free)} free)"
        return f"ComfyUI {self.version} at {self.address}: {where}."


def _gpu_memory(size: int) -> str:
    """GPU memory as cards are sold: binary gigabytes ('24.0 GB' for a 24 GB card)."""
    return f"{size / 2**30:.1f} GB"


def parse_version(text: str) -> tuple[int, ...]:
    """'0.3.56' -> (0, 3, 56); () when there is no version number in ``text``."""
    match = re.match(r"v?(\d+(?:\.\d+)*)", str(text).strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


def device_name(raw: str) -> str:
    """ComfyUI's 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync' as 'NVIDIA GeForce RTX 4090'."""
    name = re.sub(r"^\w+:\d+\s+", "", str(raw)).split(" : ")[0].strip()
    return name or str(raw)


def read_system_stats(address: str, stats) -> ServerInfo:
    """``stats`` (the JSON of /system_stats) as a ServerInfo; NotComfyServer or ServerTooOld."""
    system = stats.get("system") if isinstance(stats, dict) else None
    devices = stats.get("devices") if isinstance(stats, dict) else None
    if not isinstance(system, dict) or not isinstance(devices, list):
        raise NotComfyServer(
            f"{address} answers, but not as a ComfyUI server does (its /system_stats is not ComfyUI's)."
        )
    version = str(system.get("comfyui_version") or "")
    found = parse_version(version)
    if found and found < MIN_VERSION:
        needed = ".".join(map(str, MIN_VERSION))
        raise ServerTooOld(
            f"{address} runs ComfyUI {version}; Logo Studio needs {needed} or newer, which cancels only its own "
            "jobs (an older server would stop other people's jobs too). Update ComfyUI on the server."
        )
    device = devices[0] if devices and isinstance(devices[0], dict) else {}
    return ServerInfo(
        address=address,
        version=version or "(version not reported)",
        device=device_name(device.get("name", "")),
        device_type=str(device.get("type", "")),
        memory_total=int(device.get("vram_total") or 0),
        memory_free=int(device.get("vram_free") or 0),
    )


def check_server(client: ComfyClient) -> ServerInfo:
    """Test the connection as a job would use it: /system_stats over HTTP(S) with the sign-in,
    then the event websocket. Raises a ServerError that says what is wrong."""
    info = read_system_stats(client.address.text, client.system_stats())
    stream = EventStream(client.address, client.credentials, client.tls, uuid.uuid4().hex)
    try:
        stream.open()
    finally:
        stream.close()
    return info
