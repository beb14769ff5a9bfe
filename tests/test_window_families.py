"""The window with SDXL and FLUX.1 models, as with SD 1.5: generate, inpaint, vary; the controls
offer what applies to the loaded family, and switching family brings its defaults."""

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from test_window import stroke, wait_idle

from desktop.app import build_window
from desktop.schedulers import FLOW_SCHEDULERS, SD_SCHEDULERS
from desktop.state import notices as n

pytest_plugins = ["family_models"]  # tiny SDXL and FLUX.1 models
TIMEOUT = 90_000


def open_window(qtbot, tmp_path, model):
    window = build_window(tmp_path / "gallery", model=str(model), device="cpu", config_dir=tmp_path / "config")
    qtbot.addWidget(window)
    window.show()
    return window


def small(window, steps=2):
    for field, value in (("width", 64), ("height", 64), ("steps", steps)):
        window.request.set(field, value)


def samplers(window) -> list[str]:
    combo = window.advanced.scheduler_combo
    return [combo.itemText(i) for i in range(combo.count())]


def test_each_family_generates_inpaints_and_varies_in_the_window(qtbot, tmp_path, family_model):
    family, model = family_model
    window = open_window(qtbot, tmp_path, model)
    qtbot.waitUntil(lambda: window.models.family is not None, timeout=TIMEOUT)
    assert window.models.family.name == family
    small(window)
    window.request.set("prompt", "fox logo")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert not window.notices.text(n.ERROR), window.notices.text(n.ERROR)
    [original] = window.store.items()
    assert original.params.family == family
    canvas = window.canvas_panel.canvas
    window.canvas_panel.brush_size_spin.setValue(12)
    stroke(qtbot, canvas, [(20, 32), (44, 32)])
    mask = np.asarray(canvas.mask())
    qtbot.mouseClick(window.canvas_panel.inpaint_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    window.gallery.select(original.id)
    qtbot.mouseClick(window.gallery_panel.vary_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert not window.notices.text(n.ERROR), window.notices.text(n.ERROR)
    children = [item for item in window.store.items() if item.parent_id == original.id]
    assert sorted(item.params.mode for item in children) == ["img2img", "inpaint"]
    inpainted = next(item for item in children if item.params.mode == "inpaint")
    before = np.asarray(Image.open(original.path).convert("RGB"))
    after = np.asarray(Image.open(inpainted.path).convert("RGB"))
    from diffusers.image_processor import VaeImageProcessor

    far = np.asarray(VaeImageProcessor.blur(Image.fromarray(mask), inpainted.params.mask_blur)) == 0
    assert np.array_equal(after[far], before[far]) and (after[~far] != before[~far]).any()


def test_the_controls_follow_the_family_and_a_switch_brings_its_defaults(qtbot, tmp_path, tiny_sdxl, tiny_flux):
    window = open_window(qtbot, tmp_path, tiny_sdxl)
    qtbot.waitUntil(lambda: window.models.family is not None, timeout=TIMEOUT)
    assert samplers(window) == list(SD_SCHEDULERS) and window.advanced.negative_edit.isEnabled()
    window.request.set("negative_prompt", "text, photo")
    window.use_model(str(tiny_flux))
    qtbot.waitUntil(lambda: window.models.family.name == "flux", timeout=TIMEOUT)
    assert samplers(window) == list(FLOW_SCHEDULERS) and window.request.scheduler in FLOW_SCHEDULERS
    assert not window.advanced.negative_edit.isEnabled()
    assert "takes no negative prompt" in window.advanced.negative_edit.placeholderText()
    assert (window.request.width, window.request.height) == (1024, 1024)  # FLUX.1's own default size
    notice = window.notices.get(n.SETTINGS).text
    assert "FLUX.1" in notice and "takes no negative prompt" in notice
    shapes = [action.text() for action in window.advanced.aspect_button.actions()]
    assert any("1216×832" in text for text in shapes)
