"""The log of a windowed app, which has no console: one file in the data folder that the app and
its engine process both write to."""

from __future__ import annotations

import sys

LOG_NAME = "logo-studio.log"


def log_without_console() -> None:
    """A windowed app (PyInstaller on Windows and macOS) has no stdout/stderr, and neither has the
    engine process it starts: send them to logo-studio.log in the data folder, so that printing
    cannot fail and errors leave a trace. Each process appends whole lines to the same file."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    from desktop.paths import data_dir

    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / LOG_NAME, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - open for the process
    sys.stdout = sys.stdout or log
    sys.stderr = sys.stderr or log
