"""The window with jobs on the real ComfyUI server: the model box and the LoRA panel offer the
server's models and LoRAs, Generate makes the image there and it lands in the gallery saying where
it was made, each place keeps its own model, and a model of unknown family is asked about once."""

from __future__ import annotations

from comfyui_server import CHECKPOINT_NAME as CHECKPOINT
from comfyui_server import STYLE_LORA
from PIL import Image
from PySide6.QtCore import QSettings

from desktop.remote.address import NO_SIGN_IN
from desktop.state.server import SERVER, THIS_COMPUTER

SERVER_TIMEOUT_MS = 180_000


def use_server(window, comfyui, qtbot, first_model=CHECKPOINT):
    """Choose the test server; its first model becomes the chosen one."""
    state = window.server_link.state
    state.apply(SERVER, comfyui.url, NO_SIGN_IN, "", "", None)
    qtbot.waitUntil(lambda: state.catalog is not None and window.request.model == first_model, timeout=60_000)
    return state


def combo_items(window) -> list[str]:
    combo = window.model_panel.combo
    return [combo.itemText(i) for i in range(combo.count())]


def test_a_job_on_the_server_lands_in_the_gallery_and_each_place_keeps_its_model(
    open_window, tiny_model, comfyui, qtbot, tmp_path
):
    window = open_window(tiny_model)
    local_model = window.request.model
    assert window.model_panel.place_label.text() == "Runs on this computer"
    state = use_server(window, comfyui, qtbot)

    assert combo_items(window) == [CHECKPOINT], "the box lists the server's models, not this computer's"
    assert window.model_panel.browse.isHidden() and window.model_panel.manage.isHidden()
    qtbot.waitUntil(lambda: state.usable, timeout=60_000)
    port = comfyui.url.rsplit(":", 1)[1]
    assert window.model_panel.place_label.text() == f"Runs on 127.0.0.1:{port}"
    server_loras = [action.text() for action in window.loras.add_button.menu().actions()]
    assert STYLE_LORA in server_loras and window.loras.folder_button.isHidden()
    assert not window.advanced.device_combo.isEnabled() and not window.actions.models_action.isEnabled()
    window.host.setDevice.emit("cpu")  # a device chosen meanwhile (for this computer) leaves jobs on the server

    texts = []
    window.jobs.progress_changed.connect(lambda text, done, total: texts.append(text))
    window.actions.generate()
    qtbot.waitUntil(lambda: not window.jobs.running, timeout=SERVER_TIMEOUT_MS)
    assert window.notices.get("job") is None, window.notices.get("job").text
    item = window.gallery.items[0]
    assert (item.params.server, item.params.model) == (comfyui.url, CHECKPOINT)
    with Image.open(item.path) as made:
        assert made.size == (64, 64)
    assert any(text.startswith("step 2/2") for text in texts), texts
    assert window.library.default("txt2img") != CHECKPOINT, "a server's model never becomes this computer's"

    state.apply(THIS_COMPUTER, comfyui.url, NO_SIGN_IN, "", "", None)
    assert window.request.model == local_model, "this computer's model is back"
    assert CHECKPOINT not in combo_items(window) and window.model_panel.browse.isVisibleTo(window)
    assert window.model_panel.place_label.text() == "Runs on this computer"
    state.apply(SERVER, comfyui.url, NO_SIGN_IN, "", "", None)
    assert window.request.model == CHECKPOINT, "and the server's when it is chosen again"
    window.close()
    settings = QSettings(str(tmp_path / "config" / "settings.ini"), QSettings.Format.IniFormat)
    assert settings.value("server/model") == CHECKPOINT and settings.value("server/location") == SERVER

    again = open_window(tiny_model)  # the next start, with the server chosen
    loads = []
    again.worker.modelLoading.connect(loads.append)
    assert again.loras.add_button.menu() is not None, "the LoRA panel offers the server's LoRAs from the start"
    assert again.models.remote and again.request.model == CHECKPOINT
    qtbot.waitUntil(lambda: again.models.loaded == CHECKPOINT, timeout=60_000)
    assert str(tiny_model) not in loads and again.notices.get("model") is None, "nothing loaded on this computer"


def test_a_model_whose_family_nobody_says_is_asked_about_once(open_window, tiny_model, comfyui, qtbot):
    mystery = comfyui.base / "models" / "checkpoints" / "house-brand-v2.safetensors"
    mystery.symlink_to((comfyui.base / "models" / "checkpoints" / CHECKPOINT).resolve())
    try:
        window = open_window(tiny_model)
        asked = []
        window.server_link.ask = lambda model: asked.append(model) or "sd15"
        state = use_server(window, comfyui, qtbot, first_model=mystery.name)  # listed first
        qtbot.waitUntil(lambda: window.models.loaded == mystery.name, timeout=60_000)
        assert asked == [mystery.name]
        assert state.families == {mystery.name: "sd15"} and "house-brand-v2" in state.settings.value("server/families")
        assert window.models.family is not None and window.models.family.name == "sd15"
        window.models.choose(CHECKPOINT)
        qtbot.waitUntil(lambda: window.models.loaded == CHECKPOINT, timeout=60_000)
        window.models.choose(mystery.name)
        qtbot.waitUntil(lambda: window.models.loaded == mystery.name, timeout=60_000)
        assert asked == [mystery.name], "asked once"
    finally:
        mystery.unlink()


def test_a_guided_job_on_the_server_uses_its_controlnet_and_keeps_the_guide(open_window, tiny_model, comfyui, qtbot):
    from comfyui_server import CONTROLNET_NAME
    from test_window_guide import draw_sketch

    window = open_window(tiny_model)
    state = use_server(window, comfyui, qtbot)
    combo = window.guide_panel.model_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [CONTROLNET_NAME], "the server's ControlNets"
    assert window.request.guide_model == CONTROLNET_NAME
    draw_sketch(qtbot, window)
    assert window.request.guide_on
    window.actions.generate()
    qtbot.waitUntil(lambda: not window.jobs.running, timeout=SERVER_TIMEOUT_MS)
    said = window.notices.get("job")  # the 512 px sketch layer fitted to this 64 px job is said, as on this computer
    assert said is not None and said.level == "warning" and "scaled to 64×64" in said.text, said
    item = window.gallery.items[0]
    assert item.params.server == comfyui.url and item.params.guide.model == CONTROLNET_NAME
    assert item.guide_picture() is not None, "the guide is kept beside the image"

    state.apply(THIS_COMPUTER, comfyui.url, NO_SIGN_IN, "", "", None)
    assert window.request.guide_model != CONTROLNET_NAME, "a server's ControlNet means nothing on this computer"


def test_testing_another_connection_in_the_dialog_leaves_the_servers_lists(open_window, tiny_model, comfyui, qtbot):
    from desktop.remote.address import BEARER, Credentials, ServerAddress, ServerConnection

    window = open_window(tiny_model)
    state = use_server(window, comfyui, qtbot)
    qtbot.waitUntil(lambda: not state.checking, timeout=60_000)
    listed = state.catalog
    other = ServerConnection(ServerAddress.parse(comfyui.url), Credentials(BEARER, "", "someone-elses-token"))
    state.check(other)
    qtbot.waitUntil(lambda: not state.checking, timeout=60_000)
    assert state.status.startswith("ComfyUI") and state.catalog is listed
