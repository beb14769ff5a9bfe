"""Time to the first logo: bare diffusers with the app's Quality defaults vs Logo Studio Fast.

Both on the full-size Stable Diffusion 1.5 architecture with random weights (bench/sd15_random.py;
random weights cost exactly the compute of trained ones), one image, this CPU:

- bare: ``StableDiffusionPipeline`` called as a diffusers user would with the app's Quality
  defaults for SD 1.5 (DPM++ 2M Karras, 25 steps, guidance 7.5, full VAE decode);
- Fast: Logo Studio's engine with ``speed="fast"``: the family's few-step LoRA (here a random LoRA
  shaped like LCM-LoRA: rank 64 over the same UNet layers, installed into a private Hugging Face
  cache as latent-consistency/lcm-lora-sdv1-5), its settings (LCM sampler, 4 steps, guidance 1)
  and the tiny autoencoder (a random AutoencoderTiny at TAESD's real config, as madebyollin/taesd).

Each case runs in a fresh process of its own, as the app's engine process is one, and loads the
model before its clock starts (the window preloads the last model at start-up). Both sides get
what the app's engine process does around diffusers, so that only Quality against Fast is
measured: the process keeps freed memory (desktop/engine/allocator.py) and the weights are read in
at load (diffusers only maps the files, and a first image would otherwise read them during its
first steps: 1.4-3.5 s here). The cases:

- bare: the first image from ``StableDiffusionPipeline`` as loaded by diffusers, its weights read
  in, in a process that keeps freed memory;
- Fast from Generate, as in the window: choosing Fast has the engine prepare it at once
  (``Engine.prepare``: the LoRA loaded and fused, the tiny autoencoder loaded; timed on its own),
  then Generate; then the same image again;
- Fast cold: Generate with nothing prepared, the job loading and fusing the LoRA itself (the
  command line, and the window when Generate comes before the preparation ends);
- per step: two engines in one process, alternating so that no run pays for switching LoRAs: no
  LoRA, the LCM-shaped LoRA fused (the engine's choice) and unfused, and with TAESD previews.

Target: ratio >= 10, LoRA <= 2% per step, preview well under 10% of a step. The last line is
``time-to-logo ratio: X``, from Generate.

    python bench/time_to_logo.py              # 512 px (about 10 minutes on 2 CPU cores)
    python bench/time_to_logo.py --size 256   # quicker check
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
# A private cache, before huggingface_hub loads, shared with the cases' processes.
os.environ["HF_HOME"] = os.environ.setdefault("TIME_TO_LOGO_HF_HOME", tempfile.mkdtemp(prefix="time-to-logo-"))
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
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)  # one case, in this process
    args = parser.parse_args()

    from sd15_random import make_sd15_random

    model = make_sd15_random(args.model_dir / "sd15-random")
    if args.case:
        result = CASES[args.case](model, args)
        print(RESULT + json.dumps(result), flush=True)
        return
    build_fast_files(model, args.model_dir)
    import torch

    print(f"full-size SD 1.5 architecture, random weights; {args.size} px; {torch.get_num_threads()} CPU threads")
    results = {}
    for case in ("bare", "fast", "cold", "steps"):
        command = [sys.executable, __file__, "--case", case, "--size", str(args.size), "--runs", str(args.runs)]
        command += ["--model-dir", str(args.model_dir)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
        if done.returncode or not lines:
            sys.exit(f"case {case} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        results[case] = json.loads(lines[-1][len(RESULT) :])
        for line in done.stdout.splitlines():
            if not line.startswith(RESULT):
                print(line, flush=True)
    bare_s, fast_s, cold_s = results["bare"]["seconds"], results["fast"]["seconds"], results["cold"]["seconds"]
    print(f"time to the first logo: bare {bare_s:.1f} s, Logo Studio Fast {fast_s:.1f} s (cold {cold_s:.1f} s)")
    print(f"next logos ratio: {bare_s / results['fast']['again']:.1f}")
    print(f"cold ratio (nothing prepared): {bare_s / cold_s:.1f}")
    print(f"time-to-logo ratio: {bare_s / fast_s:.1f}")


RESULT = "RESULT "


def fast_request(size: int):
    from desktop.params import GenerationParams

    return GenerationParams("a fox logo, flat vector", seed=1, width=size, height=size, speed="fast")


def loaded_engine(model: Path):
    from desktop.engine import Engine, choose_device
    from desktop.engine.allocator import keep_freed_memory

    keep_freed_memory()  # as the app's engine process and the CLI do
    engine = Engine(choose_device("cpu"))
    engine.load(str(model))
    return engine


def engine_run(engine, params, preview=False):
    def run(on_step):
        def progress(p):
            if preview:
                p.preview()
            on_step()

        return next(engine.generate(params, on_progress=progress)).image

    return run


def case_bare(model: Path, args) -> dict:
    import torch
    from bare import run_bare
    from diffusers import StableDiffusionPipeline

    from desktop.engine.allocator import keep_freed_memory
    from desktop.engine.support import read_in_weights
    from desktop.models.families import SD15
    from desktop.params import GenerationParams

    quality = SD15.apply_defaults(GenerationParams("a fox logo, flat vector", seed=1))
    quality = replace(quality, width=args.size, height=args.size)
    keep_freed_memory()  # as for the Fast side: only the settings differ
    pipe = StableDiffusionPipeline.from_pretrained(str(model), dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    read_in_weights(pipe)

    def bare_run(on_step):
        def callback(p, i, t, kwargs):
            on_step()
            return kwargs

        return run_bare(pipe, quality, callback_on_step_end=callback)

    seconds, steps, _ = timed(bare_run)
    print(
        f"bare diffusers (weights read in, freed memory kept), Quality defaults ({quality.scheduler}, "
        f"{quality.steps} steps, guidance {quality.guidance:g}): {seconds:.1f} s to the first logo "
        f"({statistics.median(steps):.2f} s/step)"
    )
    return {"seconds": seconds}


def case_fast(model: Path, args) -> dict:
    engine = loaded_engine(model)
    fast, note = engine.adapt(fast_request(args.size))
    print(f"Logo Studio Fast ({note})")
    started = time.perf_counter()
    engine.prepare(fast)
    prepare_s = time.perf_counter() - started
    print(f"Fast prepared when chosen (LoRA read, hashed, loaded and fused; TAESD loaded): {prepare_s:.1f} s")
    seconds = timed(engine_run(engine, fast))[0]
    print(f"Logo Studio Fast: {seconds:.1f} s from Generate to the first logo")
    again = timed(engine_run(engine, fast))[0]
    print(f"same image again: {again:.1f} s")
    return {"seconds": seconds, "again": again, "prepare": prepare_s}


def case_cold(model: Path, args) -> dict:
    engine = loaded_engine(model)
    fast, _ = engine.adapt(fast_request(args.size))
    seconds = timed(engine_run(engine, fast))[0]
    print(f"Logo Studio Fast, cold (nothing prepared; the job loads and fuses the LoRA): {seconds:.1f} s")
    return {"seconds": seconds}


def case_steps(model: Path, args) -> dict:
    import numpy as np
    import torch

    from desktop.engine.tiny_vae import preview_decoder

    size = args.size
    engine = loaded_engine(model)
    fast, _ = engine.adapt(fast_request(size))
    draft = next(engine.generate(fast)).image
    other = loaded_engine(model)
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
    return {"step": base}


CASES = {"bare": case_bare, "fast": case_fast, "cold": case_cold, "steps": case_steps}


if __name__ == "__main__":
    main()
