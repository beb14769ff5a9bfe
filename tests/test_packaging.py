"""The packaged app: built with PyInstaller from the spec, it must start, print its diagnosis and
show its window. Building takes minutes, so this runs only where PyInstaller is installed
(`make package` installs it; the regular test run skips it)."""

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_linux_desktop_entry_names_the_app_and_its_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(ROOT / "packaging" / "linux" / "logo-studio.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Name"] == "Logo Studio" and desktop["Exec"].startswith("logo-studio")
    assert desktop["Icon"] == "logo-studio" and desktop["Terminal"] == "false"
    assert (ROOT / "desktop" / "resources" / "icons" / "logo-studio.png").is_file()


def test_the_built_app_starts_and_shows_its_window(tmp_path, tiny_model):
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed: `make package` builds and checks the app")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    build = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--check", "--model", str(tiny_model)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "Device: CPU" in build.stdout and f"Model loaded: {tiny_model}" in build.stdout
    assert "Window shown:" in build.stdout and (ROOT / "dist" / "smoke-test-window.png").is_file()
