"""Where Logo Studio keeps its files. Computed once by the app and passed down, never global."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "Logo Studio"
DATA_DIR_ENV = "LOGO_STUDIO_DATA_DIR"


def data_dir() -> Path:
    """The gallery's root: ``$LOGO_STUDIO_DATA_DIR`` if set (tests, portable installs), else the
    platform's user data folder (e.g. ``~/.local/share/Logo Studio`` on Linux)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    """Where settings live: ``$LOGO_STUDIO_DATA_DIR/config`` when that is set (portable installs,
    tests), else the platform's user config folder."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser() / "config"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)
