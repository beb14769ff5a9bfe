"""Notices to the user as state: at most one per subject, replaced when the subject changes,
cleared when no longer true, dismissible. The window shows them; nobody stacks labels."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

ERROR = "error"
WARNING = "warning"
INFO = "info"
_ORDER = (ERROR, WARNING, INFO)

# Subjects: what a notice is about. A new notice on a subject replaces the old one.
INPUT = "input"  # the request being edited (empty prompt, bad size, empty mask)
JOB = "job"  # the job that ran last (failed, warnings)
MODEL = "model"  # the chosen model (not on this computer, failed to load, few-step settings)
DOWNLOAD = "download"  # downloads (stopped, failed)
DEVICE = "device"
FILES = "files"  # opening, exporting, deleting files


@dataclass(frozen=True)
class Notice:
    """One notice: ``text`` is plain text, or rich text with ``links`` (actions named by href)."""

    subject: str
    text: str
    level: str = INFO
    links: bool = False


class Notices(QObject):
    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._notices: dict[str, Notice] = {}

    def set(self, subject: str, text: str, level: str = INFO, links: bool = False) -> None:
        """Show ``text`` about ``subject``, replacing what was said about it; '' clears it."""
        if not text:
            return self.clear(subject)
        notice = Notice(subject, text, level, links)
        if self._notices.get(subject) != notice:
            self._notices[subject] = notice
            self.changed.emit()
        return None

    def clear(self, *subjects: str) -> None:
        """The notices about ``subjects`` are no longer true."""
        removed = [self._notices.pop(subject) for subject in subjects if subject in self._notices]
        if removed:
            self.changed.emit()

    dismiss = clear  # the user closed it

    def get(self, subject: str) -> Notice | None:
        return self._notices.get(subject)

    def items(self) -> list[Notice]:
        """Every notice, errors first, then in the order they came."""
        return sorted(self._notices.values(), key=lambda notice: _ORDER.index(notice.level))

    def text(self, level: str | None = None) -> str:
        """All notices' text (of one ``level``), one per line: for tests and accessibility."""
        return "\n".join(n.text for n in self.items() if level is None or n.level == level)
