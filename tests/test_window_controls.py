"""Controls a new user can reach and trust: LoRA rows that fit any column (elided names, a slider
wide enough to drag, a box to type the weight, × in view), a wheel that scrolls the panel instead
of changing the control under the pointer, sizes typed out of range that say what they became, and
status texts, captions and an empty search that say what they mean."""

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QAction, QWheelEvent
from PySide6.QtWidgets import QApplication, QDoubleSpinBox, QLabel, QScrollArea, QSlider, QToolButton, QWidget
from test_window import JOB_TIMEOUT

from desktop.params import GenerationParams
from desktop.state import notices as n

LONG_NAME = "flat-icon-style-for-minimalist-vector-logos-trained-on-many-brand-marks-version-2-final"


@pytest.fixture
def window(open_window, tiny_model):
    return open_window(tiny_model, size=(1280, 720))


def inside(widget: QWidget, area: QWidget) -> bool:
    """Whether ``widget`` lies across the width of ``area`` (left to right, in view)."""
    rect = QRect(widget.mapTo(area, QPoint(0, 0)), widget.size())
    return rect.left() >= 0 and rect.right() <= area.width()


def test_a_lora_with_a_long_name_keeps_its_weight_and_remove_in_reach(qtbot, window, tmp_path, tiny_model):
    import make_tiny_assets as tiny

    lora = tiny.make_tiny_lora(tiny_model, tmp_path / f"{LONG_NAME}.safetensors")
    window.loras.add(str(lora))
    QApplication.processEvents()
    row = window.loras.findChild(QWidget, "loraRow")
    slider, spin = row.findChild(QSlider, "loraWeightSlider"), row.findChild(QDoubleSpinBox, "loraWeightSpin")
    remove = next(button for button in row.findChildren(QToolButton) if button.text() == "×")
    viewport = window.findChild(QScrollArea, "controlsScroll").viewport()
    for widget in (slider, spin, remove):
        assert inside(widget, viewport), widget.objectName()
    assert slider.width() >= 120  # a one-pixel drag moves the weight by about 0.01, not 0.1
    name, family = row.findChild(QLabel, "loraName"), row.findChild(QLabel, "loraFamily")
    assert "…" in name.shown_text() and LONG_NAME in name.toolTip()
    assert family.isVisible() and inside(family, viewport) and family.text() == "· Stable Diffusion 1.5"
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "0.8")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert window.request.loras[0].weight == 0.8 and slider.value() == 80


def wheel(widget: QWidget, down: bool) -> None:
    """A turn of the mouse wheel over ``widget``."""
    position = QPointF(widget.rect().center())
    QApplication.sendEvent(
        widget,
        QWheelEvent(
            position,
            QPointF(widget.mapToGlobal(position)),
            QPoint(0, 0),
            QPoint(0, -120 if down else 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        ),
    )


def test_the_wheel_scrolls_the_panel_and_leaves_unfocused_controls_alone(qtbot, window):
    window.advanced.set_open(True)
    bar = window.findChild(QScrollArea, "controlsScroll").verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(0)
    device, steps = window.advanced.device_combo, window.advanced.steps_spin
    chosen, steps_before = device.currentData(), steps.value()
    wheel(device, down=True)
    wheel(steps, down=True)
    assert device.currentData() == chosen and steps.value() == steps_before
    assert bar.value() > 0  # the panel scrolled instead
    steps.setFocus()  # clicked or tabbed into: now the wheel is for it
    wheel(steps, down=False)
    assert steps.value() == steps_before + 1


@pytest.mark.parametrize(
    ("typed", "value", "said"),
    [
        ("100000", 2048, "Width 100000 px is more than the largest size, 2048 px: using 2048."),
        ("3", 64, "Width 3 px is less than the smallest size, 64 px: using 64."),
        ("500", 496, "Width 500 px is not a multiple of 8: using 496."),
    ],
)
def test_a_size_typed_out_of_range_says_what_it_became(qtbot, window, typed, value, said):
    spin = window.advanced.width_spin
    window.advanced.set_open(True)
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, typed)
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert window.request.width == value
    assert window.notices.get(n.INPUT).text == said
    window.request.set("height", 128)  # the next edit: the notice has done its job
    assert window.notices.get(n.INPUT) is None


def test_status_bar_names_fit_and_say_the_rest_in_the_tooltip(qtbot, open_window):
    window = open_window("stable-diffusion-v1-5/stable-diffusion-v1-5", size=(1280, 720))
    label = window.model_label
    qtbot.waitUntil(lambda: label.width() > 0)
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width(), label.text()
    assert "stable-diffusion-v1-5" in label.text()
    assert label.toolTip() == "stable-diffusion-v1-5/stable-diffusion-v1-5"
    assert not any(notice.text.endswith("….") for notice in window.notices.items())


def test_after_a_brand_kit_the_status_bar_names_the_kit_folder(qtbot, window, tmp_path):
    from test_logo import two_colour_mark

    from desktop.ui.brand_kit_dialog import BrandKitDialog

    params = GenerationParams("Fox mark", colors=("#e02020", "#1b2a4a"), background="#ffffff", seed=5)
    item = window.store.add(two_colour_mark(), params)
    window.gallery.refresh()
    window.gallery.select(item.id)
    window.findChild(QAction, "brandKitAction").trigger()  # File → Brand kit… (Ctrl+K)
    dialog = window.findChild(BrandKitDialog)
    dialog.name_edit.setText("Foxly")
    dialog.folder_edit.setText(str(tmp_path / "kits"))
    with qtbot.waitSignal(dialog.written, timeout=JOB_TIMEOUT) as written:
        qtbot.mouseClick(dialog.write_button, Qt.MouseButton.LeftButton)
    folder = dialog.target_folder(dialog.request())
    assert window.statusBar().currentMessage() == f"Wrote {len(written.args[0])} files to {folder}"
    dialog.close()


def test_gallery_captions_show_the_whole_seed_and_a_search_without_match_says_so(qtbot, window):
    params = GenerationParams("red fox", seed=4_294_967_295, width=64, height=64)  # the longest seed
    window.store.add(Image.new("RGB", (64, 64), "white"), params)
    window.gallery.refresh()
    view = window.gallery_panel.gallery_view
    caption, box = view.item(0).text(), view.visualItemRect(view.item(0))
    assert "4294967295" in caption
    assert all(view.fontMetrics().horizontalAdvance(line) <= box.width() for line in caption.splitlines()), caption
    qtbot.keyClicks(window.gallery_panel.search_edit, "whale")
    empty = window.gallery_panel.empty_label
    assert window.gallery_panel.stack.currentWidget() is empty and empty.isVisible()
    assert "No matches" in empty.text() and "whale" in empty.text()
