"""Time to the first logo: bare diffusers with the app's Quality defaults vs Logo Studio Fast.

Both on the full-size Stable Diffusion 1.5 architecture with random weights (bench/sd15_random.py;
random weights cost exactly the compute of trained ones), one image, this CPU, in one run:

- bare: ``StableDiffusionPipeline`` called as a diffusers user would with the app's Quality
  defaults for SD 1.5 (DPM++ 2M Karras, 25 steps, guidance 7.5, full VAE decode);
- Fast: Logo Studio's engine with ``speed="fast"``: the family's few-step LoRA (here a random LoRA
  shaped like LCM-LoRA: rank 64 over the same UNet layers, installed into a private Hugging Face
  cache as latent-consistency/lcm-lora-sdv1-5), its settings (LCM sampler, 4 steps, guidance 1)
  and the tiny autoencoder (a random AutoencoderTiny at TAESD's real config, as madebyollin/taesd).

The model is loaded before the clock starts on both sides (the window preloads the last model at
start-up). Logo Studio's load reads the weights in (Engine.load; diffusers only maps the files,
and the bare run reads them during its first steps: 1.4-3.5 s of its time), and from the first
engine on, this process keeps freed memory as the app's engine process does
(desktop/engine/allocator.py). Fast is timed twice, each on an engine that has just loaded the
model:

- from Generate, as in the window: choosing Fast (or starting with Fast remembered) has the engine
  prepare it at once (``Engine.prepare``: the LoRA loaded and fused, the tiny autoencoder loaded;
  timed and printed on its own), then Generate runs the job;
- cold: Generate with nothing prepared, the job itself loading and fusing the LoRA (what the
  command line does, and the window when Generate comes before the preparation ends).

Then, alternating runs: the cost of the LoRA per step (fused, as the engine does for few-step
LoRAs, and unfused), and the TAESD preview per step. Target: ratio >= 10, LoRA <= 2% per step,
preview well under 10% of a step. The last line is ``time-to-logo ratio: X``, from Generate.

    python bench/time_to_logo.py              # 512 px (about 8 minutes on 2 CPU cores)
    python bench/time_to_logo.py --size 256   # quicker check
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="time-to-logo-")  # a private cache, before huggingface_hub loads
os.environ["HF_HUB_OFFLINE"] = "1"

LCM_LORA, TAESD = "latent-consistency/lcm-lora-sdv1-5", "madebyollin/taesd"


def build_fast_files(model: Path, out: Path) -> None:
    """A random LCM-LoRA-shaped LoRA for ``model``'s UNet and a random TAESD, into the HF cache."""
    from diffusers import UNet2DConditionModel
    from make_tiny_assets import LCM_LORA_TARGETS, install_in_hf_cache, random_lora, tiny_taesd
    from safetensors.torch import save_file

    lora = out / "lcm-lora-random.safetensors"
    if not lora.is_file():
        unet = UNet2DConditionModel.from_pretrained(str(model / "unet"))
        state = random_lora(unet, "unet", LCM_LORA_TARGETS, rank=64, scale=0.01)
        save_file({key: value.contiguous() for key, value in state.items()}, str(lora))
        del unet
    taesd = out / "taesd-random"
    if not (taesd / "config.json").is_file():
        tiny_taesd(levels=4).save_pretrained(str(taesd), safe_serialization=True)
    install_in_hf_cache(LCM_LORA, {"pytorch_lora_weights.safetensors": lora})
    install_in_hf_cache(TAESD, {path.name: path for path in taesd.iterdir()})
    print(f"LCM-LoRA-shaped LoRA: {lora.stat().st_size / 1e6:.0f} MB, {len(state_keys(lora)) // 2} layers, rank 64")


def state_keys(path: Path) -> list[str]:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        return list(handle.keys())  # noqa: SIM118


