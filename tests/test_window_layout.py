"""The redesigned window as a new user meets it: it fits a 1366×768 laptop, the brief comes first,
notices never hide Generate, the gallery and canvas say what to do first, and delete, seeds, export
names and remembered options behave as a polished app's do."""

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget
from test_window import generate, wait_idle

from desktop.app import build_window
from desktop.params import GenerationParams
from desktop.state import notices as n

KEY_CONTROLS = (
    "promptEdit",
    "brandNameEdit",
    "styleCombo",
    "paletteWidget",
    "qualityRadio",
    "fastRadio",
    "advancedToggle",
    "generateButton",
    "cancelButton",
    "progressBar",
    "maskCanvas",
    "brushSizeSpin",
    "inpaintButton",
    "featherSpin",
    "paddingSpin",
    "gallerySearch",
    "moreLikeThisButton",
    "upscaleButton",
    "exportButton",
    "logoExportButton",
    "brandKitButton",
    "trashButton",
    "deviceLabel",
)


@pytest.fixture
def open_window(qtbot, tmp_path, tiny_model):
    def make(config="config"):
        window = build_window(tmp_path / "gallery", model=str(tiny_model), device="cpu", config_dir=tmp_path / config)
        qtbot.addWidget(window)
        window.show()
        for field, value in (("width", 64), ("height", 64), ("steps", 2)):
            window.request.set(field, value)
        return window

    return make


def reachable(window, name: str) -> bool:
    widget = window.findChild(QWidget, name)
    if widget is None or not widget.isVisible():
        return False
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


@pytest.mark.parametrize("size", [(1366, 700), (1280, 680)])
def test_every_control_is_on_screen_on_a_small_laptop(qtbot, open_window, size):
    window = open_window()
    window.resize(*size)  # 1366×768 less the title and task bars
    qtbot.waitUntil(lambda: window.size().width() == size[0])
    assert window.minimumSizeHint().width() <= size[0] and window.minimumSizeHint().height() <= size[1]
    missing = [name for name in KEY_CONTROLS if not reachable(window, name)]
    assert missing == []
    window.advanced.set_open(True)  # Advanced scrolls inside the left column; Generate stays
    assert reachable(window, "generateButton") and reachable(window, "progressBar")


def test_notices_never_push_generate_out_of_view_and_can_be_dismissed(qtbot, open_window):
    window = open_window()
    window.resize(1366, 700)
    for subject in (n.INPUT, n.JOB, n.MODEL, n.DOWNLOAD, n.FILES):
        window.notices.set(subject, f"A long notice about {subject}. " * 8, n.ERROR)
    window.notices.set(n.JOB, "A newer notice about the job replaces the old one.", n.WARNING)
    assert window.notices.text().count("about job") == 0 and len(window.notices.items()) == 5
    assert reachable(window, "generateButton") and reachable(window, "inpaintButton")
    close = window.notices_panel.findChildren(QWidget, "")  # the × buttons
    buttons = [w for w in close if getattr(w, "accessibleName", lambda: "")() == "Dismiss"]
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert len(window.notices.items()) == 4


def test_empty_canvas_and_gallery_say_what_to_do_first(open_window):
    window = open_window()
    assert "press Generate" in window.canvas_panel.canvas.hint
    assert window.gallery_panel.stack.currentWidget() is window.gallery_panel.empty_label
    assert "Generate one to start" in window.gallery_panel.empty_label.text()


def test_a_batch_shows_as_candidates_and_one_click_shows_an_item_on_the_canvas(qtbot, open_window):
    window = open_window()
    window.request.set("batch_count", 3)
    generate(qtbot, window, "fox logo")
    candidates = window.canvas_panel.candidates
    assert candidates.isVisible() and candidates.count() == 3
    first_id = candidates.item(0).data(Qt.ItemDataRole.UserRole)
    qtbot.mouseClick(
        candidates.viewport(), Qt.MouseButton.LeftButton, pos=candidates.visualItemRect(candidates.item(0)).center()
    )
    assert window.canvas_panel.canvas.source_item_id == first_id and window.gallery.selected.id == first_id
    view = window.gallery_panel.gallery_view
    last = view.item(0)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualItemRect(last).center())
    assert window.canvas_panel.canvas.source_item_id == last.data(Qt.ItemDataRole.UserRole)
    assert last.text().startswith("Generated\nseed ")


def test_the_live_preview_is_shown_on_the_canvas(qtbot, open_window):
    window = open_window()
    window.request.set("steps", 20)
    shown = []
    window.jobs.preview_changed.connect(lambda preview: shown.append(window.canvas_panel.canvas.previewing()))
    generate(qtbot, window, "fox logo")
    assert True in shown and not window.canvas_panel.canvas.previewing()


def test_the_canvas_reopens_the_last_image_at_start(qtbot, open_window):
    window = open_window()
    generate(qtbot, window, "fox logo")
    [item] = window.store.items()
    window.close()
    again = open_window()
    assert again.canvas_panel.canvas.source_item_id == item.id and not again.canvas_panel.canvas.hint


