"""The guide in the window (issue 20): the sketch layer on the canvas (pen, eraser, its own undo,
clear, an opened or dropped picture), the Guide panel (kind, ControlNet, strength, follow until,
detail, preview, messages), the guide reaching the submitted job, and Reuse settings bringing it
back. The model is not on this computer: nothing here runs a job, submissions are caught."""

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from test_window import stroke

from desktop import guides
from desktop.params import GenerationParams, Guide
from desktop.state import notices as n

MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"  # not on this computer: the window opens without a model
CONTROLNET = "lllyasviel/control_v11p_sd15_scribble"
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(open_window):
    window = open_window(MODEL, size=(1366, 768))
    window.canvas_panel.canvas.set_blank(256, 256)
    return window


@pytest.fixture
def submitted(window, monkeypatch):
    """The jobs the window submits (caught before the download gate)."""
    jobs = []
    monkeypatch.setattr(window.jobs, "submit", jobs.append)
    return jobs


def ink(picture: Image.Image) -> np.ndarray:
    """Where ``picture`` has dark lines (True)."""
    return np.asarray(picture.convert("L")) < 128


def draw_sketch(qtbot, window, points=((40, 128), (128, 128), (216, 128))):
    qtbot.keyClick(window.canvas_panel.canvas, Qt.Key.Key_S)  # Draw the sketch
    stroke(qtbot, window.canvas_panel.canvas, list(points))


def test_the_pen_draws_on_the_sketch_layer_and_never_on_the_mask(qtbot, window):
    panel, canvas = window.canvas_panel, window.canvas_panel.canvas
    assert canvas.layer == "mask" and not window.request.guide_on
    qtbot.keyClick(canvas, Qt.Key.Key_S)
    assert canvas.layer == "sketch" and panel.sketch_layer_button.isChecked()
    assert panel.brush_button.text() == "Pen" and panel.brush_size_spin.value() == panel.sketch.pen_size
    panel.brush_size_spin.setValue(10)
    stroke(qtbot, canvas, [(40, 128), (128, 128), (216, 128)])
    drawn = ink(panel.sketch.picture())
    assert drawn[128, 40:216].all() and drawn[124:133, 128].all()
    assert not drawn[20, 20] and not drawn[200, 128]
    assert canvas.mask().getextrema() == (0, 0)  # the mask is untouched
    assert window.request.guide_on  # the first line drawn turns the guide on
    assert np.array_equal(ink(window.guide.picture), drawn) and not window.guide.empty

    qtbot.keyClick(canvas, Qt.Key.Key_M)  # back to the mask: its own brush size
    assert canvas.layer == "mask" and panel.brush_size_spin.value() == canvas.brush_size
    stroke(qtbot, canvas, [(128, 40), (128, 216)])
    assert np.asarray(canvas.mask())[100, 128] == 255
    assert np.array_equal(ink(panel.sketch.picture()), drawn)  # the sketch is untouched


def test_sketch_undo_redo_eraser_and_clear_are_its_own(qtbot, window):
    panel, canvas = window.canvas_panel, window.canvas_panel.canvas
    draw_sketch(qtbot, window)
    drawn = np.asarray(panel.sketch.picture())
    qtbot.keyClick(canvas, Qt.Key.Key_M)
    stroke(qtbot, canvas, [(128, 40), (128, 216)])
    mask = np.asarray(canvas.mask())
    qtbot.keyClick(canvas, Qt.Key.Key_S)

    qtbot.keyClick(canvas, Qt.Key.Key_Z, CTRL)  # undoes the sketch's stroke, not the mask's
    assert panel.sketch.is_empty() and not ink(panel.sketch.picture()).any()
    assert np.array_equal(np.asarray(canvas.mask()), mask)
    assert window.guide.empty
    qtbot.keyClick(canvas, Qt.Key.Key_Z, CTRL | SHIFT)
    assert np.array_equal(np.asarray(panel.sketch.picture()), drawn)

    panel.set_tool("eraser")
    stroke(qtbot, canvas, [(128, 100), (128, 160)])
    erased = ink(panel.sketch.picture())
    assert not erased[128, 128] and erased[128, 50]
    panel.undo_button.click()
    assert np.array_equal(np.asarray(panel.sketch.picture()), drawn)

    panel.clear_layer()
    assert panel.sketch.is_empty() and np.asarray(canvas.mask())[100, 128] == 255
    panel.undo_button.click()
    assert np.array_equal(np.asarray(panel.sketch.picture()), drawn)

    qtbot.keyClick(canvas, Qt.Key.Key_M)  # the mask's history is still whole
    qtbot.keyClick(canvas, Qt.Key.Key_Z, CTRL)
    assert canvas.mask().getextrema() == (0, 0)
    assert np.array_equal(np.asarray(panel.sketch.picture()), drawn)


