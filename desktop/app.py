"""The one place that builds and wires the application, and the ``logo-studio`` entry point."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def build_window(data_dir: Path, model: str | None = None, device: str | None = None, config_dir: Path | None = None):
    """Build the fully wired main window (worker thread included) without starting the event loop.

    ``data_dir`` holds the gallery; settings live in ``config_dir`` (default: the user config
    folder). A QApplication must exist. The entry point and the GUI tests both use this.
    """
    from PySide6.QtCore import QSettings

    from desktop.engine.devices import device_preference
    from desktop.gallery import GalleryStore
    from desktop.models.library import ModelLibrary
    from desktop.paths import config_dir as default_config_dir
    from desktop.ui.main_window import MainWindow
    from desktop.workers.generation_worker import WorkerHost
    from desktop.workers.model_files_worker import ModelFilesHost

    folder = Path(config_dir) if config_dir is not None else default_config_dir()
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    store = GalleryStore(data_dir)
    host = WorkerHost(store, device_preference(device, settings.value("device/preference", None)))
    library = ModelLibrary(folder)
    return MainWindow(store, settings, host, library, ModelFilesHost(library), model=model)


def main(argv: list[str] | None = None) -> int:
    """Entry point: a subcommand runs headless; no subcommand opens the window."""
    import multiprocessing

    from desktop.app_log import log_without_console
    from desktop.cli.downloads import run_download
    from desktop.cli.export import run_export
    from desktop.cli.generate import run_generate
    from desktop.cli.parser import build_parser

    multiprocessing.freeze_support()  # a packaged app starts its engine process through this entry
    log_without_console()
    args = build_parser().parse_args(argv)
    if args.check:
        from desktop.cli.check import print_diagnosis

        return print_diagnosis()
    if args.command == "generate":
        return run_generate(args)
    if args.command == "export":
        return run_export(args)
    if args.command == "download":
        return run_download(args)
    if args.command == "server":
        from desktop.cli.server import run_server

        return run_server(args)
    if args.command == "kit":
        from desktop.cli.kit import run_kit

        return run_kit(args)
    return run_window(args.model, args.device, args.smoke_test)


def app_icon():
    """The window and taskbar icon (resources/icons/logo-studio.png)."""
    from importlib import resources

    from PySide6.QtGui import QIcon, QPixmap

    with resources.as_file(resources.files("desktop.resources").joinpath("icons/logo-studio.png")) as path:
        return QIcon(QPixmap(str(path)))  # read now: the path may be temporary


def run_window(model: str | None, device: str | None, smoke_test: Path | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop.errors import LogoStudioError
    from desktop.paths import APP_NAME, data_dir

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName("logo-studio")
    app.setWindowIcon(app_icon())
    try:
        window = build_window(data_dir(), model=model, device=device)
    except LogoStudioError as error:
        print(f"logo-studio: error: {error.message}", file=sys.stderr)
        return 1
    window.show()
    if smoke_test is not None:
        from desktop.smoke_test import SmokeTest

        check = SmokeTest(window, smoke_test, expect_model=model is not None)
        app.exec()
        return check.exit_code
    code = app.exec()
    from desktop.workers.thread_host import workers_still_running

    if workers_still_running():
        # Closed while a model was loading: settings are saved, nothing is half-written (all
        # writes are atomic), so end now instead of waiting for the load to finish.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
