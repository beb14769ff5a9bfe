"""LoRAs in the engine: both file formats, several at once with their weights, pixel-identical to
diffusers' own load_lora_weights + set_adapters (and fuse_lora when fused), nothing left behind
for the next job, never a model reload, and a wrong-family LoRA refused in plain words."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from desktop.engine import Engine, choose_device
from desktop.errors import UnsafeModelFormat
from desktop.models.loras import LoraDoesNotFit, LoraNotDownloaded, autov3
from desktop.params import GenerationParams, LoraRef

pytest_plugins = ["family_models"]
SIZE = 64


def request(**changes) -> GenerationParams:
    fields = {"prompt": "a fox logo", "negative_prompt": "text", "width": SIZE, "height": SIZE, "steps": 3, "seed": 5}
    return GenerationParams(**{**fields, **changes})


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(np.int16)


@pytest.fixture(scope="module")
def loras(tiny_model, tmp_path_factory):
    """Random LoRAs for the tiny SD 1.5 model: diffusers and kohya formats, a second style, and one
    whose name says it is a few-step (LCM) LoRA."""
    import make_tiny_assets as tiny

    folder = tmp_path_factory.mktemp("loras")
    return {
        "diffusers": tiny.make_tiny_lora(tiny_model, folder / "logo-style.safetensors"),
        "kohya": tiny.make_tiny_lora(tiny_model, folder / "civitai-style.safetensors", kind="kohya", seed=3),
        "second": tiny.make_tiny_lora(tiny_model, folder / "line-art.safetensors", seed=7, text_encoder=False),
        "lcm": tiny.make_tiny_lora(
            tiny_model, folder / "my-lcm-lora.safetensors", seed=9, rank=8, targets=tiny.LCM_LORA_TARGETS
        ),
    }


def peft_lora(model_folder, path, *, rank: int, alpha: float, dora: bool = False, seed: int = 0):
    """A random LoRA over LCM-LoRA's layers (3x3 convolutions included) in diffusers' own format, its
    alpha (and DoRA) recorded in the file's adapter metadata as diffusers' training scripts save it."""
    import diffusers
    import make_tiny_assets as tiny
    from peft import LoraConfig, get_peft_model_state_dict

    unet = diffusers.UNet2DConditionModel.from_pretrained(str(model_folder / "unet"))
    config = LoraConfig(
        r=rank, lora_alpha=alpha, use_dora=dora, init_lora_weights=False, target_modules=list(tiny.LCM_LORA_TARGETS)
    )
    unet.add_adapter(config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # small random factors, and magnitudes off the weights' norms: every part counts
        for name, parameter in unet.named_parameters():
            if ".lora_A." in name or ".lora_B." in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
            elif "lora_magnitude_vector" in name:
                parameter.mul_(1 + 0.2 * torch.randn(parameter.shape, generator=generator))
    diffusers.StableDiffusionPipeline.save_lora_weights(
        str(path.parent),
        unet_lora_layers=get_peft_model_state_dict(unet),
        unet_lora_adapter_metadata=config.to_dict(),
        weight_name=path.name,
    )
    return path


@pytest.fixture(scope="module")
def scaled_loras(tiny_model, tmp_path_factory):
    """Few-step-named LoRAs whose scale is not 1 (alpha 10 over rank 4), a plain one and a DoRA one."""
    folder = tmp_path_factory.mktemp("scaled")
    return {
        "plain": peft_lora(tiny_model, folder / "scaled-lcm-lora.safetensors", rank=4, alpha=10, seed=11),
        "dora": peft_lora(tiny_model, folder / "dora-lcm-lora.safetensors", rank=4, alpha=6, dora=True, seed=12),
    }


def lcm_image(pipe):
    import diffusers

    pipe.scheduler = diffusers.LCMScheduler.from_config(pipe.scheduler.config)
    return diffusers_image(pipe, guidance=1.0)


def unet_base_weights(pipe) -> dict:
    """The UNet's own weights by their names without PEFT's ``base_layer`` (LoRA layers' originals)."""
    return {
        name.replace(".base_layer", ""): value for name, value in pipe.unet.state_dict().items() if "lora" not in name
    }


@pytest.fixture(scope="module")
def lora_engine(tiny_model):
    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_model))
    return engine


