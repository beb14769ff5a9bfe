"""Notices to the user as state: at most one per subject, replaced when the subject changes,
cleared when no longer true, dismissible. The window shows them; nobody stacks labels, and the
same words said about two subjects (a failed download and the job that waited for it) show once.

Each subject says when its notice stops being true; the state model that sets it clears it then."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

ERROR = "error"
WARNING = "warning"
INFO = "info"
_ORDER = (ERROR, WARNING, INFO)

# Subjects: what a notice is about, and (after the colon) what ends it. A new notice on a subject
# replaces the old one.
INPUT = "input"  # the request cannot be made (empty prompt, bad size, empty mask): the next edit or job
JOB = "job"  # the job that ran last failed or warned: the next job, another model or device
MODEL = "model"  # the chosen model is not here or failed to load: another model, or it is ready
SETTINGS = "settings"  # what loading a model changed in the settings: the next job or another model
NEEDS = "needs"  # the request needs a download (Fast's files, a LoRA): it starts, or the request changes
DOWNLOAD = "download"  # a download failed: a download starts, it finishes, or another model is chosen
RESUME = "resume"  # a download stopped in an earlier session: it starts again or finishes
DEVICE = "device"  # no device to run on: a device is ready
FILES = "files"  # opening, exporting, deleting files failed: the next file action, selection or job


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
        """Every notice, errors first, then in the order they came; equal texts once."""
        shown: dict[str, Notice] = {}
        for notice in sorted(self._notices.values(), key=lambda notice: _ORDER.index(notice.level)):
            shown.setdefault(notice.text, notice)
        return list(shown.values())

    def text(self, level: str | None = None) -> str:
        """All notices' text (of one ``level``), one per line: for tests and accessibility."""
        return "\n".join(n.text for n in self.items() if level is None or n.level == level)
