"""Packaging: the app started as a bundle starts (PyInstaller's frozen start, a 64 px job through
its engine process: every run), the checks build.py runs on a bundle (glibc floor, torch build,
dead weight, the environment the built app is checked in: pure functions, tested on fakes and
real ELF files) and the Linux install script's desktop entry. Building the bundle itself takes
minutes and 900 MB: `make package` builds and checks it (see packaging/README.md)."""

import configparser
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from no_network_child import guarded_env, guarded_processes, network_attempts

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
LINUX = sys.platform.startswith("linux")


def load(name: str):
    """A script of packaging/ as a module (the folder is not a package, and its name is taken)."""
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def checks():
    return load("bundle_checks")


@pytest.fixture
def build_script(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))  # build.py puts packaging/ first on sys.path
    return load("build")


# --- the installed app ------------------------------------------------------------------------


# The app as PyInstaller starts it: sys.frozen, sys.executable being the app itself, and
# PyInstaller's multiprocessing runtime hook (pyi_rth_multiprocessing), which answers the
# freeze_support() call at the top of desktop.app.main: the app's own executable, started again,
# serves as multiprocessing's resource tracker (-c ...) and as the engine process
# (--multiprocessing-fork ...). Then main.py, the bundle's entry script.
FROZEN_APP = """#!{python}
import os, sys
sys.frozen, sys.executable = True, os.path.abspath(__file__)
import multiprocessing, multiprocessing.spawn, runpy


def freeze_support():
    if len(sys.argv) >= 3 and sys.argv[-2] == "-c" and "multiprocessing.resource_tracker" in sys.argv[-1]:
        exec(sys.argv[-1])
        sys.exit()
    if multiprocessing.spawn.is_forking(sys.argv):
        with open(os.environ["ENGINE_STARTS"], "a") as starts:
            starts.write(" ".join([os.path.basename(sys.executable), sys.argv[1]]) + "\\n")
        kwds = dict(arg.split("=", 1) for arg in sys.argv[2:])
        multiprocessing.spawn.spawn_main(**{{k: None if v == "None" else int(v) for k, v in kwds.items()}})
        sys.exit()


multiprocessing.freeze_support = multiprocessing.spawn.freeze_support = freeze_support
if __name__ == "__main__":
    runpy.run_path({main!r}, run_name="__main__")
"""


