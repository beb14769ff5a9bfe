"""The model manager, driven like a user would: add models, choose the text-to-image and
inpainting models, download from a hub look-alike on 127.0.0.1, cancel, restart and resume."""

from pathlib import Path

from PySide6.QtCore import Qt
from test_window import generate, stroke, wait_idle

from desktop.app import build_window
from desktop.models.catalog import INPAINT
from desktop.models.library import DOWNLOAD_PAUSED, READY

REPO = "test-org/tiny-sd"
TIMEOUT = 60_000


def open_manager(qtbot, window):
    window.activateWindow()  # shortcuts reach the active window only
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.brief.prompt_edit, Qt.Key.Key_M, modifiers)
    manager = window.model_manager
    assert manager is not None and manager.isVisible()
    qtbot.waitUntil(lambda: manager.table.rowCount() > 0, timeout=TIMEOUT)
    return manager


def row_of(manager, ref):
    return next(i for i, entry in enumerate(manager.entries) if entry.ref == ref)


def status_of(manager, ref):
    return manager.table.item(row_of(manager, ref), 3).text()


def select(qtbot, manager, ref):
    qtbot.waitUntil(lambda: any(entry.ref == ref for entry in manager.entries), timeout=TIMEOUT)
    manager.table.selectRow(row_of(manager, ref))


