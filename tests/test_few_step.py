import json
import shutil

import pytest
from PySide6.QtCore import Qt

from desktop.engine import Engine, choose_device
from desktop.models.few_step import LCM, LIGHTNING, TURBO, adapt, detect, detect_lora
from desktop.params import GenerationParams


@pytest.fixture(scope="module")
def lcm_model(tiny_model, tmp_path_factory):
    """The tiny model as an LCM checkpoint ships: its pipeline declares an LCMScheduler."""
    folder = tmp_path_factory.mktemp("few") / "my-model"
    shutil.copytree(tiny_model, folder)
    index = json.loads((folder / "model_index.json").read_text())
    index["scheduler"] = ["diffusers", "LCMScheduler"]
    (folder / "model_index.json").write_text(json.dumps(index))
    config_path = folder / "scheduler" / "scheduler_config.json"
    config = json.loads(config_path.read_text())
    config["_class_name"] = "LCMScheduler"
    config_path.write_text(json.dumps(config))
    return folder


@pytest.mark.parametrize(
    ("model", "scheduler", "profile"),
    [
        ("latent-consistency/lcm-lora-sdv1-5", "PNDMScheduler", LCM),
        ("/models/anything.safetensors", "LCMScheduler", LCM),
        ("stabilityai/sd-turbo", "EulerDiscreteScheduler", TURBO),
        ("ByteDance/Hyper-SD", "DDIMScheduler", LIGHTNING),
        ("stable-diffusion-v1-5/stable-diffusion-v1-5", "PNDMScheduler", None),
    ],
)
def test_few_step_models_are_recognised(model, scheduler, profile):
    assert detect(model, scheduler) == profile


def test_regular_settings_are_adapted_but_user_few_step_tweaks_kept():
    regular = GenerationParams("fox", steps=25, guidance=7.5)
    adapted, note = adapt(regular, LCM)
    assert (adapted.scheduler, adapted.steps, adapted.guidance) == ("LCM", 4, 1.0)
    assert "LCM model" in note and "4 steps" in note
    tweaked = GenerationParams("fox", steps=6, guidance=1.5, scheduler="LCM")
    assert adapt(tweaked, LCM) == (tweaked, "")
    assert adapt(regular, None) == (regular, "")


def test_engine_runs_an_lcm_model_with_its_profile(lcm_model):
    engine = Engine(choose_device("cpu"))
    engine.load(str(lcm_model))
    assert engine.few_step == LCM
    params, note = engine.adapt(GenerationParams("fox", width=64, height=64, seed=1))
    totals = []
    result = next(engine.generate(params, on_progress=lambda p: totals.append(p.total)))
    assert totals[-1] == 4 and result.params.scheduler == "LCM" and note


def test_window_shows_why_and_sets_the_controls(qtbot, lcm_model, tmp_path):
    from desktop.app import build_window

    window = build_window(tmp_path / "g", model=str(lcm_model), device="cpu", config_dir=tmp_path / "c")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "LCM model" in window.notices.text(), timeout=60_000)
    assert (window.advanced.steps_spin.value(), window.advanced.guidance_spin.value()) == (4, 1.0)
    assert window.advanced.scheduler_combo.currentText() == "LCM"
    window.advanced.width_spin.setValue(64)
    window.advanced.height_spin.setValue(64)
    window.brief.prompt_edit.setPlainText("fox")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.host.pending and not window.run_panel.cancel_button.isEnabled(), timeout=60_000)
    [item] = window.store.items()
    assert (item.params.steps, item.params.scheduler) == (4, "LCM")


def test_the_command_line_adapts_to_a_few_step_model_as_the_window_does(lcm_model, capsys):
    from PIL import Image

    from desktop.app import main
    from desktop.metadata import read_params

    args = ["generate", "--prompt", "fox", "--model", str(lcm_model), "--width", "64", "--height", "64"]
    assert main([*args, "--device", "cpu", "--steps", "25", "--guidance", "7.5", "--seed", "1"]) == 0
    out, err = capsys.readouterr()
    assert "LCM model" in err
    with Image.open(out.split()[0]) as image:
        params = read_params(image)
    assert (params.steps, params.guidance, params.scheduler) == (4, 1.0, "LCM")


# --- what the user's folders are called never makes a model or LoRA few-step -----------------

# The paths of issue 23: words inside a user's or a folder's name.
ISSUE_PATHS = ["home/tcdavis", "Users/hyperion", "home/alcmena", "data/turbotax-backup"]