def diffusers_pipe(folder, loras: dict, fuse: bool = False):
    import diffusers

    pipe = diffusers.StableDiffusionPipeline.from_pretrained(str(folder), dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    pipe.scheduler = diffusers.DPMSolverMultistepScheduler.from_config(pipe.scheduler.config, use_karras_sigmas=True)
    for index, path in enumerate(loras):
        pipe.load_lora_weights(str(path), adapter_name=f"a{index}")
    pipe.set_adapters([f"a{index}" for index in range(len(loras))], list(loras.values()))
    if fuse:
        pipe.fuse_lora(adapter_names=[f"a{index}" for index in range(len(loras))])
    return pipe


def diffusers_image(pipe, guidance=7.5):
    return pipe(
        "a fox logo",
        negative_prompt="text",
        num_inference_steps=3,
        guidance_scale=guidance,
        width=SIZE,
        height=SIZE,
        generator=torch.Generator("cpu").manual_seed(5),
    ).images[0]


@pytest.mark.parametrize("kind", ["diffusers", "kohya"])
def test_both_formats_are_pixel_identical_to_diffusers_own_lora_path(lora_engine, tiny_model, loras, kind):
    ours = next(lora_engine.generate(request(loras=(LoraRef(str(loras[kind]), 0.8),))))
    expected = diffusers_image(diffusers_pipe(tiny_model, {loras[kind]: 0.8}))
    assert np.array_equal(pixels(ours.image), pixels(expected))
    without = next(lora_engine.generate(request())).image
    assert (pixels(ours.image) != pixels(without)).any(axis=-1).mean() > 0.3  # the LoRA does something
    assert ours.params.loras == (LoraRef(str(loras[kind]), 0.8, autov3(loras[kind])),)  # the hash is recorded


def test_several_loras_at_once_each_with_its_own_weight(lora_engine, tiny_model, loras):
    chosen = {loras["diffusers"]: 0.7, loras["second"]: -0.4}
    params = request(loras=tuple(LoraRef(str(path), weight) for path, weight in chosen.items()))
    ours = next(lora_engine.generate(params)).image
    assert np.array_equal(pixels(ours), pixels(diffusers_image(diffusers_pipe(tiny_model, chosen))))
    heavier = replace(params, loras=(LoraRef(str(loras["diffusers"]), 1.2), params.loras[1]))
    assert not np.array_equal(pixels(next(lora_engine.generate(heavier)).image), pixels(ours))


def test_a_lora_used_once_leaves_no_trace_in_the_next_job(lora_engine, tiny_model, loras):
    fresh = Engine(choose_device("cpu"))
    fresh.load(str(tiny_model))
    original = pixels(next(fresh.generate(request())).image)
    for lora in ("diffusers", "kohya", "lcm"):  # the LCM LoRA is fused into the weights, then taken out
        next(lora_engine.generate(request(loras=(LoraRef(str(loras[lora]), 1.0),))))
        assert np.array_equal(pixels(next(lora_engine.generate(request())).image), original), lora


def test_a_few_step_lora_is_fused_like_diffusers_fuse_lora_and_unfused_exactly(lora_engine, tiny_model, loras):
    ours = next(lora_engine.generate(request(loras=(LoraRef(str(loras["lcm"]), 1.0),), scheduler="LCM", guidance=1.0)))
    adapters = lora_engine._loras["base"]
    assert adapters.fused
    pipe = diffusers_pipe(tiny_model, {loras["lcm"]: 1.0}, fuse=True)
    import diffusers

    pipe.scheduler = diffusers.LCMScheduler.from_config(pipe.scheduler.config)
    assert np.array_equal(pixels(ours.image), pixels(diffusers_image(pipe, guidance=1.0)))
    unet = lora_engine.pipeline("txt2img").unet
    before = {name: value.clone() for name, value in unet.state_dict().items() if "base_layer.weight" in name}
    next(lora_engine.generate(request(loras=(LoraRef(str(loras["diffusers"]), 1.0),))))  # unfused LoRA now
    assert not adapters.fused
    after = {name: value for name, value in unet.state_dict().items() if name in before}
    changed = [name for name in before if not torch.equal(before[name], after[name])]
    assert changed  # the fused weights were put back ...
    fresh = Engine(choose_device("cpu"))
    fresh.load(str(tiny_model))
    own = fresh.pipeline("txt2img").unet.state_dict()
    for name in changed:  # ... to exactly the model's own
        assert torch.equal(after[name], own[name.replace(".base_layer", "")]), name


def test_a_few_step_lora_fused_with_a_style_lora_matches_diffusers_fuse_lora(lora_engine, tiny_model, loras):
    chosen = {loras["lcm"]: 1.0, loras["diffusers"]: 0.6}  # 3x3 convolutions, attention and text encoder
    refs = tuple(LoraRef(str(path), weight) for path, weight in chosen.items())
    ours = next(lora_engine.generate(request(loras=refs, scheduler="LCM", guidance=1.0)))
    assert lora_engine._loras["base"].fused
    pipe = diffusers_pipe(tiny_model, chosen, fuse=True)
    import diffusers

    pipe.scheduler = diffusers.LCMScheduler.from_config(pipe.scheduler.config)
    assert np.array_equal(pixels(ours.image), pixels(diffusers_image(pipe, guidance=1.0)))


def test_the_engine_computes_each_fused_delta_as_peft_does_to_the_bit(tiny_model, loras):
    from peft.tuners.tuners_utils import BaseTunerLayer

    from desktop.engine.lora_adapters import _delta, _plain_delta

    unet = diffusers_pipe(tiny_model, {loras["lcm"]: 1.0}).unet
    layers = [m for m in unet.modules() if isinstance(m, BaseTunerLayer) and "a0" in m.lora_A]
    convolutions = [m for m in layers if tuple(m.get_base_layer().weight.shape[2:]) == (3, 3)]
    assert len(convolutions) >= 4 and all(_plain_delta(m, "a0") for m in layers)
    for module in layers:
        assert torch.equal(_delta(module, "a0"), module.get_delta_weight("a0"))


def test_a_fuse_that_fails_part_way_leaves_no_trace_in_the_next_job(lora_engine, loras, monkeypatch):
    from desktop.engine import lora_adapters

    plain = pixels(next(lora_engine.generate(request())).image)
    real, calls = lora_adapters._delta, []

    def failing(module, adapter):  # e.g. memory running out part way through the layers
        calls.append(adapter)
        if len(calls) == 5:
            raise RuntimeError("the fuse failed")
        return real(module, adapter)

    monkeypatch.setattr(lora_adapters, "_delta", failing)
    with pytest.raises(RuntimeError):
        next(lora_engine.generate(request(loras=(LoraRef(str(loras["lcm"]), 1.0),), scheduler="LCM", guidance=1.0)))
    monkeypatch.undo()
    assert np.array_equal(pixels(next(lora_engine.generate(request())).image), plain)


def test_changing_loras_never_reloads_the_model_and_loads_each_file_once(lora_engine, loras, monkeypatch):
    import desktop.engine.engine as engine_module

    monkeypatch.setattr(engine_module, "load_pipeline", lambda *a, **k: pytest.fail("the model was reloaded"))
    pipe = lora_engine.pipeline("txt2img")
    unet = pipe.unet
    loaded = []
    original = type(pipe).load_lora_weights
    counted = lambda self, *a, **k: loaded.append(1) or original(self, *a, **k)  # noqa: E731
    monkeypatch.setattr(type(pipe), "load_lora_weights", counted)
    for weight in (0.3, 0.6, 0.9):
        next(lora_engine.generate(request(steps=1, loras=(LoraRef(str(loras["second"]), weight),))))
    next(lora_engine.generate(request(steps=1)))
    assert lora_engine.pipeline("txt2img").unet is unet
    assert len(loaded) <= 1  # loaded once (or not at all when an earlier test left it loaded)


def test_variations_and_inpainting_use_the_loras_too(lora_engine, loras):
    base = next(lora_engine.generate(request(seed=1))).image
    params = request(steps=4, loras=(LoraRef(str(loras["diffusers"]), 1.0),)).variation(0.5)
    with_lora = next(lora_engine.generate(replace(params, seed=3), image=base)).image
    without = next(lora_engine.generate(replace(params, seed=3, loras=()), image=base)).image
    assert not np.array_equal(pixels(with_lora), pixels(without))


def test_a_lora_of_another_family_is_refused_at_the_call_in_plain_words(lora_engine, tiny_sdxl, tmp_path):
    import make_tiny_assets as tiny

    sdxl_lora = tiny.make_tiny_lora(tiny_sdxl, tmp_path / "xl-logo.safetensors")
    with pytest.raises(LoraDoesNotFit) as refused:
        lora_engine.generate(request(loras=(LoraRef(str(sdxl_lora)),)))  # no next(): refused at the call
    assert "xl-logo is a SDXL LoRA, and the model is Stable Diffusion 1.5" in refused.value.message
    assert "size mismatch" not in refused.value.message
    assert np.asarray(next(lora_engine.generate(request(steps=1))).image).std() > 0  # still usable


def test_an_sdxl_lora_works_on_an_sdxl_model_and_leaves_no_trace(tiny_sdxl, tmp_path):
    import make_tiny_assets as tiny

    for kind in ("diffusers", "kohya"):
        lora = tiny.make_tiny_lora(tiny_sdxl, tmp_path / f"xl-{kind}.safetensors", kind=kind)
        engine = Engine(choose_device("cpu"))
        engine.load(str(tiny_sdxl))
        plain = request(scheduler="Euler")
        before = pixels(next(engine.generate(plain)).image)
        styled = pixels(next(engine.generate(replace(plain, loras=(LoraRef(str(lora)),)))).image)
        assert not np.array_equal(before, styled), kind
        assert np.array_equal(pixels(next(engine.generate(plain)).image), before), kind


def test_pickle_loras_are_refused_like_pickle_checkpoints(lora_engine, tmp_path):
    pickle = tmp_path / "style.pt"
    pickle.write_bytes(b"not really a pickle")
    with pytest.raises(UnsafeModelFormat, match="can run arbitrary code"):
        lora_engine.generate(request(loras=(LoraRef(str(pickle)),)))


def test_a_hub_lora_is_used_from_the_cache_and_named_when_it_is_not_there(lora_engine, loras, tmp_path, monkeypatch):
    import make_tiny_assets as tiny
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(LoraNotDownloaded) as missing:
        lora_engine.generate(request(loras=(LoraRef("someone/logo-lora", 0.5),)))
    assert missing.value.repo_id == "someone/logo-lora"
    assert "logo-studio download someone/logo-lora" in missing.value.message
    tiny.install_in_hf_cache("someone/logo-lora", {"logo.safetensors": loras["diffusers"]})
    from_hub = next(lora_engine.generate(request(loras=(LoraRef("someone/logo-lora", 0.5),)))).image
    from_file = next(lora_engine.generate(request(loras=(LoraRef(str(loras["diffusers"]), 0.5),)))).image
    assert np.array_equal(pixels(from_hub), pixels(from_file))


def test_a_fused_lora_of_scale_alpha_over_rank_and_its_weight_matches_fuse_lora(lora_engine, tiny_model, scaled_loras):
    lora = scaled_loras["plain"]
    ours = next(lora_engine.generate(request(loras=(LoraRef(str(lora), 0.7),), scheduler="LCM", guidance=1.0)))
    assert lora_engine._loras["base"].fused
    expected = lcm_image(diffusers_pipe(tiny_model, {lora: 0.7}, fuse=True))
    assert np.array_equal(pixels(ours.image), pixels(expected))
    unscaled = lcm_image(diffusers_pipe(tiny_model, {lora: 1 / 2.5}, fuse=True))  # the scale shows in the pixels
    assert not np.array_equal(pixels(ours.image), pixels(unscaled))


def test_every_fused_delta_is_pefts_with_alpha_over_rank_and_the_weight(tiny_model, scaled_loras):
    from peft.tuners.tuners_utils import BaseTunerLayer

    from desktop.engine.lora_adapters import _delta, _plain_delta

    unet = diffusers_pipe(tiny_model, {scaled_loras["plain"]: -0.6}).unet
    layers = [m for m in unet.modules() if isinstance(m, BaseTunerLayer) and "a0" in m.lora_A]
    convolutions = [m for m in layers if tuple(m.get_base_layer().weight.shape[2:]) == (3, 3)]
    assert len(convolutions) >= 4 and all(_plain_delta(m, "a0") for m in layers)
    assert {m.scaling["a0"] for m in layers} == {10 / 4 * -0.6}
    for module in layers:
        assert torch.equal(_delta(module, "a0"), module.get_delta_weight("a0"))


def test_a_dora_lora_is_fused_like_fuse_lora_and_unfused_to_the_models_own_weights(tiny_model, scaled_loras):
    import warnings

    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_model))
    own = {name: value.clone() for name, value in unet_base_weights(engine.pipeline("txt2img")).items()}
    plain = pixels(next(engine.generate(request(scheduler="LCM", guidance=1.0))).image)
    # DoRA alone, then with a plain LoRA on the same layers: PEFT merges those in turn, the plain one in place
    for chosen in ({scaled_loras["dora"]: 0.8}, {scaled_loras["plain"]: 0.5, scaled_loras["dora"]: -0.7}):
        refs = tuple(LoraRef(str(path), weight) for path, weight in chosen.items())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ours = next(engine.generate(request(loras=refs, scheduler="LCM", guidance=1.0)))
        # Loading the second file with the first fused would make PEFT unmerge it, subtracting every delta
        assert not [w for w in caught if "model is merged" in str(w.message)]
        assert engine._loras["base"].fused
        expected = lcm_image(diffusers_pipe(tiny_model, chosen, fuse=True))
        assert np.array_equal(pixels(ours.image), pixels(expected))
        assert not np.array_equal(pixels(ours.image), plain)
    assert np.array_equal(pixels(next(engine.generate(request(scheduler="LCM", guidance=1.0))).image), plain)
    assert not engine._loras["base"].fused
    after = unet_base_weights(engine.pipeline("txt2img"))
    assert after.keys() == own.keys()
    assert all(torch.equal(after[name], own[name]) for name in own)  # bit for bit: nothing of the LoRAs left