def test_the_app_started_as_a_bundle_runs_a_job_through_its_engine_process(tmp_path, tiny_model):
    from PIL import Image

    assert shutil.which("logo-studio", path=str(Path(sys.executable).parent)), "install the project (make test does)"
    app = tmp_path / "logo-studio"
    app.write_text(FROZEN_APP.format(python=sys.executable, main=str(ROOT / "main.py")))
    app.chmod(0o755)
    guard = tmp_path / "guard"
    env = guarded_env(guard)
    env.pop("LOGO_STUDIO_ENGINE", None)  # the app's own path: the engine in a process of its own
    env.update(
        QT_QPA_PLATFORM="offscreen",
        LOGO_STUDIO_DATA_DIR=str(tmp_path / "data"),
        HF_HOME=str(tmp_path / "hf-home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        ENGINE_STARTS=str(tmp_path / "engine-starts"),
    )
    shot = tmp_path / "window.png"
    command = [str(app), "--model", str(tiny_model), "--smoke-test", str(shot)]
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert f"Model loaded: {tiny_model}" in run.stdout
    made = re.search(r"Generated a 64 px image through the engine process: (.+\.png)", run.stdout)
    assert made, run.stdout
    with Image.open(made[1]) as image:
        assert image.size == (64, 64) and Path(made[1]).is_relative_to(tmp_path / "data")
    assert (tmp_path / "engine-starts").read_text() == "logo-studio --multiprocessing-fork\n"  # the app, once
    shown = re.search(r"Window shown: (\d+)x(\d+)", run.stdout)
    assert shown, run.stdout
    with Image.open(shot) as png:
        assert png.format == "PNG" and png.size == (int(shown[1]), int(shown[2]))
        assert png.width >= 600 and png.height >= 400
    assert guarded_processes(guard) >= 2 and network_attempts(guard) == []  # the app and its engine process


def test_child_processes_given_the_guard_cannot_reach_the_network(tmp_path):
    guard = tmp_path / "guard"
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        code = (
            "import socket\n"
            f"socket.create_connection(('127.0.0.1', {port}), timeout=5).close()\n"
            "try:\n    socket.getaddrinfo('example.com', 443)\nexcept ConnectionRefusedError as e:\n    print(e)\n"
            "socket.socket().connect(('93.184.215.14', 443))\n"
        )
        run = subprocess.run([sys.executable, "-c", code], env=guarded_env(guard), capture_output=True, text=True)
    assert run.returncode != 0 and "NetworkAccessError" in run.stderr
    assert "tried to reach the network: look up 'example.com'" in run.stdout
    assert guarded_processes(guard) == 1
    assert network_attempts(guard) == ["look up 'example.com'", "connect ('93.184.215.14', 443)"]


# --- glibc floor ------------------------------------------------------------------------------


def test_the_highest_version_is_compared_number_by_number(checks):
    names = ["GLIBC_2.2.5", "GLIBC_2.3.4", "GLIBC_2.9", "GLIBC_2.34", "GLIBC_PRIVATE", "GLIBCXX_3.4.30"]
    assert checks.max_version(names) == "2.34"
    assert checks.max_version(["GLIBC_2.9", "GLIBC_2.10"]) == "2.10"
    assert checks.max_version(names, "GLIBCXX") == "3.4.30"
    assert checks.max_version(["GLIBC_PRIVATE", "CXXABI_1.3"]) is None
    assert checks.parse_version("GLIBC_PRIVATE") is None


def readelf_versions(path: Path) -> tuple[set[tuple[str, str]], set[str]]:
    """What binutils' readelf says the file needs and defines, for comparison."""
    text = subprocess.run(["readelf", "-V", "--wide", str(path)], capture_output=True, text=True, check=True).stdout
    needed, defined, library = set(), set(), None
    for line in text.splitlines():
        if match := re.search(r"File: (\S+)\s+Cnt:", line):
            library = match[1]
        elif match := re.search(r"^\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags:", line):
            needed.add((library, match[1]))
        elif (match := re.search(r"Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)", line)) and match[1] != "BASE":
            defined.add(match[2])
    return needed, defined


def loaded_libc() -> Path:
    maps = Path("/proc/self/maps").read_text().splitlines()
    return Path(next(line.split()[-1] for line in maps if re.search(r"/libc[.-][\w.]*so", line)))


def real_elf_files() -> list[Path]:
    """An executable, this Python, the C library and a C++ library (PySide6's QtCore)."""
    if not LINUX:
        return []
    import PySide6

    files = [Path("/bin/ls"), Path(sys.executable).resolve(), loaded_libc()]
    files += sorted(Path(PySide6.__file__).parent.glob("QtCore*.so"))[:1]
    return [path for path in files if path.is_file()]


@pytest.mark.skipif(not LINUX, reason="ELF files and glibc are Linux's")
@pytest.mark.parametrize("path", real_elf_files(), ids=lambda path: path.name)
def test_symbol_versions_are_read_from_real_elf_files(checks, path):
    needed, defined = checks.elf_versions(path)
    assert checks.is_elf(path) and checks.max_version([v for _, v in needed] + sorted(defined))
    if shutil.which("readelf"):
        assert (needed, defined) == readelf_versions(path)
    if path.name.startswith("libc"):
        assert "GLIBC_2.2.5" in defined or "GLIBC_2.17" in defined  # x86_64 / aarch64 baselines
    if path.name.startswith("QtCore"):
        assert any(library == "libstdc++.so.6" and v.startswith("GLIBCXX_") for library, v in needed)


@pytest.mark.skipif(not LINUX, reason="ELF files and glibc are Linux's")
def test_a_folder_report_names_the_files_that_need_the_newest_glibc(checks, tmp_path):
    shutil.copy(Path(sys.executable).resolve(), tmp_path / "python")
    (tmp_path / "notes.txt").write_text("not an ELF file")
    requirements = checks.elf_requirements(tmp_path)
    assert list(requirements) == [tmp_path / "python"]
    highest = checks.max_version(v for _, v in requirements[tmp_path / "python"][0])
    lines, problems = checks.glibc_report(requirements, glibc_floor=highest)
    assert f"GLIBC: highest version required {highest} (from the system; floor {highest}), by python" in lines
    assert problems == []
    _, problems = checks.glibc_report(requirements, glibc_floor="2.0")
    assert problems and f"require GLIBC_{highest}, above the floor 2.0" in problems[0]


def test_the_floor_check_fails_above_either_floor(checks):
    app = {("libc.so.6", "GLIBC_2.2.5"), ("libc.so.6", "GLIBC_2.36"), ("libgcc_s.so.1", "GCC_3.0")}
    qt = {("libc.so.6", "GLIBC_2.28"), ("libstdc++.so.6", "GLIBCXX_3.4.30"), ("libstdc++.so.6", "CXXABI_1.3.9")}
    requirements = {Path("b/libapp.so"): (app, set()), Path("a/libQt.so.6"): (qt, set())}
    lines, problems = checks.glibc_report(requirements, glibc_floor="2.35", glibcxx_floor="3.4.29")
    assert "GLIBC: highest version required 2.36 (from the system; floor 2.35), by libapp.so" in lines
    assert "Other versions required from the system: CXXABI_1.3.9, GCC_3.0" in lines
    assert len(problems) == 2 and "GLIBC_2.36, above the floor 2.35" in problems[0]
    assert "libQt.so.6 require GLIBCXX_3.4.30, above the floor 3.4.29" in problems[1]
    assert checks.glibc_report(requirements, glibc_floor="2.36", glibcxx_floor="3.4.30")[1] == []
    # A bundled libstdc++ provides GLIBCXX itself: then only what it defines counts.
    requirements[Path("libstdc++.so.6")] = ({("libc.so.6", "GLIBC_2.34")}, {"GLIBCXX_3.4", "GLIBCXX_3.4.30"})
    lines, problems = checks.glibc_report(requirements, glibc_floor="2.36", glibcxx_floor="3.4.20")
    assert problems == [] and any("(bundled libstdc++.so.6: 3.4.30)" in line for line in lines)


def test_the_documented_floor_is_the_checked_one(checks):
    readme = (PACKAGING / "README.md").read_text(encoding="utf-8")
    assert f"glibc {checks.GLIBC_FLOOR}" in readme and f"GLIBCXX_{checks.GLIBCXX_FLOOR}" in readme
    assert "python packaging/bundle_checks.py dist/logo-studio" in readme
    assert "runs everywhere" not in readme.lower()


# --- the torch that gets bundled --------------------------------------------------------------


def test_the_torch_build_is_read_from_the_index_address(checks):
    assert checks.wanted_torch_variant("https://download.pytorch.org/whl/cpu") == "cpu"
    assert checks.wanted_torch_variant("https://download.pytorch.org/whl/cu128/") == "cu128"
    assert checks.wanted_torch_variant("https://download.pytorch.org/whl/nightly/rocm6.4") == "rocm6.4"
    assert checks.wanted_torch_variant("https://pypi.org/simple") is None
    assert checks.wanted_torch_variant("") is None and checks.wanted_torch_variant(None) is None


@pytest.mark.parametrize(
    ("wanted", "version", "cuda", "platform", "ok"),
    [
        ("cpu", "2.13.0+cpu", None, "linux", True),
        ("cpu", "2.13.0+cu128", "12.8", "linux", False),  # the CUDA torch in a "CPU" bundle
        ("cpu", "2.13.0", "12.8", "linux", False),  # PyPI's Linux torch is the CUDA build
        ("cpu", "2.13.0", None, "linux", False),
        ("cpu", "2.13.0", None, "darwin", True),  # macOS CPU wheels carry no +cpu
        ("cu128", "2.13.0+cu128", "12.8", "linux", True),
        ("cu128", "2.13.0", "12.8", "linux", True),
        ("cu128", "2.13.0+cu126", "12.6", "linux", False),
        ("cu128", "2.13.0+cpu", None, "linux", False),
        ("rocm6.4", "2.13.0+rocm6.4", None, "linux", True),
        (None, "2.13.0+cu128", "12.8", "linux", True),  # nothing asked: whatever is installed
    ],
)
def test_the_torch_build_check(checks, wanted, version, cuda, platform, ok):
    problem = checks.torch_build_problem(wanted, version, cuda, platform=platform)
    assert (problem is None) == ok, problem
    if not ok:
        assert version in problem and wanted.lower() in problem.lower()


def test_the_bundled_torch_is_read_from_the_apps_diagnosis(checks):
    cpu = (
        "Packages: PySide6-Essentials 6.12.0, torch 2.13.0+cpu, diffusers 0.42.1\n"
        "Device: CPU · 2 cores · float32 (preference auto; PyTorch CPU-only build)\n"
    )
    cuda = "Packages: torch 2.13.0+cu128, pillow 13\nDevice: NVIDIA H100 (preference auto; PyTorch CUDA 12.8)\n"
    assert checks.torch_from_diagnosis(cpu) == ("2.13.0+cpu", None)
    assert checks.torch_from_diagnosis(cuda) == ("2.13.0+cu128", "12.8")
    assert checks.torch_from_diagnosis("Packages: torch missing\nDevice: unknown (ImportError: torch)\n") is None


def test_the_requirement_pins_the_build_so_pip_replaces_another(build_script):
    assert build_script.torch_requirement("torch==2.13.0", "cpu", "linux") == "torch==2.13.0+cpu"
    assert build_script.torch_requirement("torch==2.13.0", "cu128", "win32") == "torch==2.13.0+cu128"
    assert build_script.torch_requirement("torch==2.13.0", "cpu", "darwin") == "torch==2.13.0"
    assert build_script.torch_requirement("torch>=2.13", "cpu", "linux") == "torch>=2.13"
    assert build_script.torch_requirement("torch==2.13.0+cpu", "cpu", "linux") == "torch==2.13.0+cpu"


@pytest.fixture
def fake_python(tmp_path, monkeypatch):
    """A stand-in interpreter: `-c` prints the torch it "has" (the file state), `-m pip` records
    the call and installs the torch named in the file after-pip (if any)."""
    if sys.platform == "win32":
        pytest.skip("the stand-in interpreter is a shell script")
    script = tmp_path / "python"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ]; then echo "$@" >> "$FAKE/pip-calls"; '
        '[ -f "$FAKE/after-pip" ] && cp "$FAKE/after-pip" "$FAKE/state"; exit 0; fi\n'
        'cat "$FAKE/state"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("FAKE", str(tmp_path))
    return script


CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def test_an_asked_for_torch_build_is_installed_when_another_is_there(build_script, fake_python, tmp_path):
    (tmp_path / "state").write_text('["2.13.0+cu128", "12.8"]')
    (tmp_path / "after-pip").write_text('["2.13.0+cpu", null]')
    assert build_script.ensure_torch(CPU_INDEX, "torch==2.13.0", str(fake_python)) == ("2.13.0+cpu", None)
    assert (tmp_path / "pip-calls").read_text().split() == [
        *["-m", "pip", "install", "--index-url", CPU_INDEX, "torch==2.13.0+cpu"]
    ]


def test_the_build_stops_when_the_asked_for_torch_is_not_what_is_installed(build_script, fake_python, tmp_path):
    (tmp_path / "state").write_text('["2.13.0+cu128", "12.8"]')  # pip leaves it as it was
    with pytest.raises(SystemExit, match=r"Wrong torch for this bundle: asked for the CPU build .*2\.13\.0\+cu128"):
        build_script.ensure_torch(CPU_INDEX, "torch>=2.13", str(fake_python))


def test_the_right_torch_is_kept_as_it_is(build_script, fake_python, tmp_path):
    (tmp_path / "state").write_text('["2.13.0+cpu", null]')
    assert build_script.ensure_torch(CPU_INDEX, "torch==2.13.0", str(fake_python)) == ("2.13.0+cpu", None)
    assert not (tmp_path / "pip-calls").exists()


