"""Notices above the canvas, one per subject, each with a close button; and the run controls at
the foot of the left column (Generate, Cancel, progress), which no notice can push out of view."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.state.jobs import JobsModel
from desktop.state.notices import ERROR, WARNING, Notices

COLOURS = {  # background, text, border
    ERROR: ("#fdecea", "#611a15", "#f5c2c0"),
    WARNING: ("#fff4e5", "#663c00", "#ffd8a8"),
}
INFO_COLOURS = ("#e8f1fb", "#0b3d66", "#b9d4ef")
MAX_HEIGHT = 150  # px of notices above the canvas; more scroll, so the canvas keeps its room


class NoticesPanel(QScrollArea):
    """Renders Notices; a link in a notice calls ``linkActivated`` with its href. However many
    there are, they take at most MAX_HEIGHT above the canvas and scroll within it."""

    linkActivated = Signal(str)

    def __init__(self, notices: Notices, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("noticesPanel")
        self.notices = notices
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows = QWidget()
        self._layout = QVBoxLayout(rows)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.setWidget(rows)
        notices.changed.connect(self.render)
        self.render()

    def sizeHint(self) -> QSize:
        """As tall as the notices at the panel's width, up to MAX_HEIGHT."""
        width = max(self.viewport().width(), 200)
        height = self.widget().heightForWidth(width)
        return QSize(width, min(height if height >= 0 else self.widget().sizeHint().height(), MAX_HEIGHT))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():  # wrapped text: another height
            self._fit()

    def _fit(self) -> None:
        self.setFixedHeight(self.sizeHint().height())

    def render(self) -> None:
        while self._layout.count():
            widget = self._layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        for notice in self.notices.items():
            self._layout.addWidget(self._row(notice))
        self.setVisible(bool(self.notices.items()))
        self._fit()

    def _row(self, notice) -> QFrame:
        background, colour, border = COLOURS.get(notice.level, INFO_COLOURS)
        row = QFrame()
        row.setObjectName(f"{notice.level}Notice")
        row.setStyleSheet(
            f"QFrame#{notice.level}Notice {{ background: {background}; border: 1px solid {border}; "
            f"border-radius: 4px; }} QLabel {{ color: {colour}; background: transparent; border: none; }}"
        )
        layout = QHBoxLayout(row)
        layout.setContentsMargins(8, 4, 4, 4)
        label = QLabel(notice.text)
        label.setObjectName(f"{notice.subject}NoticeText")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        label.setTextFormat(Qt.TextFormat.RichText if notice.links else Qt.TextFormat.PlainText)
        label.linkActivated.connect(self.linkActivated)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setAccessibleName("Dismiss")
        close.setToolTip("Dismiss")
        close.clicked.connect(lambda _checked=False, subject=notice.subject: self.notices.dismiss(subject))
        layout.addWidget(label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        return row


class RunPanel(QWidget):
    """Generate and Cancel with the job's progress under them."""

    generateRequested = Signal()
    cancelRequested = Signal()

    def __init__(self, jobs: JobsModel, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("runPanel")
        self.jobs = jobs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        buttons = QHBoxLayout()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setObjectName("generateButton")
        self.generate_button.setToolTip("Generate logos from the brief (Ctrl+Enter)")
        self.generate_button.setDefault(True)
        self.generate_button.setMinimumHeight(32)
        self.generate_button.clicked.connect(self.generateRequested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Stop the running job and drop queued ones (Esc)")
        self.cancel_button.clicked.connect(self.cancelRequested)
        buttons.addWidget(self.generate_button, 2)
        buttons.addWidget(self.cancel_button, 1)
        layout.addLayout(buttons)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setAccessibleName("Progress")
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Ready")
        layout.addWidget(self.progress_bar)
        jobs.running_changed.connect(self.cancel_button.setEnabled)
        jobs.progress_changed.connect(self.show_progress)
        self.cancel_button.setEnabled(jobs.running)

    def show_progress(self, text: str, done: int, total: int) -> None:
        if total <= 0:  # nothing to measure: an empty bar, as a busy bar (range 0-0) shows no text at all
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(0)
        else:
            # The bar takes 32-bit integers: downloads are counted in kilobytes by their sender.
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        self.progress_bar.setFormat(text)
