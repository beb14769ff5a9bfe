"""Speed and memory of the engine against bare diffusers, on the full-size SD 1.5 architecture
(random weights, built once into build/sd15-random). Every comparison alternates runs so
machine noise hits both sides alike; figures are medians.

    python bench/sd15_speed.py                  # 256 and 512 px, 2 steps, 2 runs each
    python bench/sd15_speed.py --sizes 256 --runs 3

Prints: model load time, seconds per step and per image, the cost of the live preview, and
peak memory with text-to-image alone vs text-to-image + inpainting + variations ready.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

MEMORY_PROBE = """
import resource, sys, torch
sys.path.insert(0, {root!r})
from diffusers import StableDiffusionPipeline
from desktop.engine import Engine, choose_device
if sys.argv[1] == "bare":
    pipe = StableDiffusionPipeline.from_pretrained({model!r}, dtype=torch.float32)
else:
    engine = Engine(choose_device("cpu")); engine.load({model!r})
    engine.pipeline("inpaint"); engine.pipeline("img2img")  # all three ready
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def median_ratio(name: str, bare: list[float], ours: list[float], unit: str = "s") -> None:
    b, o = statistics.median(bare), statistics.median(ours)
    ratio = o / b
    print(
        f"{name:<34} bare {b:8.3f} {unit}  engine {o:8.3f} {unit}  engine/bare {ratio:.4f} ({100 * (ratio - 1):+.1f}%)"
    )


def measure_size(engine, size: int, steps: int, runs: int) -> None:
    """Seconds per step and per image, engine vs bare, and the live preview's cost, at ``size``."""
    from bare import run_bare

    from desktop.engine.preview import latents_to_preview
    from desktop.params import GenerationParams

    pipe = engine.pipeline("txt2img")
    params = GenerationParams("a fox logo, flat vector", width=size, height=size, steps=steps, seed=1)
    times = {name: {"image": [], "step": []} for name in ("bare", "engine")}
    latents_seen = []

    def mean_interval(stamps: list[float]) -> float:
        return statistics.mean(later - earlier for earlier, later in zip(stamps, stamps[1:], strict=False))

    def bare(record) -> None:
        stamps = [time.perf_counter()]

        def on_step(_pipe, _step, _timestep, tensors):
            stamps.append(time.perf_counter())
            return tensors

        run_bare(pipe, params, on_step)
        record["step"].append(mean_interval(stamps))

    def ours(record) -> None:
        stamps = [time.perf_counter()]

        def on_progress(progress) -> None:
            stamps.append(time.perf_counter())
            latents_seen.append(progress.latents)

        next(engine.generate(params, on_progress=on_progress))
        record["step"].append(mean_interval(stamps))

    for _ in range(runs):
        for name, run in (("bare", bare), ("engine", ours)):
            started = time.perf_counter()
            run(times[name])
            times[name]["image"].append(time.perf_counter() - started)
    median_ratio(f"{size} px: seconds per step", times["bare"]["step"], times["engine"]["step"])
    median_ratio(f"{size} px: seconds per image ({steps} steps)", times["bare"]["image"], times["engine"]["image"])
    previews = []
    for _ in range(20):
        started = time.perf_counter()
        latents_to_preview(latents_seen[-1])
        previews.append(time.perf_counter() - started)
    step, preview = statistics.median(times["engine"]["step"]), statistics.median(previews)
    print(f"{size} px: live preview {1000 * preview:.2f} ms = {100 * preview / step:.3f}% of a step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    import diffusers
    import torch
    from sd15_random import make_sd15_random

    from desktop.engine import Engine, choose_device

    model = str(make_sd15_random(ROOT / "build" / "sd15-random"))
    print(f"full-size SD 1.5 architecture, random weights, CPU float32, {torch.get_num_threads()} threads")

    Engine(choose_device("cpu")).load(model)  # warm the file cache, so neither side pays for it
    loads: dict[str, list[float]] = {"bare": [], "engine": []}
    for _ in range(args.runs):
        started = time.perf_counter()
        diffusers.StableDiffusionPipeline.from_pretrained(model, dtype=torch.float32, safety_checker=None)
        loads["bare"].append(time.perf_counter() - started)
        started = time.perf_counter()
        Engine(choose_device("cpu")).load(model)
        loads["engine"].append(time.perf_counter() - started)
    median_ratio("model load", loads["bare"], loads["engine"])

    engine = Engine(choose_device("cpu"))
    engine.load(model)
    for size in args.sizes:
        measure_size(engine, size, args.steps, args.runs)

    peaks = {}
    for kind in ("bare", "engine"):
        output = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE.format(root=str(ROOT), model=model), kind],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        peaks[kind] = int(output.split()[-1]) / 1024
    print(
        f"peak memory: text-to-image alone {peaks['bare']:.0f} MB; engine with text-to-image + inpainting + "
        f"variations ready {peaks['engine']:.0f} MB ({100 * (peaks['engine'] / peaks['bare'] - 1):+.1f}%)"
    )


if __name__ == "__main__":
    main()