@pytest.mark.parametrize("folder", ISSUE_PATHS)
def test_words_in_the_folders_above_a_model_or_lora_are_not_its_name(folder):
    assert detect_lora(f"/{folder}/loras/flat-logo.safetensors") is None
    assert detect(f"/{folder}/models/logo-model", "PNDMScheduler") is None
    assert detect(f"/{folder}/models/dreamshaper_8.safetensors", "EulerDiscreteScheduler") is None


@pytest.mark.parametrize(
    ("name", "kind", "steps"),
    [
        ("latent-consistency/lcm-lora-sdv1-5", "LCM", 4),
        ("/home/me/loras/LCM_LoRA_SD15.safetensors", "LCM", 4),
        ("h1t/TCD-SD15-LoRA", "TCD", 4),
        ("ByteDance/Hyper-SD/Hyper-SD15-8steps-lora.safetensors", "Hyper-SD", 8),
        ("ByteDance/SDXL-Lightning/sdxl_lightning_4step_lora.safetensors", "Lightning", 4),
        ("/loras/flat-logo.safetensors", None, None),
        ("/loras/tcdavis-style.safetensors", None, None),  # a word that starts like one is another word
        ("/loras/hyperion.safetensors", None, None),
    ],
)
def test_a_lora_is_few_step_by_the_words_of_its_own_name(name, kind, steps):
    profile = detect_lora(name)
    assert (profile.kind, profile.steps) == (kind, steps) if kind else profile is None


@pytest.mark.parametrize(
    ("model", "profile"),
    [
        ("/models/dreamshaperXL_lightningDPMSDE.safetensors", LIGHTNING),  # Civitai's capitalised words
        ("SimianLuo/LCM_Dreamshaper_v7", LCM),
        ("/data/turbotax-backup/sdxl-turbo", TURBO),
        ("/models/turbotax.safetensors", None),
    ],
)
def test_a_model_is_few_step_by_the_words_of_its_own_name(model, profile):
    assert detect(model, "EulerDiscreteScheduler") == profile


@pytest.fixture(scope="module")
def users_folders(tiny_model, tmp_path_factory):
    """For each folder of the issue, a copy of the tiny model and a style LoRA inside it."""
    import make_tiny_assets as tiny

    root = tmp_path_factory.mktemp("users")
    made = {}
    for folder in ISSUE_PATHS:
        model = root / folder / "models" / "logo-model"
        shutil.copytree(tiny_model, model)
        lora = tiny.make_tiny_lora(tiny_model, root / folder / "loras" / "flat-logo.safetensors", seed=4)
        made[folder] = (model, lora)
    return made


@pytest.mark.parametrize("folder", ISSUE_PATHS)
def test_a_quality_job_under_such_a_folder_keeps_the_users_sampler_steps_and_guidance(users_folders, folder, tmp_path):
    from desktop.gallery import GalleryStore
    from desktop.jobs import Job, run_job
    from desktop.params import LoraRef

    model, lora = users_folders[folder]
    engine = Engine(choose_device("cpu"))
    engine.load(str(model))
    assert engine.few_step is None
    params = GenerationParams(
        "fox",
        model=str(model),
        scheduler="DDIM",
        steps=14,
        guidance=6.5,
        width=64,
        height=64,
        seed=3,
        loras=(LoraRef(str(lora), 0.8),),
    )
    warnings = []
    [item] = run_job(engine, GalleryStore(tmp_path / "gallery"), Job(params), on_warning=warnings.append)
    assert (item.params.scheduler, item.params.steps, item.params.guidance) == ("DDIM", 14, 6.5)
    assert warnings == []
    assert not engine._loras["base"].fused  # a style LoRA runs through its adapters, unfused


def test_a_renamed_few_step_lora_is_known_by_its_content_or_the_name_inside_it(tiny_model, tmp_path, monkeypatch):
    import hashlib

    import make_tiny_assets as tiny
    from safetensors.torch import load_file, save_file

    from desktop.models import loras

    copy = tiny.make_tiny_lora(tiny_model, tmp_path / "downloads" / "pytorch_lora_weights.safetensors")
    assert loras.few_step_lora(str(copy)) is None
    known = {(copy.stat().st_size, hashlib.sha256(copy.read_bytes()).hexdigest()): LCM}
    monkeypatch.setattr(loras, "KNOWN_LORAS", known)  # as the real LCM-LoRA files are known
    assert loras.few_step_lora(str(copy)) == LCM
    assert loras.inspect_lora(str(copy)).few_step == LCM

    trained = tmp_path / "flat.safetensors"
    save_file(load_file(str(copy)), str(trained), metadata={"ss_output_name": "sdxl_lightning_4step"})
    assert loras.few_step_lora(str(trained)).steps == 4
    save_file(load_file(str(copy)), str(trained), metadata={"ss_output_name": "tcdavis_flat_logo"})
    assert loras.few_step_lora(str(trained)) is None
