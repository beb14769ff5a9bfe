"""What a guide costs: seconds per denoising step with a ControlNet versus without, and the memory
the ControlNet adds, on the full-size SD 1.5 architecture with random weights at 512 px.

A ControlNet is a copy of the UNet's encoder half run beside the UNet at every guided step, so a
guided step costs roughly one UNet encoder more. The ControlNet here is
``ControlNetModel.from_unet`` of the random SD 1.5 UNet (what every SD 1.5 ControlNet is shaped
like: 361M parameters), its zero convolutions made random so nothing is skipped.

Steps are timed between the engine's progress reports (the first step, which also encodes the
prompt and builds the pipeline, is not counted); each run is stopped after its last step, so the
VAE decode (the same with and without a guide) is not timed either. Runs with and without a guide
alternate (``--runs`` of each), so a machine busy with other work slows both alike; the medians
are compared. Memory: the ControlNet's
parameter bytes, and the process's peak resident memory after a run without a guide and after one
with it.

    .venv/bin/python bench/guide_cost.py [--steps 3] [--runs 2] [--size 512] [--folder build/sd15-random]
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_controlnet(model: Path, folder: Path) -> Path:
    """A full-size SD 1.5 ControlNet made from ``model``'s UNet, saved once to ``folder``."""
    import torch
    from diffusers import ControlNetModel, UNet2DConditionModel

    if (folder / "config.json").is_file():
        return folder
    controlnet = ControlNetModel.from_unet(UNet2DConditionModel.from_pretrained(str(model / "unet")))
    torch.manual_seed(0)
    zero_convolutions = [controlnet.controlnet_cond_embedding.conv_out, controlnet.controlnet_mid_block]
    with torch.no_grad():
        for convolution in [*zero_convolutions, *controlnet.controlnet_down_blocks]:
            convolution.weight.normal_(0.0, 0.01)
    controlnet.save_pretrained(folder, safe_serialization=True)
    return folder


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def step_seconds(engine, params, guide_picture) -> list[float]:
    """Seconds of each step after the first, the run stopped before its decode."""
    from desktop.errors import GenerationCancelled

    stamps: list[float] = []

    def on_progress(progress) -> None:
        stamps.append(time.perf_counter())
        if progress.step == progress.total:
            raise GenerationCancelled("timed")  # skip the decode: it is the same with or without a guide

    with contextlib.suppress(GenerationCancelled):
        next(engine.generate(params, guide=guide_picture, on_progress=on_progress))
    return [later - earlier for earlier, later in zip(stamps, stamps[1:], strict=False)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--runs", type=int, default=2, help="runs with and without a guide, alternating")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--folder", type=Path, default=Path("build/sd15-random"))
    args = parser.parse_args()

    import torch
    from PIL import Image, ImageDraw
    from sd15_random import make_sd15_random

    from desktop.engine import Engine, choose_device
    from desktop.params import GenerationParams, Guide

    model = make_sd15_random(args.folder)
    controlnet = make_controlnet(model, args.folder.with_name(args.folder.name + "-controlnet"))
    engine = Engine(choose_device("cpu"))
    engine.load(str(model))
    loaded_mb = peak_rss_mb()
    size = args.size
    picture = Image.new("RGB", (size, size), "white")
    ImageDraw.Draw(picture).ellipse((size // 8, size // 8, size * 7 // 8, size * 7 // 8), outline="black", width=8)
    plain = GenerationParams(prompt="a fox logo", width=size, height=size, steps=args.steps, seed=1, guidance=7.5)
    guided = replace(plain, guide=Guide("sketch", str(controlnet), strength=0.8, end=1.0))

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {engine.describe()}")
    print(
        f"SD 1.5 architecture, random weights, {size}×{size}, {args.steps} steps × {args.runs} runs each, "
        "guidance 7.5 (2 UNet rows/step)"
    )
    without = step_seconds(engine, plain, None)
    without_mb = peak_rss_mb()  # before the ControlNet loads: what the model alone peaks at
    with_guide = step_seconds(engine, guided, picture)
    with_mb = peak_rss_mb()
    for _run in range(args.runs - 1):
        without += step_seconds(engine, plain, None)
        with_guide += step_seconds(engine, guided, picture)
    net = engine._controlnets.model
    unet = engine.pipeline("txt2img").unet
    cn_bytes = sum(p.numel() * p.element_size() for p in net.parameters())
    unet_bytes = sum(p.numel() * p.element_size() for p in unet.parameters())
    a, b = statistics.median(without), statistics.median(with_guide)
    print(f"without a guide: {a:.2f} s/step  (steps: {', '.join(f'{s:.2f}' for s in without)})")
    print(f"with a guide:    {b:.2f} s/step  (steps: {', '.join(f'{s:.2f}' for s in with_guide)})")
    print(f"ratio:           {b / a:.2f}× per guided step")
    print(
        f"ControlNet parameters: {sum(p.numel() for p in net.parameters()) / 1e6:.0f} M, "
        f"{cn_bytes / 2**20:.0f} MiB in float32 ({cn_bytes / unet_bytes:.0%} of the UNet's "
        f"{unet_bytes / 2**20:.0f} MiB)"
    )
    print(
        f"peak RSS: {loaded_mb:.0f} MiB loaded, {without_mb:.0f} MiB after a run without a guide, "
        f"{with_mb:.0f} MiB after a run with one (+{with_mb - without_mb:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
