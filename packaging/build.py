"""Build the one-folder Logo Studio app with PyInstaller, then check that it starts.

    python packaging/build.py            # build into dist/logo-studio (dist/Logo Studio.app on macOS)
    python packaging/build.py --check    # build, then start the built app and check its window

Run it with the interpreter of the environment to bundle (`make package` does: it uses .venv and
installs PyInstaller first). Whatever torch that environment has is what the app ships: see
packaging/README.md for CUDA versus CPU builds and the bundle sizes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "logo-studio.spec"
ICON = ROOT / "desktop" / "resources" / "icons" / "logo-studio.png"
ICONS = ROOT / "build" / "icons"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"


def make_icons() -> None:
    """The Windows .ico and macOS .icns, made from the one PNG icon."""
    from PIL import Image

    ICONS.mkdir(parents=True, exist_ok=True)
    icon = Image.open(ICON)
    icon.save(ICONS / "logo-studio.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    icon.save(ICONS / "logo-studio.icns")


def build() -> Path:
    """Run PyInstaller on the spec; returns the app folder."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit("PyInstaller is not installed here: run `make package`, or `pip install pyinstaller` first.")
    make_icons()
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(DIST), "--workpath", str(WORK)]
    subprocess.run([*command, str(SPEC)], check=True, cwd=ROOT)
    return DIST / "logo-studio"


def executable(app_folder: Path) -> Path:
    return app_folder / ("logo-studio.exe" if sys.platform == "win32" else "logo-studio")


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def size_report(app_folder: Path) -> str:
    """The bundle's size and its biggest parts, for packaging/README.md."""
    internal = app_folder / "_internal"
    parts = sorted(
        ((folder_size(p) if p.is_dir() else p.stat().st_size, p.name) for p in internal.iterdir()),
        reverse=True,
    )
    lines = [f"Bundle {app_folder}: {folder_size(app_folder) / 1e6:,.0f} MB"]
    lines += [f"  {size / 1e6:8,.0f} MB  {name}" for size, name in parts[:8]]
    return "\n".join(lines)


def check(app_folder: Path, model: str | None = None) -> None:
    """Start the built app twice: `--check` must print its diagnosis, and `--smoke-test` must show
    the window (and load ``model`` when given). Uses a throwaway data and settings folder."""
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, LOGO_STUDIO_DATA_DIR=str(Path(scratch) / "data"), XDG_CONFIG_HOME=scratch)
        if not env.get("DISPLAY") and sys.platform.startswith("linux"):
            env["QT_QPA_PLATFORM"] = "offscreen"
        app = str(executable(app_folder))
        diagnosis = subprocess.run([app, "--check"], env=env, capture_output=True, text=True, timeout=300)
        print(diagnosis.stdout)
        if diagnosis.returncode != 0 or "Device:" not in diagnosis.stdout:
            sys.exit(f"The built app's --check failed:\n{diagnosis.stderr}")
        shot = Path(scratch) / "window.png"
        command = [app, "--smoke-test", str(shot)] + (["--model", model] if model else [])
        started = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        print(started.stdout)
        if started.returncode != 0 or not shot.is_file():
            sys.exit(f"The built app did not start cleanly:\n{started.stdout}\n{started.stderr}")
        (DIST / "smoke-test-window.png").write_bytes(shot.read_bytes())
        print(f"Window screenshot: {DIST / 'smoke-test-window.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="start the built app and check its window afterwards")
    parser.add_argument("--model", help="with --check: a model folder the started app must load")
    parser.add_argument("--no-build", action="store_true", help="check an existing build instead of building")
    args = parser.parse_args()
    app_folder = DIST / "logo-studio" if args.no_build else build()
    print(size_report(app_folder))
    if args.check:
        check(app_folder, args.model)


if __name__ == "__main__":
    main()
