"""The Brand kit… window: prefilled fields, a live sheet preview, writing with progress, asking
before replacing, remembered options."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QSettings, Qt

from desktop.gallery import GalleryItem
from desktop.metadata import png_info
from desktop.params import GenerationParams
from desktop.ui.brand_kit_dialog import BrandKitDialog

PARAMS = GenerationParams("badge", colors=("#0f4c5c", "#e36414"), background="#fdf6ec", seed=5, width=128, height=128)


@pytest.fixture
def item(tmp_path):
    image = Image.new("RGB", (512, 512), "#fdf6ec")
    draw = ImageDraw.Draw(image)
    draw.ellipse((72, 72, 440, 440), fill="#0f4c5c")
    draw.ellipse((220, 140, 310, 230), fill="#e36414")
    image = image.resize((128, 128), Image.Resampling.LANCZOS)
    path = tmp_path / "item.png"
    image.save(path, pnginfo=png_info(PARAMS))
    return GalleryItem("item-1", path, path, 0.0, PARAMS)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialog(qtbot, item, settings, tmp_path):
    settings.setValue("kit/folder", str(tmp_path / "kits"))
    window = BrandKitDialog(None, item, settings)
    qtbot.addWidget(window)
    window.show()
    window.name_edit.setText("Summit Roasters")
    yield window
    window.done(0)


def test_fields_are_prefilled_and_the_sheet_is_previewed(dialog, qtbot, tmp_path):
    assert dialog.objectName() == "brandKitDialog"
    assert dialog.findChild(type(dialog.write_button), "writeKitButton") is dialog.write_button
    assert dialog.palette_edit.text() == "#0F4C5C, #E36414"
    assert dialog.background_edit.text() == "#FDF6EC"
    assert dialog.target_label.text().endswith("summit-roasters-brand-kit")
    qtbot.waitUntil(lambda: not dialog.preview.pixmap().isNull(), timeout=30_000)
    image = dialog.preview.pixmap().toImage()
    assert image.width() >= 500
    teal = sum(
        image.pixelColor(x, y).name() == "#0f4c5c"
        for x in range(0, image.width(), 4)
        for y in range(0, image.height(), 4)
    )
    assert teal > 50  # the sheet shows the brand's colour
    assert dialog.message.text() == ""


def test_a_bad_colour_is_named_and_nothing_is_written(dialog, qtbot, tmp_path):
    dialog.palette_edit.setText("#0F4C5C, teal")
    qtbot.waitUntil(lambda: "'teal' is not a colour" in dialog.message.text(), timeout=5_000)
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    assert "'teal' is not a colour" in dialog.message.text()
    assert not (tmp_path / "kits").exists()


def test_writes_the_kit_with_progress_and_remembers_the_options(dialog, qtbot, settings, tmp_path):
    dialog.tagline_edit.setText("Small-batch coffee")
    dialog.zip_check.setChecked(True)
    progress = []
    dialog._signals.progress.connect(lambda done, total, path: progress.append((done, total)))
    with qtbot.waitSignal(dialog.written, timeout=120_000) as written:
        qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
        assert dialog.progress.isVisible() and not dialog.write_button.isEnabled()
    paths = written.args[0]
    folder = tmp_path / "kits" / "summit-roasters-brand-kit"
    assert paths[-1] == str(folder / "summit-roasters-brand-kit.zip")
    assert (folder / "brand-sheet.pdf").is_file() and (folder / "web/site.webmanifest").is_file()
    assert progress[-1] == (len(paths), len(paths)) and len(progress) == len(paths) + 1
    assert dialog.write_button.isEnabled() and not dialog.progress.isVisible()
    assert dialog.open_button.isVisible() and str(folder) in dialog.message.text()
    assert settings.value("kit/name") == "Summit Roasters" and settings.value("kit/tagline") == "Small-batch coffee"
    assert settings.value("kit/zip", type=bool) is True


def test_asks_before_replacing_and_writes_nothing_when_told_no(dialog, qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "kits" / "summit-roasters-brand-kit"
    (folder / "colors").mkdir(parents=True)
    (folder / "colors/colors.json").write_text("{}")
    asked = []
    monkeypatch.setattr(dialog, "confirm_replace", lambda where, count: asked.append((where, count)) or False)
    qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    assert asked == [(folder, 1)]
    assert dialog.write_button.isEnabled() and not dialog.progress.isVisible()
    assert sorted(p.name for p in folder.rglob("*")) == ["colors", "colors.json"]
    assert (folder / "colors/colors.json").read_text() == "{}"
    monkeypatch.setattr(dialog, "confirm_replace", lambda where, count: True)
    with qtbot.waitSignal(dialog.written, timeout=120_000):
        qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    assert (folder / "colors/colors.json").read_text() != "{}"


def test_remembered_name_and_font_come_back(qtbot, item, settings):
    settings.setValue("kit/name", "Acme Tools")
    settings.setValue("kit/font", "DejaVu Sans Bold")
    window = BrandKitDialog(None, item, settings)
    qtbot.addWidget(window)
    assert window.name_edit.text() == "Acme Tools" and window.font_combo.currentText() == "DejaVu Sans Bold"
    window.done(0)
