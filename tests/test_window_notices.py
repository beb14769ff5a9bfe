"""Notices live exactly as long as their cause, one test per kind: each is shown when something
goes wrong and goes away when that is no longer true (another model, device, speed, job or file
action); the same words about two subjects show once; many notices never squeeze the canvas."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QToolButton
from test_window import JOB_TIMEOUT, wait_idle

from desktop.state import notices as n
from desktop.state.notices import Notices
from desktop.ui.panels.notices_panel import MAX_HEIGHT

pytest_plugins = ["family_models"]  # a tiny SDXL model


def browse_to(window, folder, monkeypatch) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    browse = window.findChild(QToolButton, "modelBrowseButton")
    next(action for action in browse.menu().actions() if action.text().startswith("Model folder")).trigger()


def generate(qtbot, window) -> None:
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)


def shown(window) -> list[str]:
    return [notice.text for notice in window.notices.items()]


def test_equal_notices_about_two_subjects_show_once():
    notices = Notices()
    notices.set(n.DOWNLOAD, "x is not downloaded yet (offline mode).", n.ERROR)
    notices.set(n.JOB, "x is not downloaded yet (offline mode).", n.ERROR)
    assert [notice.text for notice in notices.items()] == ["x is not downloaded yet (offline mode)."]
    notices.clear(n.DOWNLOAD)
    assert [notice.subject for notice in notices.items()] == [n.JOB]  # still true for the job


def test_a_failed_download_is_said_once_and_goes_when_a_local_model_is_chosen(
    qtbot, open_window, tiny_model, monkeypatch
):
    window = open_window("someone/not-downloaded")
    window.ask = lambda title, text: True  # yes, download it: offline, it fails
    qtbot.waitUntil(lambda: "someone/not-downloaded" in window.models.available, timeout=JOB_TIMEOUT)
    generate(qtbot, window)
    offline = [text for text in shown(window) if "offline" in text]
    assert len(offline) == 1, shown(window)
    browse_to(window, tiny_model, monkeypatch)
    qtbot.waitUntil(lambda: not window.notices.items(), timeout=JOB_TIMEOUT)
    generate(qtbot, window)
    assert len(window.store.items()) == 1 and not window.notices.items(), shown(window)


def test_a_failed_job_is_forgotten_when_another_model_is_chosen(qtbot, open_window, tmp_path, tiny_model, monkeypatch):
    checkpoint = tmp_path / "model.ckpt"
    checkpoint.write_bytes(b"x")
    window = open_window(checkpoint)
    generate(qtbot, window)
    assert "pickle format" in window.notices.text(n.ERROR)
    browse_to(window, tiny_model, monkeypatch)
    qtbot.waitUntil(lambda: not window.notices.items(), timeout=JOB_TIMEOUT)


def test_no_device_is_said_once_and_goes_when_a_device_works_again(qtbot, open_window, tiny_model):
    window = open_window(tiny_model)
    qtbot.waitUntil(lambda: "CPU" in window.device_label.text(), timeout=JOB_TIMEOUT)
    combo = window.advanced.device_combo
    combo.setCurrentIndex(combo.findData("cuda"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: "no NVIDIA GPU" in window.notices.text(n.ERROR), timeout=JOB_TIMEOUT)
    assert window.device_label.text() == "Device: none (see the notice)"
    generate(qtbot, window)  # fails for the same reason: said once
    assert len(window.notices.items()) == 1, shown(window)
    combo.setCurrentIndex(combo.findData("auto"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: "CPU" in window.device_label.text(), timeout=JOB_TIMEOUT)
    assert not window.notices.items(), shown(window)
    generate(qtbot, window)
    assert len(window.store.items()) == 1


def test_what_fast_needs_goes_when_best_quality_is_chosen(qtbot, open_window, tiny_model):
    window = open_window(tiny_model)
    qtbot.waitUntil(lambda: window.models.loaded == str(tiny_model), timeout=JOB_TIMEOUT)
    qtbot.mouseClick(window.brief.fast_radio, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.notices.get(n.NEEDS) is not None, timeout=JOB_TIMEOUT)
    assert "Fast draft needs" in window.notices.get(n.NEEDS).text
    qtbot.mouseClick(window.brief.quality_radio, Qt.MouseButton.LeftButton)
    assert window.notices.get(n.NEEDS) is None


def test_the_settings_a_model_brought_are_said_until_the_next_job(qtbot, open_window, tiny_model, tiny_sdxl):
    window = open_window(tiny_model)
    qtbot.waitUntil(lambda: window.models.family is not None, timeout=JOB_TIMEOUT)
    window.request.set("steps", 25, by_user=False)  # left to the family
    window.use_model(str(tiny_sdxl))
    qtbot.waitUntil(lambda: window.notices.get(n.SETTINGS) is not None, timeout=JOB_TIMEOUT)
    assert "steps" in window.notices.get(n.SETTINGS).text
    window.request.set("steps", 2)
    generate(qtbot, window)
    assert window.notices.get(n.SETTINGS) is None and len(window.store.items()) == 1


def test_an_unreadable_file_is_forgotten_at_the_next_job(qtbot, open_window, tmp_path, tiny_model):
    window = open_window(tiny_model)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    window.actions.open_image_file(str(broken))
    assert "broken.png is not a readable image" in window.notices.text(n.ERROR)
    generate(qtbot, window)
    assert not window.notices.items(), shown(window)


def test_an_invalid_request_is_forgotten_when_the_field_is_edited(qtbot, open_window, tiny_model):
    window = open_window(tiny_model)
    window.advanced.width_spin.setValue(500)
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    assert "multiple of 8" in window.notices.text(n.ERROR)
    window.advanced.width_spin.setValue(512)
    assert not window.notices.items()


def test_a_download_to_resume_is_offered_until_it_starts_again(qtbot, open_window, tmp_path, tiny_model):
    from desktop.models.library import ModelLibrary

    ModelLibrary(tmp_path / "config").download_started("someone/half-downloaded")
    window = open_window(tiny_model)
    assert "someone/half-downloaded stopped" in window.notices.get(n.RESUME).text
    window.notices_panel.linkActivated.emit("resume:someone/half-downloaded")
    assert window.notices.get(n.RESUME) is None
    qtbot.waitUntil(lambda: window.notices.get(n.DOWNLOAD) is not None, timeout=JOB_TIMEOUT)  # offline: it fails
    assert "offline" in window.notices.get(n.DOWNLOAD).text


def test_many_notices_scroll_above_the_canvas_instead_of_squeezing_it(qtbot, open_window, tiny_model):
    window = open_window(tiny_model, size=(1280, 720))
    qtbot.waitUntil(lambda: window.canvas_panel.canvas.height() > 0)
    before = window.canvas_panel.canvas.height()
    long = "This notice is long enough to wrap onto more than one line in the middle of the window. " * 3
    for subject in (n.JOB, n.MODEL, n.DOWNLOAD, n.FILES):
        window.notices.set(subject, f"{subject}: {long}", n.WARNING)
    qtbot.waitUntil(lambda: window.notices_panel.isVisible())
    QApplication.processEvents()  # the layout settles
    assert window.notices_panel.height() <= MAX_HEIGHT
    assert window.canvas_panel.canvas.height() >= before - MAX_HEIGHT - 8