def test_delete_is_undone_by_ctrl_z_and_the_trash_restores_after_the_button_is_gone(qtbot, open_window):
    window = open_window()
    generate(qtbot, window, "first")
    generate(qtbot, window, "second")
    view = window.gallery_panel.gallery_view
    view.setFocus()
    view.setCurrentRow(0)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert view.count() == 1 and window.undo_delete_button.isVisible()
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.count() == 2 and not window.undo_delete_button.isVisible()
    assert window.statusBar().currentMessage() == ""  # "Deleted." does not outlive its undo

    view.setCurrentRow(1)
    deleted = window.gallery.selected
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    window.actions._end_undo_offer()  # as if the ten seconds had passed
    assert not window.undo_delete_button.isVisible() and not deleted.path.exists()
    qtbot.mouseClick(window.gallery_panel.trash_button, Qt.MouseButton.LeftButton)
    trash = window.gallery_panel.trash_view
    assert trash.isVisible() and trash.count() == 1
    trash.setCurrentRow(0)
    qtbot.mouseClick(window.gallery_panel.restore_button, Qt.MouseButton.LeftButton)
    assert deleted.path.exists() and view.isVisible() and view.count() == 2


def test_a_job_that_fails_before_running_leaves_the_seed_field_alone(qtbot, open_window, tmp_path):
    window = open_window()
    window.request.set("model", str(tmp_path / "no-model-here"))
    generate(qtbot, window, "fox")
    assert "No model found at" in window.notices.text(n.ERROR)
    assert window.advanced.seed_spin.text() == "random" and window.request.last_seed is None
    assert "a new seed for every job" in window.advanced.seed_lock.toolTip()


def test_the_selected_thumbnail_is_framed_not_tinted(qtbot, open_window):
    window = open_window()
    generate(qtbot, window, "fox")
    entry = window.gallery_panel.gallery_view.item(0)
    icon = entry.icon()
    normal = icon.pixmap(96, 96, QIcon.Mode.Normal).toImage()
    selected = icon.pixmap(96, 96, QIcon.Mode.Selected).toImage()
    assert entry.isSelected() and normal == selected


def test_typed_sizes_snap_to_multiples_of_8(qtbot, open_window):
    window = open_window()
    spin = window.advanced.width_spin
    window.advanced.set_open(True)
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "500")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() % 8 == 0 and abs(spin.value() - 500) <= 4 and window.request.width == spin.value()


def test_export_suggests_a_name_that_is_free(qtbot, open_window, tmp_path):
    from desktop.ui.export_dialog import ExportDialog

    window = open_window()
    generate(qtbot, window, "Fox Logo")
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "fox-logo.png").write_bytes(b"taken")
    window.settings.setValue("export/folder", str(folder))
    dialog = ExportDialog(window.gallery.selected, window.settings, window)
    assert dialog.path_edit.text() == str(folder / "fox-logo-2.png")


def test_the_logo_files_dialog_remembers_its_options_and_takes_the_brand_name(qtbot, open_window, tmp_path):
    from test_logo import two_colour_mark

    from desktop.ui.logo_export_dialog import LogoExportDialog

    window = open_window()
    params = GenerationParams("Fox mark", colors=("#e02020", "#1b2a4a"), background="#ffffff", seed=5)
    item = window.store.add(two_colour_mark(), params)
    window.request.set("brand_name", "Foxly")
    dialog = LogoExportDialog(item, window.settings, window, brand="Foxly")
    assert dialog.brand_edit.text() == "Foxly"
    dialog.svg.setChecked(True)
    dialog.icon_set.setChecked(True)
    dialog.folder_edit.setText(str(tmp_path / "out"))
    dialog.export()
    again = LogoExportDialog(item, window.settings, window)
    assert again.svg.isChecked() and again.icon_set.isChecked() and not again.transparent.isChecked()


def test_advanced_remembers_whether_it_was_open(qtbot, open_window):
    window = open_window()
    assert not window.advanced.body.isVisible()
    qtbot.mouseClick(window.advanced.toggle, Qt.MouseButton.LeftButton)
    assert window.advanced.body.isVisible()
    window.close()
    assert open_window().advanced.is_open()


def test_keyboard_only_brief_generate_pick_and_export(qtbot, open_window):
    from desktop.ui.export_dialog import ExportDialog

    window = open_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    window.brief.prompt_edit.setFocus()
    qtbot.keyClicks(window.brief.prompt_edit, "owl emblem")
    qtbot.keyClick(window.brief.prompt_edit, Qt.Key.Key_Tab)  # Tab leaves the prompt box
    assert QApplication.focusWidget() is not window.brief.prompt_edit
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert len(window.store.items()) == 1
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible() and dialog.item.id == window.store.items()[0].id


def test_a_dropped_image_shows_on_the_canvas_and_a_missing_mask_is_explained(open_window, tmp_path):
    window = open_window()
    path = tmp_path / "mark.png"
    Image.new("RGB", (64, 64), "teal").save(path)
    window.actions.open_image_file(str(path))
    assert window.canvas_panel.canvas.image().getpixel((3, 3)) == (0, 128, 128)
    window.actions.inpaint()
    assert "mask is empty" in window.notices.text(n.ERROR)


def test_brand_kit_opens_on_the_selected_gallery_item_with_the_brief_name(qtbot, open_window):
    from test_logo import two_colour_mark

    from desktop.ui.brand_kit_dialog import BrandKitDialog

    window = open_window()
    params = GenerationParams("Fox mark", colors=("#e02020", "#1b2a4a"), background="#ffffff", seed=5)
    item = window.store.add(two_colour_mark(), params)
    window.gallery.refresh()
    window.gallery.select(item.id)
    qtbot.mouseClick(window.gallery_panel.brand_kit_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(BrandKitDialog)
    assert dialog is not None and dialog.isVisible() and dialog.item.id == item.id
    dialog.close()