def test_after_memory_savers_offload_a_fused_lora_the_models_own_weights_run_every_later_job(
    tiny_model, loras, monkeypatch
):
    """Out of memory with a few-step LoRA fused turns CPU offload on. Accelerate keeps a copy of the
    weights it finds and loads it into each layer before the layer runs, so a LoRA still fused then
    would stay in every later job whatever the engine puts back. Diffusers offloads only to an
    accelerator, so here accelerate's own offload runs with the CPU as its device, as diffusers calls it."""
    from accelerate import cpu_offload

    from desktop.engine import devices

    def sequential_offload(pipe):  # diffusers' enable_sequential_cpu_offload, the CPU as the device
        for component in pipe.components.values():
            if isinstance(component, torch.nn.Module):
                cpu_offload(component, torch.device("cpu"), offload_buffers=len(component._parameters) > 0)

    engine = Engine(choose_device("cpu"))
    engine.load(str(tiny_model))
    plain = pixels(next(engine.generate(request())).image)
    lcm = request(loras=(LoraRef(str(loras["lcm"]), 1.0),), scheduler="LCM", guidance=1.0)
    next(engine.generate(lcm))
    assert engine._loras["base"].fused
    pipe = engine.pipeline("txt2img")
    monkeypatch.setattr(pipe, "enable_sequential_cpu_offload", lambda: sequential_offload(pipe))
    short = devices.MemorySavers(cpu_offload=True, sequential_offload=True)
    monkeypatch.setattr(devices.MemorySavers, "for_device", classmethod(lambda cls, *args, **kwargs: short))
    assert engine.enable_memory_savers() and hasattr(pipe.unet, "_hf_hook")  # offloaded
    assert np.array_equal(pixels(next(engine.generate(request())).image), plain)
    unfused = lcm_image(diffusers_pipe(tiny_model, {loras["lcm"]: 1.0}))  # short of memory: LoRAs run unfused
    assert np.array_equal(pixels(next(engine.generate(lcm)).image), pixels(unfused))
