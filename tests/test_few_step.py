import json
import shutil

import pytest
from PySide6.QtCore import Qt

from desktop.engine import Engine, choose_device
from desktop.engine.few_step import LCM, LIGHTNING, TURBO, adapt, detect
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
