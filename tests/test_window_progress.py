"""What the run panel says while a job starts, runs, waits for downloads and is cancelled, and
what closing the window mid-job does: the user always sees what is happening, its clock ticks,
a failed or refused download ends the job with the reason, and a running job is not lost unasked."""

import threading

import pytest
from PySide6.QtCore import Qt
from test_window import JOB_TIMEOUT, wait_idle

import desktop.jobs
from desktop.state import notices as n


@pytest.fixture
def window(open_window, tiny_model):
    window = open_window(tiny_model)
    window.request.set("steps", 4)
    return window


@pytest.fixture
def held_step(monkeypatch):
    """Jobs stop before reporting their second step until ``release`` is set (a long CPU step)."""
    release = threading.Event()
    real_run_job = desktop.jobs.run_job

    def run_job(*args, on_progress=None, **kwargs):
        def progress(update) -> None:
            if update.step == 2:
                release.wait(60)
            on_progress(update)

        return real_run_job(*args, on_progress=progress, **kwargs)

    monkeypatch.setattr(desktop.jobs, "run_job", run_job)  # the engine runs on the worker thread in tests
    yield release
    release.set()


def bar(window) -> str:
    return window.run_panel.progress_bar.format()


def test_the_clock_ticks_between_steps_and_cancel_says_it_ends_after_the_step(qtbot, window, held_step):
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar(window).startswith("step 1/4"), timeout=JOB_TIMEOUT)
    qtbot.waitUntil(lambda: "0:02 elapsed" in bar(window), timeout=10_000)  # no step ended meanwhile
    assert bar(window).startswith("step 1/4")
    shown = []
    window.jobs.progress_changed.connect(lambda text, done, total: shown.append(text))
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert bar(window).startswith("Cancelling after this step…")
    held_step.set()
    wait_idle(qtbot, window)
    assert bar(window) == "Cancelled." and window.store.items() == []
    assert all(text.startswith("Cancelling") for text in shown[:-1]), shown  # no step count after Cancel


def test_loading_the_model_is_shown_with_a_ticking_clock(qtbot, open_window, tiny_model, monkeypatch):
    from desktop.engine.engine import Engine

    release = threading.Event()
    real_load = Engine.load

    def slow_load(self, *args, **kwargs):
        release.wait(60)  # a big model on a busy CPU
        return real_load(self, *args, **kwargs)

    monkeypatch.setattr(Engine, "load", slow_load)
    window = open_window(tiny_model)
    try:
        qtbot.waitUntil(lambda: bar(window).startswith("Loading txt2img…"), timeout=JOB_TIMEOUT)
        qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bar(window).startswith("Loading txt2img… · 0:02 elapsed"), timeout=10_000)
    finally:
        release.set()
    wait_idle(qtbot, window)
    assert bar(window) == "Done." and len(window.store.items()) == 1


def fast_window(qtbot, window, answer):
    questions = []
    window.ask = lambda title, text: questions.append(text) or answer
    qtbot.waitUntil(lambda: window.models.family is not None, timeout=JOB_TIMEOUT)
    qtbot.mouseClick(window.brief.fast_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    return questions


def test_a_failed_fast_download_ends_the_job_with_the_reason_after_one_question(qtbot, window):
    questions = fast_window(qtbot, window, answer=True)  # offline: the download fails
    assert len(questions) == 1, questions
    assert "LCM-LoRA" in questions[0] and "TAESD" in questions[0] and "Together they need" in questions[0]
    assert bar(window) == "Not started." and not window.run_panel.cancel_button.isEnabled()
    offline = [notice for notice in window.notices.items() if "offline" in notice.text]
    assert len(offline) == 1 and offline[0].level == n.ERROR, window.notices.text()
    assert window.store.items() == []


def test_a_refused_fast_download_ends_the_job_and_says_so(qtbot, window):
    questions = fast_window(qtbot, window, answer=False)
    assert len(questions) == 1
    assert bar(window) == "Not started: the download was declined."
    assert not window.files_host.downloading and window.store.items() == []


def test_closing_while_a_logo_is_made_asks_first(qtbot, window, held_step):
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar(window).startswith("step 1/"), timeout=JOB_TIMEOUT)
    questions = []
    window.ask = lambda title, text: questions.append(text) or False  # "No": keep working
    window.close()
    assert len(questions) == 1 and "A logo is being made — quit anyway?" in questions[0]
    assert window.isVisible() and window.jobs.running
    held_step.set()
    wait_idle(qtbot, window)
    assert len(window.store.items()) == 1  # the job went on to the end
    thread = window.host.thread
    window.close()  # nothing running: no question
    assert len(questions) == 1 and not window.isVisible() and thread.isFinished()


def test_a_job_waiting_in_a_servers_queue_says_its_place_until_its_first_step(qtbot, window, monkeypatch):
    from desktop.remote.engine import RemoteProgress

    release = threading.Event()
    real_run_job = desktop.jobs.run_job

    def run_job(*args, on_progress=None, **kwargs):  # as the ComfyUI engine reports a queued job
        on_progress(RemoteProgress(0, 1, 0, 4, None, "Waiting on gpu-pc: 2 jobs ahead in its queue"))
        release.wait(60)
        return real_run_job(*args, on_progress=on_progress, **kwargs)

    monkeypatch.setattr(desktop.jobs, "run_job", run_job)
    try:
        qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: bar(window).startswith("Waiting on gpu-pc: 2 jobs ahead in its queue"), timeout=JOB_TIMEOUT
        )
    finally:
        release.set()
    wait_idle(qtbot, window)
    assert bar(window) == "Done." and len(window.store.items()) == 1
