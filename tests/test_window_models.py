"""Models in the window, as a new user meets them: a download asked for at Generate (and refused),
model checks that never wait behind a running job, and model paths that mean the same thing from
any folder."""

import threading

from PySide6.QtCore import Qt
from test_window import JOB_TIMEOUT, wait_idle

from desktop.app import build_window

REPO = "test-org/tiny-sd"


def open_window(qtbot, tmp_path, model, config="config"):
    window = build_window(tmp_path / "gallery", model=model, device="cpu", config_dir=tmp_path / config)
    qtbot.addWidget(window)
    window.show()
    for spin, value in (
        (window.advanced.width_spin, 64),
        (window.advanced.height_spin, 64),
        (window.advanced.steps_spin, 2),
    ):
        spin.setValue(value)
    return window


def test_generate_with_a_model_not_downloaded_asks_then_downloads_then_generates(qtbot, tmp_path, local_hub):
    window = open_window(qtbot, tmp_path, REPO)
    questions, before_consent = [], []
    window.ask = lambda title, text: questions.append(text) or before_consent.extend(local_hub.requests) or True
    qtbot.waitUntil(lambda: REPO in window.models.available, timeout=JOB_TIMEOUT)  # checked on the files worker
    window.brief.prompt_edit.setPlainText("fox logo")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    assert len(questions) == 1 and REPO in questions[0] and "disk space" in questions[0]
    assert before_consent == []  # nothing asked of the hub before the user agreed, not even the file list
    qtbot.waitUntil(lambda: len(window.store) == 1, timeout=JOB_TIMEOUT)
    wait_idle(qtbot, window)
    [item] = window.store.items()
    assert item.params.model == REPO and not window.notices.text("error"), window.notices.text("error")
    assert window.library.unfinished_downloads() == []


def test_a_refused_download_fetches_nothing_and_is_not_offered_at_the_next_start(qtbot, tmp_path, local_hub):
    window = open_window(qtbot, tmp_path, REPO)
    window.ask = lambda title, text: False
    qtbot.waitUntil(lambda: REPO in window.models.available, timeout=JOB_TIMEOUT)
    window.brief.prompt_edit.setPlainText("fox logo")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert (
        window.run_panel.progress_bar.format() == "Not started: the download was declined." and len(window.store) == 0
    )
    assert local_hub.requests == []  # no request at all
    window.close()

    again = open_window(qtbot, tmp_path, REPO)
    assert again.library.unfinished_downloads() == []
    assert "stopped" not in again.notices.text()


def test_checking_a_model_does_not_wait_behind_a_running_job(qtbot, tmp_path, tiny_model, monkeypatch):
    window = open_window(qtbot, tmp_path, str(tiny_model))
    release, running = threading.Event(), threading.Event()
    import desktop.jobs

    real_run_job = desktop.jobs.run_job

    def slow_run_job(*args, **kwargs):
        running.set()
        release.wait(60)  # a long generation holds the generation thread
        return real_run_job(*args, **kwargs)

    monkeypatch.setattr(desktop.jobs, "run_job", slow_run_job)  # the engine runs on the worker thread in tests
    window.brief.prompt_edit.setPlainText("fox logo")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(running.is_set, timeout=JOB_TIMEOUT)
    try:
        missing = str(tmp_path / "no-such-model")
        window.model_combo.setEditText(missing)
        window.model_combo.lineEdit().editingFinished.emit()  # Enter, or leaving the box
        qtbot.waitUntil(lambda: f"There is no model at {missing}" in window.notices.text(), timeout=5000)
        assert "Press Generate to download" not in window.notices.text()
        assert window.host.pending  # the job is still running
    finally:
        release.set()
    wait_idle(qtbot, window)


def test_a_relative_model_path_is_stored_absolute_and_listed_once(qtbot, tmp_path, tiny_model, monkeypatch):
    monkeypatch.chdir(tiny_model.parent)
    window = open_window(qtbot, tmp_path, tiny_model.name)
    absolute = str(tiny_model.resolve())
    assert window.current_model() == absolute
    rows = [window.model_combo.itemText(i) for i in range(window.model_combo.count())]
    assert rows.count(absolute) == 1 and tiny_model.name not in rows
    window.brief.prompt_edit.setPlainText("fox logo")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    [item] = window.store.items()
    assert item.params.model == absolute
    window.close()

    monkeypatch.chdir(tmp_path)  # another folder: the saved path still means the same model
    again = open_window(qtbot, tmp_path, None)
    again.request.apply(item.params)
    assert again.current_model() == absolute
    qtbot.waitUntil(lambda: again.models.available.get(absolute) is True, timeout=JOB_TIMEOUT)
    assert "download" not in again.notices.text().lower()