def letter_picture(path, size=(200, 120)):
    picture = Image.new("RGB", size, "white")
    ImageDraw.Draw(picture).rectangle((50, 30, 150, 90), outline="black", width=6)
    picture.save(path)
    return picture


def test_an_opened_or_dropped_picture_becomes_the_guide_with_a_preview(qtbot, window, tmp_path):
    path = tmp_path / "mark.png"
    picture = letter_picture(path)
    window.actions.open_guide_file(str(path))
    panel, guide_panel = window.canvas_panel, window.guide_panel
    assert window.request.guide_on and panel.canvas.layer == "sketch"
    assert np.array_equal(np.asarray(panel.sketch.picture()), np.asarray(picture))
    assert panel.canvas.image().size == (256, 256)  # the canvas image is not replaced
    window.request.choose_guide_kind(guides.EDGES)
    assert (window.request.guide_strength, window.request.guide_end) == guides.DEFAULTS[guides.EDGES]
    assert guide_panel.detail_slider.isVisible()
    guide_panel.refresh_preview()
    assert not guide_panel.preview_label.pixmap().isNull()
    assert "scaled" in guide_panel.message_label.text()  # 200×120 fitted into the 64×64 job, said

    panel.undo_button.click()  # opening is one undoable step
    assert panel.sketch.is_empty()

    other = tmp_path / "other.png"
    Image.new("RGB", (80, 80), "white").save(other)
    ImageDraw.Draw(dropped := Image.open(other).convert("RGB")).line((0, 40, 80, 40), fill="black", width=4)
    dropped.save(other)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    canvas = panel.canvas
    position = canvas.rect().center()
    enter = QDragEnterEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, enter)
    drop = QDropEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, drop)
    assert np.array_equal(np.asarray(panel.sketch.picture()), np.asarray(dropped))
    assert canvas.image().size == (256, 256)  # dropped on the sketch layer: the guide, not the canvas image


def test_a_broken_guide_file_says_so(window, tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"not a picture")
    window.actions.open_guide_file(str(path))
    assert window.notices.get(n.FILES).level == n.ERROR and window.canvas_panel.sketch.is_empty()


def test_an_empty_sketch_is_said_in_the_panel_and_generate_starts_nothing(qtbot, window, submitted):
    window.guide_panel.on_check.click()
    assert window.request.guide_on and window.guide_panel.body.isVisible()
    window.guide_panel.refresh_preview()
    assert window.guide_panel.message_label.text().startswith("The sketch is empty")
    window.request.set("guide_model", CONTROLNET)
    window.actions.generate()
    assert not submitted
    assert window.notices.get(n.INPUT).text.startswith("The sketch is empty")


def test_a_guide_needs_a_controlnet_model(qtbot, window, submitted):
    draw_sketch(qtbot, window)
    window.request.set("guide_model", "")
    window.actions.generate()
    assert not submitted and "ControlNet" in window.notices.get(n.INPUT).text


def test_flux_says_it_has_no_controlnet_in_the_panel(qtbot, window):
    from types import SimpleNamespace

    draw_sketch(qtbot, window)
    window.guide_panel.set_family(SimpleNamespace(name="flux"))
    window.guide_panel.refresh_preview()
    assert "FLUX.1 has no ControlNet" in window.guide_panel.message_label.text()
    assert window.guide_panel.preview_label.pixmap().isNull()


def test_the_guide_reaches_the_submitted_job(qtbot, window, submitted):
    draw_sketch(qtbot, window)
    request = window.request
    request.set("guide_model", CONTROLNET)
    window.guide_panel.strength_slider.setValue(65)
    window.guide_panel.end_slider.setValue(50)
    window.actions.generate()
    (job,) = submitted
    assert job.params.guide == Guide("sketch", CONTROLNET, 0.65, 0.0, 0.5, 0.5)
    assert np.array_equal(np.asarray(job.guide), np.asarray(window.canvas_panel.sketch.picture()))
    assert ink(job.guide)[128, 100]

    request.set("guide_on", False)  # off: no guide, no picture
    window.actions.generate()
    assert submitted[1].params.guide is None and submitted[1].guide is None


