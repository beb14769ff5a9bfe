"""The Qt bindings the app runs on keep Python's reference counts right: PySide6 6.12.0 dropped a
reference to True/False on every bool handed to a Python slot, so the window aborted after enough
clicks, checks and progress reports ("deallocating True or False"). pyproject.toml excludes it."""

import sys

from PySide6.QtCore import QObject, Signal


class Sender(QObject):
    flag = Signal(bool)
    named = Signal(str, bool)
    anything = Signal(object)


def test_bools_passed_to_python_slots_keep_their_reference_counts():
    sender = Sender()
    seen = []
    sender.flag.connect(seen.append)
    sender.named.connect(lambda name, value: seen.append(value))
    sender.anything.connect(lambda value: False)  # a slot that returns a bool
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for _ in range(200):
        sender.flag.emit(True)
        sender.named.emit("model", False)
        sender.anything.emit(None)
    seen.clear()
    assert (sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)) == before
