"""Build the one-folder Logo Studio app with PyInstaller, then check that it starts.

    python packaging/build.py            # build into dist/logo-studio (dist/Logo Studio.app on macOS)
    python packaging/build.py --check    # build, then start the built app and check it
    python packaging/build.py --check --torch-index https://download.pytorch.org/whl/cpu

Run it with the interpreter of the environment to bundle (`make package` does: it uses .venv and
installs PyInstaller first). The torch of that environment is what the app ships: with
--torch-index, that build of torch is installed first when another one is there, and the build
fails if the environment or the built app has another (see packaging/README.md for CUDA versus
CPU builds and the bundle sizes). On Linux the check also reports the oldest glibc the app needs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundle_checks import (  # noqa: E402 - next to this script, which is not in a package
    dead_weight,
    elf_requirements,
    glibc_report,
    torch_build_problem,
    torch_from_diagnosis,
    wanted_torch_variant,
)

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "logo-studio.spec"
ICON = ROOT / "desktop" / "resources" / "icons" / "logo-studio.png"
ICONS = ROOT / "build" / "icons"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
TORCH_INFO = "import json, torch; print(json.dumps([torch.__version__, torch.version.cuda]))"


def make_icons() -> None:
    """The Windows .ico and macOS .icns, made from the one PNG icon."""
    from PIL import Image

    ICONS.mkdir(parents=True, exist_ok=True)
    icon = Image.open(ICON)
    icon.save(ICONS / "logo-studio.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    icon.save(ICONS / "logo-studio.icns")


def installed_torch(python: str = sys.executable) -> tuple[str, str | None] | None:
    """(``torch.__version__``, ``torch.version.cuda``) of the environment of ``python``, asked in a
    fresh interpreter (so a torch installed a moment ago counts); None when torch does not import."""
    found = subprocess.run([python, "-c", TORCH_INFO], capture_output=True, text=True)
    return tuple(json.loads(found.stdout.strip().splitlines()[-1])) if found.returncode == 0 else None


def torch_requirement(spec: str, variant: str | None, platform: str = sys.platform) -> str:
    """The pip requirement that installs ``spec`` in the ``variant`` build: ``torch==2.13.0`` for
    ``cpu`` → ``torch==2.13.0+cpu``, so that pip replaces another build of the same version instead
    of finding it good enough. Unchanged without an exact version or a known variant (and for the
    macOS CPU wheels, which have no ``+cpu``)."""
    name, exact, version = spec.partition("==")
    if not variant or not exact or "+" in version or (variant == "cpu" and platform == "darwin"):
        return spec
    return f"{name}=={version}+{variant}"


def ensure_torch(index_url: str, spec: str, python: str = sys.executable) -> tuple[str, str | None]:
    """Make the environment's torch the build that ``index_url`` serves: install ``spec`` from it
    when another build (or none) is there, then check again; exits with the reason when it is still
    not that build. Returns (version, CUDA version or None) of the torch that will be bundled."""
    wanted = wanted_torch_variant(index_url)
    have = installed_torch(python)
    problem = torch_build_problem(wanted, *have) if have else "torch is not installed"
    if problem or wanted is None:
        requirement = torch_requirement(spec, wanted)
        print(f"Installing {requirement} from {index_url}" + (f" ({problem})" if problem else ""), flush=True)
        subprocess.run([python, "-m", "pip", "install", "--index-url", index_url, requirement], check=True)
        have = installed_torch(python)
        problem = torch_build_problem(wanted, *have) if have else "torch does not import after installing it"
    if problem:
        sys.exit(
            f"Wrong torch for this bundle: {problem}. Install the right one into this environment, e.g. "
            f'`{python} -m pip install --force-reinstall --index-url {index_url} "{spec}"`, and build again.'
        )
    if wanted is None:
        print(f"Cannot tell which torch build {index_url} serves: bundling torch {have[0]} as installed from it")
    return have


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
    """The app's program inside its folder."""
    return app_folder / ("logo-studio.exe" if sys.platform == "win32" else "logo-studio")


def folder_size(folder: Path) -> int:
    """Bytes of the files under ``folder`` (symbolic links not counted)."""
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


def check_glibc(app_folder: Path) -> None:
    """Linux: print the highest glibc/libstdc++ versions the bundle's ELF files require; exits when
    one is above the floor of bundle_checks.py (the one packaging/README.md states)."""
    lines, problems = glibc_report(elf_requirements(app_folder))
    print("\n".join(lines), flush=True)
    if problems:
        sys.exit("The bundle needs a newer Linux than it promises:\n" + "\n".join(problems))


