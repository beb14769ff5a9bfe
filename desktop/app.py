"""The one place that builds and wires the application, and the ``logo-studio`` entry point."""

from __future__ import annotations

import sys
from pathlib import Path


def build_window(data_dir: Path, model: str | None = None):
    """Build the main window for the gallery under ``data_dir``, without starting the event loop.

    A QApplication must exist. The entry point and the GUI tests both use this.
    """
    from desktop.gallery import GalleryStore
    from desktop.ui.main_window import MainWindow

    return MainWindow(GalleryStore(data_dir), model=model)


def main(argv: list[str] | None = None) -> int:
    """Entry point: a subcommand runs headless; no subcommand opens the window."""
    from desktop.cli import build_parser, run_generate

    args = build_parser().parse_args(argv)
    if args.command == "generate":
        return run_generate(args)
    return run_window(args.model)


def run_window(model: str | None) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop.errors import LogoStudioError
    from desktop.paths import APP_NAME, data_dir

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    try:
        window = build_window(data_dir(), model=model)
    except LogoStudioError as error:
        print(f"logo-studio: error: {error.message}", file=sys.stderr)
        return 1
    window.show()
    return app.exec()
