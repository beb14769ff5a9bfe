"""Two-way bindings between a RequestModel field and a widget: the widget shows the field, and a
user's edit sets it. Each binding ignores the change it caused itself, so nothing loops."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox, QLineEdit, QPlainTextEdit, QSpinBox

from desktop.state.request import RequestModel


def bind(request: RequestModel, field: str, widget, *, to_widget=None, from_widget=None) -> None:
    """Keep ``widget`` and ``request.<field>`` equal. ``to_widget`` / ``from_widget`` convert
    values where the widget's own type differs (e.g. a float spin box holding an int)."""
    to_widget = to_widget or (lambda value: value)
    from_widget = from_widget or (lambda value: value)
    updating = [False]

    def show(changed: str) -> None:
        if changed != field or updating[0]:
            return
        updating[0] = True
        try:
            _set(widget, to_widget(getattr(request, field)))
        finally:
            updating[0] = False

    def edited(*_args) -> None:
        if not updating[0]:
            updating[0] = True
            try:
                request.set(field, from_widget(_get(widget)))
            finally:
                updating[0] = False

    request.changed.connect(show)
    _signal(widget).connect(edited)
    show(field)


def _signal(widget):
    if isinstance(widget, QPlainTextEdit):
        return widget.textChanged
    if isinstance(widget, QLineEdit):
        return widget.textEdited
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged
    if isinstance(widget, QComboBox):
        return widget.currentTextChanged
    if isinstance(widget, QAbstractButton):
        return widget.toggled
    raise TypeError(f"cannot bind a {type(widget).__name__}")


def _get(widget):
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    return widget.isChecked()


def _set(widget, value) -> None:
    if isinstance(widget, QPlainTextEdit):
        if widget.toPlainText() != value:
            widget.setPlainText(value)
    elif isinstance(widget, QLineEdit):
        if widget.text() != value:
            widget.setText(value)
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        widget.setValue(value)
    elif isinstance(widget, QComboBox):
        widget.setCurrentText(value)
    else:
        widget.setChecked(bool(value))
