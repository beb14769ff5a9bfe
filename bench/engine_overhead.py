"""Engine overhead: Logo Studio's engine vs the bare diffusers pipeline, same model and inputs.

Runs alternate (bare, engine, bare, engine, ...) on the same loaded weights so machine noise hits
both alike, and prints the median time of each and their ratio. Target: engine/bare < 1.02.

    python bench/engine_overhead.py                 # tiny random SD 1.5-class model, 64 px, 10 steps
    python bench/engine_overhead.py --family sdxl   # tiny random SDXL model (two text encoders), 64 px, 10 steps
    python bench/engine_overhead.py --family flux   # tiny random FLUX.1 model (CLIP + T5, transformer), 64 px
    python bench/engine_overhead.py --full          # SD 1.5 architecture, random weights, 256 px, 2 steps

Each family runs with its default sampler (DPM++ 2M Karras for SD 1.5 and SDXL, Flow Euler for FLUX.1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", choices=("sd15", "sdxl", "flux"), default="sd15", help="model family (tiny model)")
    parser.add_argument("--full", action="store_true", help="full-size SD 1.5 architecture (random weights)")
    parser.add_argument("--runs", type=int, help="runs of each (default 12 tiny, 3 full)")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "build", help="where models are built/reused")
    args = parser.parse_args()

    import numpy as np
    import torch
    from bare import run_bare

    from desktop.engine import Engine, choose_device
    from desktop.params import GenerationParams

    if args.full and args.family != "sd15":
        parser.error("--full is the SD 1.5 architecture; SDXL and FLUX.1 run as tiny models here")
    if args.full:
        from sd15_random import make_sd15_random

        model, size, steps, runs = make_sd15_random(args.model_dir / "sd15-random"), 256, 2, args.runs or 3
    else:
        import make_tiny_model as tiny

        name = {"sd15": "txt2img", "sdxl": "sdxl", "flux": "flux"}[args.family]
        build = {"sd15": tiny.make_tiny_model, "sdxl": tiny.make_tiny_sdxl, "flux": tiny.make_tiny_flux}[args.family]
        folder = args.model_dir / "tiny" / name
        model = folder if (folder / "model_index.json").is_file() else build(Path(tempfile.mkdtemp()) / name)
        size, steps, runs = 64, 10, args.runs or 12

    engine = Engine(choose_device("cpu"))
    started = time.perf_counter()
    engine.load(str(model))
    print(
        f"model: {model} ({'full-size SD 1.5 architecture' if args.full else 'tiny'} {engine.family.label}), "
        f"loaded in {time.perf_counter() - started:.1f} s; {size} px, {steps} steps, {torch.get_num_threads()} threads"
    )

    params = GenerationParams(
        "a fox logo, flat vector", width=size, height=size, steps=steps, seed=1, scheduler=engine.family.default_sampler
    )
    pipe = engine.pipeline("txt2img")

    def bare() -> None:
        run_bare(pipe, params)

    def ours() -> None:
        next(engine.generate(params, on_progress=lambda progress: None))

    bare(), ours()  # warm-up
    same = np.array_equal(np.asarray(run_bare(pipe, params)), np.asarray(next(engine.generate(params)).image))
    print(f"same pixels as bare diffusers: {'yes' if same else 'NO'}")
    times: dict[str, list[float]] = {"bare": [], "engine": []}
    for _ in range(runs):
        for name, run in (("bare", bare), ("engine", ours)):
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    bare_median, engine_median = statistics.median(times["bare"]), statistics.median(times["engine"])
    print(f"bare diffusers : median {bare_median:.3f} s/image over {runs} runs")
    print(f"engine         : median {engine_median:.3f} s/image over {runs} runs")
    ratio = engine_median / bare_median
    print(f"ratio engine/bare: {ratio:.4f} (overhead {100 * (ratio - 1):+.2f}%)")


if __name__ == "__main__":
    main()
