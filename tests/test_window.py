"""The real window, driven like a user would: typing, clicking, painting, waiting for results."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from desktop.app import build_window
from desktop.metadata import png_info, read_params
from desktop.params import GenerationParams
from desktop.ui.export_dialog import ExportDialog

JOB_TIMEOUT = 90_000


@pytest.fixture
def make_window(qtbot, tmp_path, tiny_model):
    def make(model=None, config="config"):
        window = build_window(
            tmp_path / "gallery", model=model or str(tiny_model), device="cpu", config_dir=tmp_path / config
        )
        qtbot.addWidget(window)
        window.show()
        window.advanced.width_spin.setValue(64)
        window.advanced.height_spin.setValue(64)
        window.advanced.steps_spin.setValue(2)
        return window

    return make


@pytest.fixture
def window(make_window):
    return make_window()


def wait_idle(qtbot, window):
    qtbot.waitUntil(
        lambda: not window.host.pending and not window.run_panel.cancel_button.isEnabled(), timeout=JOB_TIMEOUT
    )


def generate(qtbot, window, prompt="fox logo"):
    window.brief.prompt_edit.setPlainText("")
    qtbot.keyClicks(window.brief.prompt_edit, prompt)
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)


def stroke(qtbot, canvas, points):
    """A real mouse stroke through image-pixel ``points``."""
    first = canvas.widget_point(*points[0])
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=first)
    for point in points[1:]:
        # QTest.mouseMove sends no buttons, so send the move event with the left button held.
        from PySide6.QtGui import QMouseEvent

        position = QPointF(canvas.widget_point(*point))
        event = QMouseEvent(
            QMouseEvent.Type.MouseMove,
            position,
            canvas.mapToGlobal(position),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(canvas, event)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas.widget_point(*points[-1]))


def test_key_widgets_have_stable_object_names(window):
    from PySide6.QtWidgets import QWidget

    for name in (
        "promptEdit",
        "negativePromptEdit",
        "paletteWidget",
        "seedSpin",
        "stepsSpin",
        "guidanceSpin",
        "widthSpin",
        "heightSpin",
        "batchSpin",
        "schedulerCombo",
        "modelCombo",
        "generateButton",
        "cancelButton",
        "progressBar",
        "previewLabel",
        "maskCanvas",
        "brushSizeSpin",
        "galleryView",
        "exportButton",
    ):
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName() or widget.toolTip(), name


def test_typing_a_prompt_and_clicking_generate_adds_a_saved_logo(qtbot, window):
    window.brief.palette_widget.set_palette(["#ff6600"], "#ffffff")
    generate(qtbot, window, "fox logo")
    assert window.gallery_panel.gallery_view.count() == 1
    [item] = window.store.items()
    with Image.open(item.path) as saved:
        params = read_params(saved)
        assert saved.size == (64, 64)
    assert params.prompt == "fox logo" and params.steps == 2 and params.colors == ("#ff6600",)
    assert window.advanced.seed_spin.text() == "random"  # a random seed is shown as such, not as 0
    assert window.request.last_seed == params.seed
    assert f"seed {params.seed}" in window.gallery_panel.gallery_view.item(0).text()
    assert window.canvas_panel.canvas.image().tobytes() == Image.open(item.path).convert("RGB").tobytes()
    assert window.run_panel.progress_bar.format() == "Done."
    assert not window.notices.text("error")


def test_ctrl_enter_in_the_prompt_generates_a_batch(qtbot, window):
    window.advanced.batch_spin.setValue(2)
    window.advanced.seed_lock.setChecked(True)
    window.advanced.seed_spin.setValue(100)
    qtbot.keyClicks(window.brief.prompt_edit, "owl emblem")
    qtbot.keyClick(window.brief.prompt_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert window.brief.prompt_edit.toPlainText() == "owl emblem"  # no newline typed
    assert sorted(item.params.seed for item in window.store.items()) == [100, 101]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda w: w.brief.prompt_edit.setPlainText("  "), "the prompt is empty"),
        (lambda w: w.advanced.width_spin.setValue(500), "Width must be a multiple of 8, not 500"),
    ],
)
def test_invalid_input_shows_a_specific_message_and_starts_nothing(qtbot, window, setup, message):
    window.brief.prompt_edit.setPlainText("fox")
    setup(window)
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    assert bool(window.notices.text("error"))
    assert message in window.notices.text("error")
    assert not window.host.pending and window.store.items() == []


def test_painting_a_stroke_sets_mask_pixels_and_undo_redo_invert_work(qtbot, window):
    canvas = window.canvas_panel.canvas
    canvas.set_blank(256, 256)
    window.canvas_panel.brush_size_spin.setValue(20)
    stroke(qtbot, canvas, [(40, 128), (120, 128), (200, 128)])
    mask = np.asarray(canvas.mask())
    assert mask[128, 40:200].min() == 255
    assert mask[120:137, 120].min() == 255
    assert mask[20, 20] == 0 and mask[200, 128] == 0
    assert window.canvas_panel.inpaint_button.isEnabled()

    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert canvas.mask().getextrema() == (0, 0)
    assert not window.canvas_panel.inpaint_button.isEnabled()
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert np.array_equal(np.asarray(canvas.mask()), mask)

    window.canvas_panel.set_tool("eraser")
    stroke(qtbot, canvas, [(120, 100), (120, 160)])
    erased = np.asarray(canvas.mask())
    assert erased[128, 120] == 0 and erased[128, 50] == 255

    qtbot.keyClick(canvas, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    inverted = np.asarray(canvas.mask())
    assert np.array_equal(inverted, 255 - erased)
    canvas.clear_mask()
    assert canvas.mask().getextrema() == (0, 0)
    canvas.undo_stack.undo()
    assert np.array_equal(np.asarray(canvas.mask()), inverted)


def test_bracket_keys_change_the_brush_size(qtbot, window):
    window.canvas_panel.brush_size_spin.setValue(30)
    window.canvas_panel.canvas.setFocus()
    qtbot.keyClick(window.canvas_panel.canvas, Qt.Key.Key_BracketRight)
    assert window.canvas_panel.brush_size_spin.value() == 36
    qtbot.keyClick(window.canvas_panel.canvas, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(window.canvas_panel.canvas, Qt.Key.Key_BracketLeft)
    assert window.canvas_panel.brush_size_spin.value() < 30
    assert window.canvas_panel.canvas.brush_size == window.canvas_panel.brush_size_spin.value()


def test_inpainting_makes_a_linked_new_item_and_keeps_unmasked_pixels(qtbot, window):
    generate(qtbot, window, "fox logo")
    [original] = window.store.items()
    original_bytes = original.path.read_bytes()
    window.canvas_panel.feather_spin.setValue(2)
    window.canvas_panel.brush_size_spin.setValue(12)
    stroke(qtbot, window.canvas_panel.canvas, [(20, 32), (44, 32)])
    mask = window.canvas_panel.canvas.mask()
    qtbot.mouseClick(window.canvas_panel.inpaint_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)

    assert not window.notices.text("error"), window.notices.text("error")
    result = next(item for item in window.store.items() if item.id != original.id)
    assert result.parent_id == original.id and result.params.mode == "inpaint"
    assert original.path.read_bytes() == original_bytes  # never overwritten
    from diffusers.image_processor import VaeImageProcessor

    feathered = np.asarray(VaeImageProcessor.blur(mask, 2))
    before = np.asarray(Image.open(original.path).convert("RGB"))
    after = np.asarray(Image.open(result.path).convert("RGB"))
    assert np.array_equal(after[feathered == 0], before[feathered == 0])
    assert (after[feathered == 255] != before[feathered == 255]).any()


def test_cancel_mid_run_ends_the_job_and_saves_nothing(qtbot, window):
    window.advanced.steps_spin.setValue(150)
    window.brief.prompt_edit.setPlainText("slow fox")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.run_panel.progress_bar.format().startswith("step 3/"), timeout=JOB_TIMEOUT)
    with qtbot.waitSignal(window.worker.jobCancelled, timeout=JOB_TIMEOUT):
        qtbot.mouseClick(window.run_panel.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert window.store.items() == []
    assert window.run_panel.progress_bar.format() == "Cancelled."
    window.advanced.steps_spin.setValue(2)  # not 150 again: on a busy machine that outlasts the wait
    generate(qtbot, window, "after cancel")  # the worker is ready for the next job
    assert len(window.store.items()) == 1


def test_closing_the_window_mid_generation_stops_the_worker(qtbot, window):
    window.advanced.steps_spin.setValue(150)
    window.brief.prompt_edit.setPlainText("slow fox")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.run_panel.progress_bar.format().startswith("step "), timeout=JOB_TIMEOUT)
    thread = window.host.thread
    window.ask = lambda title, text: True  # "A logo is being made — quit anyway?" Yes
    window.close()
    assert thread.isFinished()
    assert window.store.items() == []


def test_export_writes_the_chosen_size_with_metadata_and_never_overwrites_silently(
    qtbot, window, tmp_path, monkeypatch
):
    generate(qtbot, window, "Fox Logo, flat!")
    window.gallery_panel.gallery_view.setCurrentRow(0)
    qtbot.mouseClick(window.gallery_panel.export_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.path_edit.text().endswith("fox-logo-flat.png")
    target = tmp_path / "exports" / "fox.png"
    dialog.path_edit.setText(str(target))
    dialog.size_combo.setCurrentIndex(dialog.size_combo.findData(256))
    dialog.export()
    with Image.open(target) as exported:
        assert exported.size == (256, 256)
        assert read_params(exported).prompt == "Fox Logo, flat!"

    second = ExportDialog(window.gallery_panel.gallery_view.selected_item(), window.settings, window)
    assert second.path_edit.text() == str(target.parent / "fox-logo-flat.png")  # the folder is remembered
    assert second.size_combo.currentData() == 256
    second.path_edit.setText(str(target))
    before = target.read_bytes()
    monkeypatch.setattr(second, "confirm_overwrite", lambda path: False)
    second.size_combo.setCurrentIndex(0)
    second.export()
    assert target.read_bytes() == before


def test_settings_survive_a_restart(qtbot, make_window, tmp_path):
    first = make_window()
    first.brief.prompt_edit.setPlainText("remembered fox")
    first.advanced.negative_edit.setPlainText("text")
    first.brief.palette_widget.set_palette(["#112233", "#ff6600"], "#ffffff")
    first.advanced.steps_spin.setValue(7)
    first.advanced.scheduler_combo.setCurrentText("Euler a")
    first.advanced.seed_lock.setChecked(True)
    first.advanced.seed_spin.setValue(1234)
    first.canvas_panel.brush_size_spin.setValue(55)
    first.close()

    second = build_window(tmp_path / "gallery", device="cpu", config_dir=tmp_path / "config")
    qtbot.addWidget(second)
    assert second.brief.prompt_edit.toPlainText() == "remembered fox"
    assert second.advanced.negative_edit.toPlainText() == "text"
    assert (
        second.brief.palette_widget.colors == ["#112233", "#ff6600"]
        and second.brief.palette_widget.background == "#ffffff"
    )
    assert (second.advanced.steps_spin.value(), second.advanced.width_spin.value()) == (7, 64)
    assert second.advanced.scheduler_combo.currentText() == "Euler a"
    assert second.advanced.seed_lock.isChecked() and int(second.advanced.seed_spin.value()) == 1234
    assert second.canvas_panel.brush_size_spin.value() == 55
    assert second.current_model() == first.current_model()


def test_dropping_our_png_offers_to_restore_its_parameters(qtbot, window, tmp_path, monkeypatch):
    params = GenerationParams("dropped owl", seed=77, steps=9, width=64, height=64, scheduler="DDIM")
    path = tmp_path / "owl.png"
    Image.new("RGB", (64, 64), "teal").save(path, pnginfo=png_info(params))
    questions = []
    monkeypatch.setattr(window, "ask", lambda title, text: questions.append(text) or True)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    position = window.canvas_panel.canvas.rect().center()  # a QPoint: the constructor every PySide6 6.x takes
    enter = QDragEnterEvent(
        position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window.canvas_panel.canvas, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window.canvas_panel.canvas, drop)
    assert window.canvas_panel.canvas.image().getpixel((5, 5)) == (0, 128, 128)
    assert questions and "owl.png" in questions[0]
    assert window.brief.prompt_edit.toPlainText() == "dropped owl"
    assert (window.advanced.steps_spin.value(), int(window.advanced.seed_spin.value())) == (9, 77)
    assert window.advanced.scheduler_combo.currentText() == "DDIM"


def test_opening_a_broken_file_says_so(window, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    window.actions.open_image_file(str(broken))
    assert "broken.png is not a readable image" in window.notices.text("error")


def test_delete_from_the_gallery_can_be_undone(qtbot, window):
    generate(qtbot, window, "keep me")
    [item] = window.store.items()
    window.gallery_panel.gallery_view.setCurrentRow(0)
    window.gallery_panel.gallery_view.setFocus()
    qtbot.keyClick(window.gallery_panel.gallery_view, Qt.Key.Key_Delete)
    assert window.gallery_panel.gallery_view.count() == 0 and not item.path.exists()
    assert window.undo_delete_button.isVisible()
    qtbot.mouseClick(window.undo_delete_button, Qt.MouseButton.LeftButton)
    assert window.gallery_panel.gallery_view.count() == 1 and item.path.exists()


def test_gallery_search_and_reuse_parameters(qtbot, window):
    generate(qtbot, window, "red fox")
    generate(qtbot, window, "blue whale")
    qtbot.keyClicks(window.gallery_panel.search_edit, "whale")
    assert window.gallery_panel.gallery_view.count() == 1
    window.gallery_panel.gallery_view.setCurrentRow(0)
    item = window.gallery_panel.gallery_view.selected_item()
    window.brief.prompt_edit.setPlainText("something else")
    window.request.apply(item.params)
    assert window.brief.prompt_edit.toPlainText() == "blue whale"
    window.actions.reuse_seed(item)
    assert window.advanced.seed_lock.isChecked() and int(window.advanced.seed_spin.value()) == item.params.seed


def test_style_preset_rewrites_the_prompt_keeping_the_subject(window):
    window.brief.prompt_edit.setPlainText("fox head")
    window.brief.style_combo.setCurrentIndex(1)
    window.brief.style_combo.activated.emit(1)
    first = window.brief.prompt_edit.toPlainText()
    assert first.startswith("fox head, ") and "flat vector" in first
    assert "text" in window.advanced.negative_edit.toPlainText()
    window.brief.style_combo.activated.emit(2)
    second = window.brief.prompt_edit.toPlainText()
    assert second.startswith("fox head, ") and "emblem" in second and "flat vector" not in second


def test_without_a_model_the_window_opens_and_explains_how_to_get_one(qtbot, make_window, monkeypatch):
    window = make_window(model="someone/not-downloaded")
    qtbot.waitUntil(lambda: bool(window.notices.text()), timeout=30_000)
    assert "someone/not-downloaded is not on this computer yet" in window.notices.text()
    asked = []
    monkeypatch.setattr(window, "ask", lambda title, text: asked.append(text) or False)
    window.brief.prompt_edit.setPlainText("fox")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    assert asked and "not on this computer yet" in asked[0]
    assert not window.host.pending  # nothing downloads without consent


def test_a_failing_job_shows_a_readable_message(qtbot, make_window, tmp_path):
    checkpoint = tmp_path / "model.ckpt"
    checkpoint.write_bytes(b"x")
    window = make_window(model=str(checkpoint))
    window.brief.prompt_edit.setPlainText("fox")
    qtbot.mouseClick(window.run_panel.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert "pickle format that can run arbitrary code" in window.notices.text("error")
    assert "Traceback" not in window.notices.text("error")


def test_device_is_shown_in_the_status_bar_and_a_choice_is_explained_and_remembered(qtbot, window, tmp_path):
    qtbot.waitUntil(lambda: "CPU" in window.device_label.text(), timeout=30_000)
    window.advanced.device_combo.setCurrentIndex(window.advanced.device_combo.findData("cuda"))
    window.advanced.device_combo.activated.emit(window.advanced.device_combo.currentIndex())
    qtbot.waitUntil(lambda: "no NVIDIA GPU" in window.notices.text("error"), timeout=30_000)
    assert window.settings.value("device/preference") == "cuda"
    window.advanced.device_combo.setCurrentIndex(window.advanced.device_combo.findData("cpu"))
    window.advanced.device_combo.activated.emit(window.advanced.device_combo.currentIndex())
    qtbot.waitUntil(lambda: "CPU" in window.device_label.text(), timeout=30_000)
    generate(qtbot, window, "after switching")
    assert len(window.store.items()) == 1


def test_paths_are_under_the_test_data_dir(window, tmp_path):
    assert Path(window.store.root) == tmp_path / "gallery"
    assert Path(window.settings.fileName()).parent == tmp_path / "config"


def test_logo_files_from_the_gallery_preview_and_export(qtbot, window, tmp_path, monkeypatch):
    from test_logo import two_colour_mark

    from desktop.ui.logo_export_dialog import LogoExportDialog

    params = GenerationParams(
        "Fox mark", colors=("#e02020", "#1b2a4a"), background="#ffffff", seed=5, width=128, height=128
    )
    window.store.add(two_colour_mark(), params)
    window.gallery.refresh()
    window.gallery_panel.gallery_view.setCurrentRow(0)
    qtbot.mouseClick(window.gallery_panel.logo_files_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(LogoExportDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.transparent, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.palette_lock, Qt.MouseButton.LeftButton)
    dialog.svg.setChecked(True)
    dialog.icon_set.setChecked(True)
    dialog.wordmark.setChecked(True)
    qtbot.keyClicks(dialog.brand_edit, "Foxly")
    dialog.backdrop.setCurrentIndex(dialog.backdrop.findData("dark"))
    dialog.refresh_preview()
    preview = dialog.preview.pixmap().toImage()
    assert preview.pixelColor(3, preview.height() // 2).name() == "#1e1e1e"  # transparent corner over dark
    assert dialog.message.text().startswith("The image is only 128×128 px")  # a warning, no error
    out = tmp_path / "logo-files"
    dialog.folder_edit.setText(str(out))
    written = []
    dialog.exported.connect(written.extend)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert (out / "fox-mark.svg").exists() and (out / "fox-mark-icons" / "favicon.ico").exists()
    assert (out / "fox-mark-wordmark-horizontal.png").exists() and len(written) == 16
    with Image.open(out / "fox-mark.png") as image:
        assert image.mode == "RGBA" and read_params(image) == params

    again = LogoExportDialog(window.gallery_panel.gallery_view.selected_item(), window.settings, window)
    assert again.folder_edit.text() == str(out) and again.brand_edit.text() == "Foxly"
    again.svg.setChecked(True)
    monkeypatch.setattr(again, "confirm_replace", lambda message: False)
    before = (out / "fox-mark.svg").read_bytes()
    again.export()
    assert "already exist" in again.message.text()
    assert (out / "fox-mark.svg").read_bytes() == before


def test_logo_files_for_a_busy_image_explain_the_missing_background(qtbot, window):
    from desktop.ui.logo_export_dialog import LogoExportDialog

    generate(qtbot, window, "noise")  # the tiny model paints noise: no flat background
    window.gallery_panel.gallery_view.setCurrentRow(0)
    dialog = LogoExportDialog(window.gallery_panel.gallery_view.selected_item(), window.settings, window)
    dialog.transparent.setChecked(True)
    dialog.refresh_preview()
    assert "No flat colours found" in dialog.message.text()  # noise is not a logo


def test_more_like_this_and_upscale_make_linked_items(qtbot, window):
    window.advanced.steps_spin.setValue(4)
    generate(qtbot, window, "fox logo")
    [original] = window.store.items()
    window.gallery_panel.gallery_view.setCurrentRow(0)
    window.advanced.variation_spin.setValue(0.5)
    qtbot.mouseClick(window.gallery_panel.vary_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    window.gallery_panel.gallery_view.select(original.id)
    qtbot.mouseClick(window.gallery_panel.upscale_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert not window.notices.text("error"), window.notices.text("error")
    children = [item for item in window.store.items() if item.parent_id == original.id]
    modes = sorted((item.params.strength, item.params.width) for item in children)
    assert modes == [(0.3, 128), (0.5, 64)]
    assert all(item.params.mode == "img2img" for item in children)