def test_a_dedicated_inpainting_model_chosen_in_the_manager_does_the_inpainting(qtbot, tmp_path, tiny_models):
    txt2img, inpaint = tiny_models
    window = build_window(tmp_path / "gallery", model=str(txt2img), device="cpu", config_dir=tmp_path / "config")
    qtbot.addWidget(window)
    window.show()
    for spin, value in (
        (window.advanced.width_spin, 64),
        (window.advanced.height_spin, 64),
        (window.advanced.steps_spin, 2),
    ):
        spin.setValue(value)
    manager = open_manager(qtbot, window)

    assert manager.add_model(str(inpaint))
    select(qtbot, manager, str(inpaint.resolve()))
    assert manager.table.item(row_of(manager, str(inpaint.resolve())), 1).text() == "Inpainting"
    qtbot.mouseClick(manager.inpaint_button, Qt.MouseButton.LeftButton)
    assert window.library.default(INPAINT) == str(inpaint.resolve())
    qtbot.waitUntil(lambda: "Inpainting" in manager.table.item(row_of(manager, str(inpaint.resolve())), 4).text())
    assert manager.inpaint_button.text() == "Stop using for inpainting"

    generate(qtbot, window, "fox logo")
    window.canvas_panel.brush_size_spin.setValue(12)
    stroke(qtbot, window.canvas_panel.canvas, [(20, 32), (44, 32)])
    qtbot.mouseClick(window.canvas_panel.inpaint_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert not window.notices.text("error"), window.notices.text("error")
    newest = max(window.store.items(), key=lambda item: item.created)
    assert newest.params.mode == "inpaint" and newest.params.model == str(inpaint.resolve())


def test_adding_a_wrong_model_explains_why_and_keeps_the_list(qtbot, tmp_path, tiny_model):
    window = build_window(tmp_path / "gallery", model=str(tiny_model), device="cpu", config_dir=tmp_path / "config")
    qtbot.addWidget(window)
    window.show()
    manager = open_manager(qtbot, window)
    rows = manager.table.rowCount()
    qtbot.keyClicks(manager.hub_edit, "not a model id")
    qtbot.keyClick(manager.hub_edit, Qt.Key.Key_Return)
    assert manager.message.isVisible() and "No model found at not a model id" in manager.message.text()
    assert manager.table.rowCount() == rows and manager.hub_edit.text() == "not a model id"


def test_a_download_is_cancelled_in_the_manager_and_resumed_after_a_restart(qtbot, tmp_path, tiny_model, local_hub):
    from huggingface_hub import constants
    from local_hub import CHUNK, snapshot_files

    # The weight files stop after their first chunk until Cancel is seen; the small files finish.
    local_hub.hold_after = CHUNK
    files = {str(p.relative_to(tiny_model)): p.stat().st_size for p in tiny_model.rglob("*") if p.is_file()}
    held = sorted(name for name, size in files.items() if size > CHUNK)
    small = set(files) - set(held)
    config = tmp_path / "config"
    window = build_window(tmp_path / "gallery", model=str(tiny_model), device="cpu", config_dir=config)
    qtbot.addWidget(window)
    window.show()
    questions = []
    window.ask = lambda title, text: questions.append(text) or True
    manager = open_manager(qtbot, window)

    qtbot.keyClicks(manager.hub_edit, REPO)
    qtbot.mouseClick(manager.findChild(type(manager.txt2img_button), "addHubIdButton"), Qt.MouseButton.LeftButton)
    select(qtbot, manager, REPO)
    assert status_of(manager, REPO) == "Not downloaded" and manager.download_button.isEnabled()
    qtbot.mouseClick(manager.download_button, Qt.MouseButton.LeftButton)
    assert questions and REPO in questions[0] and "disk space" in questions[0]  # asked before anything moved
    cache = Path(constants.HF_HUB_CACHE)
    qtbot.waitUntil(lambda: sorted(local_hub.held) == held and snapshot_files(cache, REPO) == small, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: status_of(manager, REPO).startswith("Downloading:"), timeout=TIMEOUT)
    assert " of " in manager.progress_bar.format() and manager.progress_bar.isVisible()
    assert window.download_label.isVisible() and REPO in window.download_label.text()
    qtbot.mouseClick(manager.cancel_button, Qt.MouseButton.LeftButton)
    assert window.files_host.downloader.cancel_event(REPO).is_set()
    local_hub.go_on.set()  # the next chunk meets the cancel
    qtbot.waitUntil(lambda: status_of(manager, REPO).startswith("Download paused"), timeout=TIMEOUT)
    assert manager.download_button.text() == "Resume download"
    window.close()
    kept = snapshot_files(cache, REPO)
    assert kept == small, "the files that finished before the cancel are kept, the others are not"

    local_hub.hold_after = None
    local_hub.requests.clear()
    again = build_window(tmp_path / "gallery", model=str(tiny_model), device="cpu", config_dir=config)
    qtbot.addWidget(again)
    again.show()
    assert bool(again.notices.text()) and f"The download of {REPO} stopped" in again.notices.text()
    again.notices_panel.linkActivated.emit(f"resume:{REPO}")  # the "Resume it" link
    qtbot.waitUntil(lambda: again.model_combo.findText(REPO) >= 0 or bool(again.notices.text("error")), timeout=TIMEOUT)
    assert not again.notices.text("error"), again.notices.text("error")
    assert again.library.unfinished_downloads() == []
    assert any(entry.ref == REPO and entry.state == READY for entry in again.models.entries)
    assert len(questions) == 1  # resuming a download agreed to before does not ask again
    after = local_hub.fetched_files()
    assert sorted(after) == held  # only what was missing was fetched after the restart


def test_removing_a_downloaded_model_can_delete_its_files(qtbot, tmp_path, tiny_model, local_hub):
    from desktop.models.downloads import download_hub_model
    from desktop.models.references import cached_hub_folder

    download_hub_model(REPO)
    window = build_window(tmp_path / "gallery", model=str(tiny_model), device="cpu", config_dir=tmp_path / "config")
    qtbot.addWidget(window)
    window.show()
    manager = open_manager(qtbot, window)
    select(qtbot, manager, REPO)
    asked = []
    manager.ask_remove = lambda entry: asked.append(entry) or "delete"
    qtbot.mouseClick(manager.remove_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0].size_bytes and asked[0].size_bytes > 1_000_000  # the question names the size
    assert not any(entry.ref == REPO for entry in manager.entries)  # off the list at once
    qtbot.waitUntil(lambda: "freed" in manager.message.text(), timeout=TIMEOUT)
    assert cached_hub_folder(REPO) is None
    qtbot.wait(200)  # the list the worker sends after the delete
    assert not any(entry.ref == REPO for entry in manager.entries)


def test_paused_downloads_show_in_the_list(qtbot, tmp_path, tiny_model):
    config = tmp_path / "config"
    window = build_window(tmp_path / "gallery", model=str(tiny_model), device="cpu", config_dir=config)
    qtbot.addWidget(window)
    window.library.download_started("someone/half-done")
    window.show()
    manager = open_manager(qtbot, window)
    select(qtbot, manager, "someone/half-done")
    entry = manager.entries[row_of(manager, "someone/half-done")]
    assert entry.state == DOWNLOAD_PAUSED and manager.download_button.text() == "Resume download"