def test_make_package_passes_the_torch_index_on_even_when_the_venv_exists():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    index = "https://download.pytorch.org/whl/cpu"
    dry = subprocess.run(
        ["make", "-n", "package", f"TORCH_INDEX={index}"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    build_line = next(line for line in dry.stdout.splitlines() if "packaging/build.py" in line)
    assert f'--torch-index "{index}"' in build_line and '--torch "torch==' in build_line


# --- dead weight ------------------------------------------------------------------------------


def test_dead_weight_is_named_with_its_size(checks, tmp_path):
    internal = tmp_path / "_internal"
    parts = ("torch/test/atest", "torch/bin/protoc", "torch/bin/torch_shm_manager", "torch/lib/libtorch.so")
    for part in (*parts, "diffusers/__init__.py"):
        (internal / part).parent.mkdir(parents=True, exist_ok=True)
        (internal / part).write_bytes(b"x" * 2_000_000)
    for number in range(5):
        (internal / "transformers" / "models" / f"model{number}").mkdir(parents=True)
    found = checks.dead_weight(tmp_path, max_transformers_models=4)
    assert found == [
        "torch/test (2 MB)",
        "torch/bin: 1 test programs and tools (2 MB)",
        "diffusers: 1 source files (2 MB) beside its bytecode",
        "transformers/models: 5 architectures (0 MB)",
    ]
    for part in ("torch/test", "diffusers", "transformers/models/model4"):
        shutil.rmtree(internal / part)
    (internal / "torch/bin/protoc").unlink()  # torch_shm_manager stays: `import torch` checks it is there
    assert checks.dead_weight(tmp_path, max_transformers_models=4) == []


# --- Linux desktop entry ----------------------------------------------------------------------


def test_the_linux_desktop_entry_names_the_app_and_its_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "linux" / "logo-studio.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Name"] == "Logo Studio" and desktop["Exec"].startswith("logo-studio")
    assert desktop["Icon"] == "logo-studio" and desktop["Terminal"] == "false"
    assert (ROOT / "desktop" / "resources" / "icons" / "logo-studio.png").is_file()


def desktop_exec_argv(value: str) -> list[str]:
    """An Exec= value as a launcher reads it (Desktop Entry spec 1.5): the string escapes, then %%
    for a literal %, then arguments split at spaces, where a quoted one may hold anything with
    " ` $ \\ backslash-escaped and an unquoted one may hold no reserved character."""
    value = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[m[1]], value)
    value = value.replace("%%", "%")
    argv, i = [], 0
    while i < len(value):
        if value[i] == " ":
            i += 1
        elif value[i] == '"':
            word, i = "", i + 1
            while value[i] != '"':
                if value[i] == "\\":
                    assert value[i + 1] in '"`$\\', f"invalid escape in {value!r}"
                    i += 1
                else:
                    assert value[i] not in '"`$\\'
                word, i = word + value[i], i + 1
            argv.append(word)
            i += 1
        else:
            word = value[i:].split(" ", 1)[0]
            assert not set(word) & set("\t\n\"'\\><~|&;$*?#()`"), f"unquoted reserved character in {word!r}"
            argv.append(word)
            i += len(word)
    return argv


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
@pytest.mark.parametrize("data_home", [None, 'it\'s $HOME "quoted" 100% \\ `x`'], ids=["default", "odd"])
def test_the_installed_desktop_entry_starts_the_app_from_a_home_with_spaces(tmp_path, data_home):
    home = tmp_path / "my home"
    dist = tmp_path / "dist" / "logo-studio"
    dist.mkdir(parents=True)
    (dist / "logo-studio").write_text("#!/bin/sh\n")
    (dist / "logo-studio").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "XDG_DATA_HOME"}
    env.update(HOME=str(home), LOGO_STUDIO_DIST=str(dist))
    data = home / ".local" / "share"
    if data_home:
        data = tmp_path / data_home
        env["XDG_DATA_HOME"] = str(data)
    install = [str(PACKAGING / "linux" / "install.sh")]
    subprocess.run(install, env=env, check=True, capture_output=True, text=True)
    text = (data / "applications" / "logo-studio.desktop").read_text(encoding="utf-8")
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert desktop_exec_argv(exec_line.removeprefix("Exec=")) == [str(data / "logo-studio" / "logo-studio")]
    template = (PACKAGING / "linux" / "logo-studio.desktop").read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if not line.startswith("Exec=")] == [
        line for line in template.splitlines() if not line.startswith("Exec=")
    ]
    assert (home / ".local" / "bin" / "logo-studio").resolve() == (data / "logo-studio" / "logo-studio").resolve()
    subprocess.run([*install, "--uninstall"], env=env, check=True, capture_output=True)
    assert not (data / "applications" / "logo-studio.desktop").exists() and not (data / "logo-studio").exists()


# --- the built app's check ---------------------------------------------------------------------


def test_the_built_app_is_checked_in_an_environment_of_its_own(build_script, tmp_path):
    outside = {
        "PATH": "/usr/bin",
        "HOME": "/home/me",
        "LOGO_STUDIO_ENGINE": "in-process",  # the test suite's: the bundle must run its engine process
        "PYTHONPATH": "/work/repo",
        "VIRTUAL_ENV": "/work/repo/.venv",
        "HF_HOME": "/home/me/.cache/huggingface",
        "LOGO_STUDIO_DATA_DIR": "/home/me/logos",
    }
    env = build_script.app_environment(tmp_path, outside)
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/home/me"
    assert not {"LOGO_STUDIO_ENGINE", "PYTHONPATH", "VIRTUAL_ENV"} & set(env)
    assert env["LOGO_STUDIO_DATA_DIR"] == str(tmp_path / "data") and env["HF_HOME"] == str(tmp_path / "hf")
    assert env["HF_HUB_OFFLINE"] == "1"
