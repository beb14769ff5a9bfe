"""Choosing a model, as a new user does: whichever way a model is chosen (the model box, Browse…,
Models…, a reused image) it is the one Generate runs, and loading it keeps what the user typed or
reused; a family's defaults fill in only what the user left alone, and the window says which."""

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QToolButton
from test_window import JOB_TIMEOUT, generate

from desktop.metadata import read_params
from desktop.params import GenerationParams, LoraRef
from desktop.schedulers import SD_SCHEDULERS
from desktop.state import notices as n

pytest_plugins = ["family_models"]  # tiny SDXL and FLUX.1 models


def type_into(qtbot, spin, value) -> None:
    """Type ``value`` into a spin box as a user does (select all, type, Enter)."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def pick_local_model(menu_button: QToolButton, folder, monkeypatch) -> None:
    """Browse… (or Add from this computer…) → Model folder (diffusers)… → ``folder``."""
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    next(action for action in menu_button.menu().actions() if action.text().startswith("Model folder")).trigger()


def made_with(item) -> GenerationParams:
    with Image.open(item.path) as image:
        return read_params(image)


def test_a_model_chosen_with_browse_is_the_one_generate_runs_and_the_form_is_kept(
    qtbot, open_window, tiny_model, tiny_sdxl, monkeypatch
):
    window = open_window(tiny_model)
    qtbot.waitUntil(lambda: window.models.family is not None, timeout=JOB_TIMEOUT)
    pick_local_model(window.findChild(QToolButton, "modelBrowseButton"), tiny_sdxl, monkeypatch)
    assert window.model_combo.currentText() == str(tiny_sdxl)
    qtbot.waitUntil(lambda: window.models.family.name == "sdxl", timeout=JOB_TIMEOUT)
    type_into(qtbot, window.advanced.steps_spin, 3)
    type_into(qtbot, window.advanced.guidance_spin, 6)
    generate(qtbot, window, "fox logo")
    assert not window.notices.text(n.ERROR), window.notices.text(n.ERROR)
    [item] = window.store.items()
    params = made_with(item)
    assert (params.model, params.family) == (str(tiny_sdxl), "sdxl")
    assert (params.steps, params.guidance, params.width) == (3, 6.0, 64)
    # What was typed is still there after the job (no jump back to another model's defaults)
    assert (window.advanced.steps_spin.value(), window.advanced.guidance_spin.value()) == (3, 6.0)
    assert window.model_combo.currentText() == str(tiny_sdxl)


def test_reusing_an_image_of_another_family_loads_its_model_and_keeps_its_settings(
    qtbot, open_window, tmp_path, tiny_model, tiny_flux
):
    import make_tiny_assets as tiny

    lora = tiny.make_tiny_lora(tiny_model, tmp_path / "flat-icon.safetensors")
    window = open_window(tiny_flux)
    qtbot.waitUntil(lambda: window.models.family is not None, timeout=JOB_TIMEOUT)
    assert window.models.family.name == "flux"
    reused = GenerationParams(
        "fox logo",
        model=str(tiny_model),
        family="sd15",
        scheduler="Euler a",
        steps=3,
        guidance=6.5,
        width=64,
        height=64,
        seed=7,
        loras=(LoraRef(str(lora), 0.7),),
    )
    window.store.add(Image.new("RGB", (64, 64), "white"), reused)
    window.gallery.refresh()
    window.gallery_panel.gallery_view.setCurrentRow(0)
    reuse = next(a for a in window.gallery_panel.gallery_view.actions() if a.text() == "Reuse parameters")
    reuse.trigger()
    qtbot.waitUntil(lambda: window.models.family.name == "sd15", timeout=JOB_TIMEOUT)
    combo = window.advanced.scheduler_combo
    assert [combo.itemText(i) for i in range(combo.count())] == list(SD_SCHEDULERS)
    assert combo.currentText() == "Euler a"
    assert "⚠" not in window.loras.findChild(QLabel, "loraFamily").text()
    form = (window.request.steps, window.request.guidance, window.request.width, window.request.height)
    assert form == (3, 6.5, 64, 64)
    assert "Kept what you set" in window.notices.text()

    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.store) == 2 and not window.jobs.running, timeout=JOB_TIMEOUT)
    assert not window.notices.text(n.ERROR), window.notices.text(n.ERROR)
    made = made_with(max(window.store.items(), key=lambda item: item.created))
    assert (made.model, made.scheduler, made.steps, made.guidance) == (str(tiny_model), "Euler a", 3, 6.5)
    assert [(lora.ref, lora.weight) for lora in made.loras] == [(str(lora), 0.7)]
    assert (window.request.steps, window.request.guidance, window.request.width) == (3, 6.5, 64)


def test_a_family_switch_fills_in_only_what_the_user_left_alone_and_says_which(
    qtbot, open_window, tiny_sdxl, tiny_flux
):
    window = open_window(tiny_sdxl, small=False)
    qtbot.waitUntil(lambda: window.models.family is not None, timeout=JOB_TIMEOUT)
    type_into(qtbot, window.advanced.steps_spin, 3)
    window.use_model(str(tiny_flux))
    qtbot.waitUntil(lambda: window.models.family.name == "flux", timeout=JOB_TIMEOUT)
    family = window.models.family
    assert window.request.steps == 3  # typed: kept
    assert (window.request.width, window.request.guidance) == (family.default_size, family.default_guidance)
    notice = window.notices.get(n.SETTINGS).text
    assert f"guidance {family.default_guidance:g}" in notice and "Kept what you set: 3 steps" in notice


def test_a_model_added_in_models_is_used_when_the_chosen_one_is_missing(qtbot, open_window, tiny_model, monkeypatch):
    window = open_window("someone/not-downloaded")
    qtbot.waitUntil(lambda: "not on this computer" in window.notices.text(), timeout=JOB_TIMEOUT)
    # The model choice is in view with Advanced folded
    assert not window.advanced.is_open() and window.model_combo.isVisible()
    window.open_model_manager()
    pick_local_model(window.model_manager.findChild(QToolButton, "addLocalButton"), tiny_model, monkeypatch)
    assert window.model_combo.currentText() == str(tiny_model)
    qtbot.waitUntil(lambda: "not on this computer" not in window.notices.text(), timeout=JOB_TIMEOUT)
    window.model_manager.close()
    generate(qtbot, window, "fox logo")
    [item] = window.store.items()
    assert made_with(item).model == str(tiny_model)
