"""Engine overhead: Logo Studio's engine vs the bare diffusers pipeline, same model and inputs.

Runs alternate (bare, engine, bare, engine, ...) on the same loaded weights so machine noise hits
both alike, and prints the median time of each and their ratio. Target: engine/bare < 1.02.

    python bench/engine_overhead.py                 # tiny random model, 64 px, 10 steps
    python bench/engine_overhead.py --full          # SD 1.5 architecture, random weights, 256 px, 2 steps
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
    parser.add_argument("--full", action="store_true", help="full-size SD 1.5 architecture (random weights)")
    parser.add_argument("--runs", type=int, help="runs of each (default 12 tiny, 3 full)")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "build", help="where models are built/reused")
    args = parser.parse_args()

    import torch
    from bare import run_bare

    from desktop.engine import Engine, choose_device
    from desktop.params import GenerationParams

    if args.full:
        from sd15_random import make_sd15_random

        model, size, steps, runs = make_sd15_random(args.model_dir / "sd15-random"), 256, 2, args.runs or 3
    else:
        from make_tiny_model import make_tiny_model

        folder = args.model_dir / "tiny" / "txt2img"
        model = folder if (folder / "model_index.json").is_file() else make_tiny_model(Path(tempfile.mkdtemp()))
        size, steps, runs = 64, 10, args.runs or 12

    engine = Engine(choose_device("cpu"))
    started = time.perf_counter()
    engine.load(str(model))
    print(
        f"model: {model} ({'full-size SD 1.5 architecture' if args.full else 'tiny'}), loaded in "
        f"{time.perf_counter() - started:.1f} s; {size} px, {steps} steps, {torch.get_num_threads()} threads"
    )

    params = GenerationParams("a fox logo, flat vector", width=size, height=size, steps=steps, seed=1)
    pipe = engine.pipeline("txt2img")

    def bare() -> None:
        run_bare(pipe, params)

    def ours() -> None:
        next(engine.generate(params, on_progress=lambda progress: None))

    bare(), ours()  # warm-up
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