def timed(run) -> tuple[float, list[float], object]:
    """(seconds, seconds of each step after the first, result) of ``run(on_step)``."""
    marks: list[float] = []
    started = time.perf_counter()
    result = run(lambda *_: marks.append(time.perf_counter()))
    total = time.perf_counter() - started
    return total, [b - a for a, b in zip(marks, marks[1:], strict=False)], result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=512, help="image side in px (default 512)")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs for the per-step costs")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "build", help="where models are built/reused")
    args = parser.parse_args()

    import numpy as np
    import torch
    from bare import run_bare
    from diffusers import StableDiffusionPipeline
    from sd15_random import make_sd15_random

    from desktop.engine import Engine, choose_device
    from desktop.engine.allocator import keep_freed_memory
    from desktop.engine.families import SD15
    from desktop.params import GenerationParams

    model = make_sd15_random(args.model_dir / "sd15-random")
    build_fast_files(model, args.model_dir)
    size = args.size
    print(f"full-size SD 1.5 architecture, random weights; {size} px; {torch.get_num_threads()} CPU threads")

    quality = replace(SD15.apply_defaults(GenerationParams("a fox logo, flat vector", seed=1)), width=size, height=size)
    pipe = StableDiffusionPipeline.from_pretrained(str(model), dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    print(
        f"bare diffusers, Quality defaults ({quality.scheduler}, {quality.steps} steps, guidance {quality.guidance:g})…"
    )

    def bare_run(on_step):
        def callback(p, i, t, kwargs):
            on_step()
            return kwargs

        return run_bare(pipe, quality, callback_on_step_end=callback)

    bare_s, bare_steps, _ = timed(bare_run)
    pipe = None  # its memory back before the engine loads
    print(f"bare diffusers: {bare_s:.1f} s to the first logo ({statistics.median(bare_steps):.2f} s/step)")

    def engine_run(engine, params, preview=False):
        def run(on_step):
            def progress(p):
                if preview:
                    p.preview()
                on_step()

            return next(engine.generate(params, on_progress=progress)).image

        return run

    def loaded_engine():
        engine = Engine(choose_device("cpu"))
        engine.load(str(model))
        return engine

    keep_freed_memory()  # as the app's engine process and the CLI do, from here on (not for bare diffusers)
    request = GenerationParams("a fox logo, flat vector", seed=1, width=size, height=size, speed="fast")
    cold = loaded_engine()
    fast, note = cold.adapt(request)
    print(f"Logo Studio Fast ({note})")
    cold_s = timed(engine_run(cold, fast))[0]
    print(f"Logo Studio Fast, cold (nothing prepared; the job loads and fuses the LoRA): {cold_s:.1f} s")
    del cold
    gc.collect()  # one engine at a time: each measurement starts with the same memory in use

    engine = loaded_engine()
    started = time.perf_counter()
    engine.prepare(fast)
    prepare_s = time.perf_counter() - started
    print(f"Fast prepared when chosen (LoRA read, hashed, loaded and fused; TAESD loaded): {prepare_s:.1f} s")
    fast_s, fast_steps, draft = timed(engine_run(engine, fast))
    print(f"Logo Studio Fast: {fast_s:.1f} s from Generate to the first logo")
    print(f"same image again: {timed(engine_run(engine, fast))[0]:.1f} s")

    # Per-step costs, alternating runs on two engines so that no run pays for switching LoRAs: this
    # engine keeps the LCM-shaped LoRA fused (the engine's choice); the other runs without a LoRA
    # and with it unfused (turning unfused adapters on and off touches no weights).
    other = loaded_engine()
    plain = replace(fast, loras=(), speed="quality")
    unfused_request = replace(fast, speed="quality")
    next(other.generate(replace(plain, steps=1)))  # makes its LoRA slot
    adapters = other._loras["base"]
    adapters.apply = lambda loras, fuse=False: type(adapters).apply(adapters, loras, fuse=False)  # never fused
    next(other.generate(unfused_request))  # loads the adapter once

    def other_run(params):
        def run(on_step):
            return next(other.generate(params, on_progress=lambda p: on_step())).image

        return run

    steps: dict[str, list[float]] = {"no LoRA": [], "LoRA fused": [], "LoRA unfused": [], "with preview": []}
    for _ in range(args.runs):
        steps["no LoRA"] += timed(other_run(plain))[1]
        steps["LoRA fused"] += timed(engine_run(engine, fast))[1]
        steps["LoRA unfused"] += timed(other_run(unfused_request))[1]
        steps["with preview"] += timed(engine_run(engine, fast, preview=True))[1]
    base = statistics.median(steps["no LoRA"])
    for name, values in steps.items():
        extra = "" if name == "no LoRA" else f" ({100 * (statistics.median(values) / base - 1):+.1f}% per step)"
        print(f"{name:>13}: {statistics.median(values):.3f} s/step over {len(values)} steps{extra}")

    latents = torch.randn(1, 4, size // 8, size // 8)
    small = engine.tiny_vaes.get("sd15")
    from desktop.engine.tiny_vae import preview_decoder

    decode = preview_decoder(small)
    decode(latents, (size, size))
    started = time.perf_counter()
    for _ in range(5):
        decode(latents, (size, size))
    preview_s = (time.perf_counter() - started) / 5
    with torch.inference_mode():
        started = time.perf_counter()
        small.decode(latents)
        tiny_decode_s = time.perf_counter() - started
        vae = engine.pipeline("txt2img").vae
        started = time.perf_counter()
        vae.decode(latents / vae.config.scaling_factor)
        full_decode_s = time.perf_counter() - started
    print(f"TAESD preview: {preview_s * 1000:.0f} ms ({100 * preview_s / base:.1f}% of a Fast step)")
    print(f"final decode at {size} px: TAESD {tiny_decode_s:.2f} s, full VAE {full_decode_s:.2f} s")
    print(f"draft pixels std: {np.asarray(draft).std():.1f}")
    print(f"time to the first logo: bare {bare_s:.1f} s, Logo Studio Fast {fast_s:.1f} s (cold {cold_s:.1f} s)")
    print(f"cold ratio (nothing prepared): {bare_s / cold_s:.1f}")
    print(f"time-to-logo ratio: {bare_s / fast_s:.1f}")


if __name__ == "__main__":
    main()
