"""Issue 22, items 10 and 11, in the real window: Brand kit… takes the brand name typed in the
brief; Logo files… says in itself what it wrote (with Open folder), offers the background colour
its advice names, and keeps its Folder field in place."""

from __future__ import annotations

import dataclasses

import pytest
from logo_corpus import teal_dot
from PySide6.QtCore import QPoint, Qt
from test_window_layout import open_window  # noqa: F401  (the fixture)

from desktop.params import GenerationParams
from desktop.ui.brand_kit_dialog import BrandKitDialog
from desktop.ui.logo_export_dialog import LogoExportDialog

PARAMS = GenerationParams("Dot mark", colors=("#0f4c5c",), background="#ffffff", seed=5, width=512, height=512)


@pytest.fixture
def window_with_item(open_window):  # noqa: F811
    window = open_window()
    item = window.store.add(teal_dot().image, PARAMS)
    window.gallery.refresh()
    window.gallery.select(item.id)
    return window


def test_brand_kit_opens_with_the_brand_name_of_the_brief(qtbot, window_with_item):
    window = window_with_item
    window.settings.setValue("kit/name", "An old name")
    window.request.set("brand_name", "Tealdot Studio")
    qtbot.mouseClick(window.gallery_panel.brand_kit_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(BrandKitDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.name_edit.text() == "Tealdot Studio"
    dialog.done(0)


def open_logo_files(qtbot, window) -> LogoExportDialog:
    qtbot.mouseClick(window.gallery_panel.logo_files_button, Qt.MouseButton.LeftButton)
    dialog = window.findChild(LogoExportDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_logo_files_says_what_it_wrote_and_opens_the_folder(qtbot, window_with_item, tmp_path, monkeypatch):
    window = window_with_item
    dialog = open_logo_files(qtbot, window)
    dialog.svg.setChecked(True)
    dialog.folder_edit.setText(str(tmp_path / "files"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # the outcome is shown where the user is looking
    assert dialog.message.text().startswith(f"Wrote 2 files to {tmp_path / 'files'}")
    assert dialog.open_button.isVisible()
    opened = []
    monkeypatch.setattr("desktop.ui.logo_export_dialog.QDesktopServices.openUrl", lambda url: opened.append(url))
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert [url.toLocalFile() for url in opened] == [str(tmp_path / "files")]


def test_logo_files_advice_names_a_control_it_has(qtbot, window_with_item):
    import numpy as np
    from PIL import Image

    window = window_with_item
    noise = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)
    noise[32:96, 32:96] = (15, 76, 92)
    item = window.store.add(Image.fromarray(noise), dataclasses.replace(PARAMS, background=""))
    window.gallery.refresh()
    window.gallery.select(item.id)
    dialog = open_logo_files(qtbot, window)
    dialog.background_edit.clear()
    dialog.transparent.setChecked(True)
    dialog.refresh_preview()
    assert "give the background colour" in dialog.message.text()
    assert dialog.background_edit.isVisible() and dialog.background_edit.isEnabled()
    dialog.background_edit.setText("#0F4C5C")
    dialog.refresh_preview()
    assert "No flat background" not in dialog.message.text()


def test_ticking_wordmark_leaves_the_folder_field_in_place(qtbot, window_with_item):
    dialog = open_logo_files(qtbot, window_with_item)
    dialog.brand_edit.clear()
    where = dialog.folder_edit.mapTo(dialog, QPoint(0, 0))
    qtbot.mouseClick(dialog.wordmark, Qt.MouseButton.LeftButton, pos=QPoint(10, 8))
    dialog.refresh_preview()  # "Type the brand name…" appears
    qtbot.wait(50)
    assert dialog.wordmark.isChecked() and dialog.message.text()
    assert dialog.folder_edit.mapTo(dialog, QPoint(0, 0)) == where
    dialog.message.setText("A long message " * 30)  # a long warning takes no room from the fields
    qtbot.wait(50)
    assert dialog.folder_edit.mapTo(dialog, QPoint(0, 0)) == where


def test_the_preview_shows_whether_the_inside_of_the_mark_is_cleared(qtbot, window_with_item):
    dialog = open_logo_files(qtbot, window_with_item)
    dialog.transparent.setChecked(True)
    dialog.backdrop.setCurrentIndex(dialog.backdrop.findData("dark"))
    dialog.refresh_preview()
    image = dialog.preview.pixmap().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2).name()
    assert centre == "#ffffff"  # the white dot is part of the mark
    assert dialog.clear_holes.isEnabled()
    dialog.clear_holes.setChecked(True)
    dialog.refresh_preview()
    image = dialog.preview.pixmap().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).name() == "#1e1e1e"  # now a hole
