"""What the ComfyUI engine adds to a job: for the same graph on the same local ComfyUI server, the
time from Generate (``run_job``) until the image is in the gallery, against the server's own
execution time (its execution_start and execution_success events carry its clock's timestamps). The difference is the
client's overhead: building the graph, queueing it, the websocket, fetching the PNG and saving it
with its parameters and thumbnail. Target at 512 px: at most 5 % (or 150 ms, whichever is larger).

    .venv/bin/python bench/remote_overhead.py [--size 512] [--steps 20] [--runs 5]

Starts its own server (tests/comfyui_server.py: the test checkpoint, CPU) and stops it after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def record_server_times(stream) -> dict[str, dict[str, int]]:
    """Wrap ``stream.next`` so that each job's execution_start and execution_success timestamps (the
    server's clock, ms) are kept: {prompt_id: {kind: timestamp}}."""
    times: dict[str, dict[str, int]] = {}
    read = stream.next

    def next_event(timeout):
        event = read(timeout)
        if event is not None and event.kind in ("execution_start", "execution_success"):
            times.setdefault(event.prompt_id, {})[event.kind] = event.data.get("timestamp")
        return event

    stream.next = next_event
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from comfyui_server import CHECKPOINT_NAME, start

    from desktop.gallery import GalleryStore
    from desktop.jobs import Job, run_job
    from desktop.params import GenerationParams
    from desktop.remote.address import ServerAddress, ServerConnection
    from desktop.remote.engine import RemoteEngine

    with tempfile.TemporaryDirectory(prefix="remote-overhead-") as folder:
        started = time.perf_counter()
        server = start(Path(folder) / "server")
        print(f"server ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        try:
            engine = RemoteEngine(ServerConnection(ServerAddress.parse(server.url)))
            engine.load(CHECKPOINT_NAME)
            server_times = record_server_times(engine.stream)
            store = GalleryStore(Path(folder) / "gallery")
            size, rows = args.size, []
            for run in range(args.runs + 1):  # the first run loads the model on the server: not counted
                params = GenerationParams(
                    "a fox logo, flat vector", width=size, height=size, steps=args.steps, seed=1000 + run,
                    scheduler="Euler",
                )  # fmt: skip
                saved_at: list[float] = []
                begin = time.perf_counter()
                run_job(engine, store, Job(params), on_saved=lambda *_, into=saved_at: into.append(time.perf_counter()))
                client_s = saved_at[0] - begin
                stamps = list(server_times.values())[-1]
                server_s = (stamps["execution_success"] - stamps["execution_start"]) / 1000
                if run:
                    rows.append((client_s, server_s))
                label = "warm-up (model load)" if run == 0 else f"run {run}"
                print(f"{label}: Generate → gallery {client_s:.3f} s, server {server_s:.3f} s", file=sys.stderr)
            engine.close()
        finally:
            server.stop()
    overheads = [client - server for client, server in rows]
    median_client = statistics.median(client for client, _ in rows)
    median_server = statistics.median(server for _, server in rows)
    median_overhead = statistics.median(overheads)
    share = median_overhead / median_server * 100
    target = max(0.05 * median_server, 0.150)
    print(f"{size} px, {args.steps} steps, {args.runs} runs (medians):")
    print(f"  Generate → image in the gallery  {median_client:.3f} s")
    print(f"  server's own execution time      {median_server:.3f} s")
    print(f"  client overhead                  {median_overhead * 1000:.0f} ms ({share:.1f} %)")
    print(
        f"  target: at most {target * 1000:.0f} ms (5 % or 150 ms): {'met' if median_overhead <= target else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