def check_torch(diagnosis: str, wanted: str | None, built_with: tuple[str, str | None] | None) -> None:
    """The torch that the built app imports must be the environment's (``built_with``) and the
    ``wanted`` build; exits with the reason otherwise."""
    bundled = torch_from_diagnosis(diagnosis)
    if bundled is None:
        sys.exit("The built app's --check does not name its torch: torch failed to import in the bundle.")
    print(f"Bundled torch: {bundled[0]} ({f'CUDA {bundled[1]}' if bundled[1] else 'CPU-only build'})")
    problem = torch_build_problem(wanted, *bundled)
    if problem is None and built_with is not None and tuple(built_with) != bundled:
        problem = f"the environment has torch {built_with[0]} but the bundle carries {bundled[0]}"
    if problem:
        sys.exit(f"Wrong torch in the bundle: {problem}")


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    print(done.stdout, flush=True)
    if done.returncode != 0:
        sys.exit(f"The built app's {what} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# What the built app is started with from this environment: how to find programs, the display and
# the locale. Nothing else: no PYTHONPATH or virtual environment to import from, and no
# LOGO_STUDIO_ENGINE, so the app runs its engine in a process of its own as a user's does.
PASSED_ON = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "DISPLAY")
PASSED_ON += ("WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "QT_QPA_PLATFORM")


def app_environment(scratch: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the built app is checked in: ``PASSED_ON`` from ``base`` (default: this
    process's), and throwaway data, settings and Hugging Face folders under ``scratch``, offline."""
    base = os.environ if base is None else base
    env = {name: base[name] for name in PASSED_ON if name in base}
    env.update(
        LOGO_STUDIO_DATA_DIR=str(scratch / "data"),
        XDG_CONFIG_HOME=str(scratch / "config"),
        HF_HOME=str(scratch / "hf"),
        HF_HUB_OFFLINE="1",
    )
    if not env.get("DISPLAY") and sys.platform.startswith("linux"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def check(app_folder: Path, model: str | None = None, wanted: str | None = None, built_with=None) -> None:
    """Start the built app: `--check` must print its diagnosis with the right torch, `--smoke-test`
    must show the window (and with ``model``, load it and make a 64 px image through the engine
    process, the app's own executable started again), and with a model the `generate` command must
    make one too. Uses throwaway data, settings and Hugging Face folders, offline."""
    with tempfile.TemporaryDirectory() as scratch:
        env = app_environment(Path(scratch))
        app = str(executable(app_folder))
        diagnosis = _run([app, "--check"], env, "--check")
        if "Device:" not in diagnosis:
            sys.exit("The built app's --check printed no device line.")
        check_torch(diagnosis, wanted, built_with)
        shot = Path(scratch) / "window.png"
        smoke = _run([app, "--smoke-test", str(shot)] + (["--model", model] if model else []), env, "--smoke-test")
        if not shot.is_file():
            sys.exit("The built app's --smoke-test saved no screenshot.")
        if model and "through the engine process" not in smoke:
            sys.exit("The built app's --smoke-test made no image through its engine process.")
        (DIST / "smoke-test-window.png").write_bytes(shot.read_bytes())
        print(f"Window screenshot: {DIST / 'smoke-test-window.png'}")
        if model:
            out = Path(scratch) / "generated"
            command = [app, "generate", "--prompt", "a fox logo", "--model", model, "--steps", "2", "--width", "64"]
            _run([*command, "--height", "64", "--seed", "1", "--device", "cpu", "--out", str(out)], env, "generate")
            if not list(out.glob("*.png")):
                sys.exit("The built app's generate saved no image.")
            print("Generated a 64 px image with the built app.")


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="start the built app and check it afterwards")
    parser.add_argument("--model", help="with --check: a model folder the started app must load and generate with")
    parser.add_argument("--no-build", action="store_true", help="check an existing build instead of building")
    parser.add_argument("--torch-index", help="the wheel index of the torch build to bundle (installed when needed)")
    parser.add_argument("--torch", default="torch", help="with --torch-index: the requirement, e.g. torch==2.13.0")
    args = parser.parse_args()
    wanted = wanted_torch_variant(args.torch_index)
    built_with = ensure_torch(args.torch_index, args.torch) if args.torch_index else installed_torch()
    if built_with:
        print(f"Bundling torch {built_with[0]} ({f'CUDA {built_with[1]}' if built_with[1] else 'CPU-only build'})")
    app_folder = DIST / "logo-studio" if args.no_build else build()
    print(size_report(app_folder))
    unused = dead_weight(app_folder)
    if unused:
        sys.exit("The bundle carries what the app never uses (see logo-studio.spec):\n  " + "\n  ".join(unused))
    if sys.platform.startswith("linux"):
        check_glibc(app_folder)
    if args.check:
        model = str(Path(args.model).resolve()) if args.model else None
        check(app_folder, model, wanted, None if args.no_build else built_with)


if __name__ == "__main__":
    main()