def test_reuse_settings_brings_the_guide_back(qtbot, window):
    picture = Image.new("RGB", (64, 64), "white")
    ImageDraw.Draw(picture).ellipse((10, 10, 54, 54), outline="black", width=3)
    guide = Guide("lineart", "some/controlnet-lineart", 1.1, 0.0, 0.6, 0.5)
    params = GenerationParams("owl", seed=3, width=64, height=64, guide=guide)
    item = window.store.add(Image.new("RGB", (64, 64), "teal"), params, guide=picture)
    window.actions.reuse_parameters(item)
    request = window.request
    assert request.guide_on and request.guide() == guide
    assert window.guide_panel.kind_combo.currentData() == "lineart"
    assert window.guide_panel.model_combo.currentText() == "some/controlnet-lineart"
    assert window.guide_panel.strength_value.text() == "1.10" and window.guide_panel.end_value.text() == "60%"
    assert np.array_equal(np.asarray(window.canvas_panel.sketch.picture()), np.asarray(picture))

    plain = window.store.add(Image.new("RGB", (64, 64), "teal"), GenerationParams("owl", seed=4))
    window.actions.reuse_parameters(plain)
    assert not request.guide_on  # an image made without a guide: the guide is off


def test_pen_size_and_the_guide_settings_survive_a_restart(qtbot, open_window):
    window = open_window(MODEL)
    window.canvas_panel.set_layer("sketch")
    window.canvas_panel.brush_size_spin.setValue(14)
    window.request.choose_guide_kind(guides.EDGES)
    window.guide_panel.strength_slider.setValue(120)
    window.close()
    again = open_window(MODEL)
    assert again.canvas_panel.sketch.pen_size == 14 and again.canvas_panel.canvas.brush_size == 32
    assert again.request.guide_kind == guides.EDGES and again.request.guide_strength == 1.2
    assert again.guide_panel.kind_combo.currentData() == guides.EDGES
    assert not again.request.guide_on  # the picture is not kept, so the guide starts off


def test_a_result_on_the_canvas_shows_the_sketch_faintly_over_it(qtbot, window):
    panel, canvas = window.canvas_panel, window.canvas_panel.canvas
    draw_sketch(qtbot, window)
    drawn = np.asarray(panel.sketch.picture())
    panel.show_image(Image.new("RGB", (256, 256), "orange"))  # as when a result arrives
    assert canvas.layer == "mask" and np.array_equal(np.asarray(panel.sketch.picture()), drawn)
    shown = canvas.grab().toImage()
    on_line, off_line = shown.pixelColor(canvas.widget_point(128, 128)), shown.pixelColor(canvas.widget_point(128, 60))
    assert off_line.getRgb()[:3] == (255, 165, 0)
    assert 0 < on_line.red() < 255 and on_line.getRgb()[:3] != (255, 165, 0)  # faint: darker, not black
    window.request.set("guide_on", False)  # off: the sketch is not shown over the image
    shown = canvas.grab().toImage()
    assert shown.pixelColor(canvas.widget_point(128, 128)).getRgb()[:3] == (255, 165, 0)


def test_line_art_from_a_photo_is_previewed_without_the_paper(qtbot, window, tmp_path):
    shade = np.linspace(150, 235, 160, dtype=np.uint8)  # paper lit unevenly, darker on the left
    photo = Image.fromarray(np.tile(shade, (120, 1)), "L").convert("RGB")
    ImageDraw.Draw(photo).line((20, 60, 140, 60), fill=(40, 40, 40), width=3)
    path = tmp_path / "photo.jpg"
    photo.save(path, quality=95)
    window.actions.open_guide_file(str(path))
    window.guide_panel.kind_combo.setCurrentIndex(window.guide_panel.kind_combo.findData(guides.LINEART))
    window.guide_panel.kind_combo.activated.emit(window.guide_panel.kind_combo.currentIndex())
    assert (window.request.guide_kind, window.request.guide_strength) == (guides.LINEART, guides.DEFAULTS["lineart"][0])
    window.request.set("width", 160)
    window.request.set("height", 120)
    window.guide_panel.refresh_preview()
    assert window.guide_panel.message_label.text().startswith("The pen lines found in the photo")
    seen = window.guide_panel.preview_label.pixmap().toImage()
    middle_row = [seen.pixelColor(x, seen.height() // 2).red() for x in range(10, seen.width() - 10)]
    top_row = [seen.pixelColor(x, 5).red() for x in range(seen.width())]
    assert max(middle_row) > 200 and max(top_row) < 60  # the pen line kept, the shaded paper gone
