"""GPU speed: it/s of the engine and of bare diffusers, alternating in the same run, on CUDA.

Uses the full-size SD 1.5 architecture with random weights (built once into build/sd15-random),
fp16, 512 px, classifier-free guidance on. Variants: bare diffusers (fp16, SDPA); the engine's
defaults (fp16, SDPA, channels_last, guarded VAE); and with --compile the engine with
torch.compile. Without CUDA it says so and exits 0.

    python bench/gpu.py [--steps 30] [--runs 3] [--compile]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()

    import torch

    if not torch.cuda.is_available():
        print("No CUDA device here: nothing measured. Run this on a machine with an NVIDIA GPU.")
        return
    import diffusers
    from bare import run_bare
    from sd15_random import make_sd15_random

    from desktop.engine import Engine, choose_device
    from desktop.params import GenerationParams

    model = str(make_sd15_random(ROOT / "build" / "sd15-random"))
    print(
        f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, diffusers {diffusers.__version__}; "
        f"SD 1.5 architecture (random weights), fp16, {args.size} px, {args.steps} steps, CFG on"
    )
    params = GenerationParams("a fox logo", width=args.size, height=args.size, steps=args.steps, seed=1)

    bare = diffusers.StableDiffusionPipeline.from_pretrained(model, dtype=torch.float16).to("cuda")
    bare.set_progress_bar_config(disable=True)
    variants = {"bare diffusers": None, "engine": Engine(choose_device("cuda"))}
    if args.compile:
        variants["engine + torch.compile"] = Engine(choose_device("cuda"), compile_unet=True)
    for engine in variants.values():
        if engine is not None:
            engine.load(model)

    def run(engine) -> float:
        """Seconds per denoising step (decode excluded), from the step callbacks."""
        stamps = []
        if engine is None:

            def on_step(_pipe, _step, _timestep, tensors):
                torch.cuda.synchronize()
                stamps.append(time.perf_counter())
                return tensors

            run_bare(bare, params, on_step)
        else:

            def on_progress(_progress) -> None:
                torch.cuda.synchronize()
                stamps.append(time.perf_counter())

            next(engine.generate(params, on_progress=on_progress))
        return statistics.mean(b - a for a, b in zip(stamps, stamps[1:], strict=False))

    for engine in variants.values():  # warm-up (and compilation)
        run(engine)
    seconds = {name: [] for name in variants}
    for _ in range(args.runs):
        for name, engine in variants.items():
            seconds[name].append(run(engine))
    reference = statistics.median(seconds["bare diffusers"])
    for name, values in seconds.items():
        step = statistics.median(values)
        print(f"{name:<24} {1 / step:6.2f} it/s   ({100 * (reference / step - 1):+.1f}% vs bare)")


if __name__ == "__main__":
    main()
