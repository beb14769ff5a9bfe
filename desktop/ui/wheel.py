"""The mouse wheel scrolls the panel it is over: a spin box, combo box or slider changes with the
wheel only once it has the keyboard focus (clicked or tabbed into), as in most desktop apps.
Otherwise scrolling down a panel would change every control that passes under the pointer."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

WHEEL_CONTROLS = (QAbstractSpinBox, QComboBox, QAbstractSlider)


class _WheelFilter(QObject):
    def eventFilter(self, watched, event) -> bool:
        if event.type() != QEvent.Type.Wheel or watched.hasFocus():
            return False
        area = _scroll_area_of(watched)
        if area is not None:  # said explicitly: Qt passes an ignored wheel on only for some events
            QApplication.sendEvent(area.viewport(), event)
        else:
            event.ignore()
        return True


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


def ignore_wheel_unless_focused(root: QWidget) -> None:
    """Make every spin box, combo box and slider in ``root`` (and ``root`` itself) leave the wheel
    to its scrolling parent until it has the focus. Safe to call again for new children."""
    for control in [root, *root.findChildren(QWidget)]:
        # A scroll bar is what the wheel is for (and what a passed-on wheel turns)
        if not isinstance(control, WHEEL_CONTROLS) or isinstance(control, QScrollBar):
            continue
        if control.property("wheelGuarded"):
            continue
        control.setProperty("wheelGuarded", True)
        control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone never gives it the focus
        control.installEventFilter(_WheelFilter(control))
