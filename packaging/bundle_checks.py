"""Checks on a built bundle that need no PyInstaller: which glibc/libstdc++ versions its ELF files
require (the oldest Linux it starts on), and whether the torch inside is the build that was asked for.

Pure functions, unit-tested in tests/test_packaging.py; packaging/build.py runs them after a build.
Reproduce the glibc figure of packaging/README.md with:

    python packaging/bundle_checks.py dist/logo-studio
"""

from __future__ import annotations

import mmap
import re
import struct
import sys
from collections.abc import Iterable
from pathlib import Path

# The oldest glibc and libstdc++ symbol versions the Linux bundle may require: the build fails above
# them. Measured on the reference build (Debian 12, see packaging/README.md); lower them only
# together with building on an older system.
GLIBC_FLOOR = "2.35"
GLIBCXX_FLOOR = "3.4.29"

# Never used by the app (see logo-studio.spec), and how many transformers architectures it may carry.
DEAD_PARTS = ("torch/test", "setuptools", "pkg_resources", "_pytest", "pytest")
TORCH_BIN_NEEDED = {"torch_shm_manager"}  # `import torch` checks that it is there
MAX_TRANSFORMERS_MODELS = 60

_SHT_GNU_VERDEF = 0x6FFFFFFD
_SHT_GNU_VERNEED = 0x6FFFFFFE
_VERSION = re.compile(r"^([A-Z][A-Z0-9]*)_(\d+(?:\.\d+)*)$")


def parse_version(name: str) -> tuple[str, tuple[int, ...]] | None:
    """``"GLIBC_2.34"`` → ``("GLIBC", (2, 34))``; None for names without a number (``GLIBC_PRIVATE``)."""
    match = _VERSION.match(name)
    if not match:
        return None
    return match.group(1), tuple(int(part) for part in match.group(2).split("."))


def max_version(names: Iterable[str], family: str = "GLIBC") -> str | None:
    """The highest numbered version of ``family`` among symbol version names, compared number by
    number (2.3.4 < 2.34 < 2.36), as text ("2.36"); None when there is none."""
    found = [v for v in map(parse_version, names) if v and v[0] == family]
    return ".".join(map(str, max(found)[1])) if found else None


def version_key(version: str) -> tuple[int, ...]:
    """``"2.36"`` → ``(2, 36)``, for comparing a measured version with a floor."""
    return tuple(int(part) for part in version.split("."))


def is_elf(path: Path) -> bool:
    """True for an ELF file (executable or shared library); False for anything else or unreadable."""
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"\x7fELF"
    except OSError:
        return False


def _sections(data) -> list[tuple[int, int, int, int, int]]:
    """(type, offset, size, link, info) of each section header of an ELF image."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    if wide:
        (shoff,) = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
        layout = order + "IIQQQQIIQQ"
    else:
        (shoff,) = struct.unpack_from(order + "I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x2E)
        layout = order + "IIIIIIIIII"
    if shoff == 0:
        return []
    if shnum == 0:  # more than 0xff00 sections: the count is in section 0's size
        shnum = struct.unpack_from(layout, data, shoff)[5]
    sections = []
    for index in range(shnum):
        _name, kind, _flags, _addr, offset, size, link, info, _align, _entsize = struct.unpack_from(
            layout, data, shoff + index * shentsize
        )
        sections.append((kind, offset, size, link, info))
    return sections


def _string(data, table_offset: int, index: int) -> str:
    start = table_offset + index
    return bytes(data[start : data.find(b"\0", start)]).decode("ascii", "replace")


def _versions(data) -> tuple[set[tuple[str, str]], set[str]]:
    """(needed, defined): (library, version) pairs the file requires, and the versions it defines."""
    order = "<" if data[5] == 1 else ">"
    sections = _sections(data)
    needed: set[tuple[str, str]] = set()
    defined: set[str] = set()
    for kind, offset, _size, link, count in sections:
        if kind not in (_SHT_GNU_VERNEED, _SHT_GNU_VERDEF) or link >= len(sections):
            continue
        strings = sections[link][1]
        entry = offset
        for _ in range(count):
            if kind == _SHT_GNU_VERNEED:
                _ver, aux_count, file_name, aux, following = struct.unpack_from(order + "HHIII", data, entry)
                library = _string(data, strings, file_name)
                position = entry + aux
                for _ in range(aux_count):
                    _hash, _flags, _other, name, aux_next = struct.unpack_from(order + "IHHII", data, position)
                    needed.add((library, _string(data, strings, name)))
                    position += aux_next
            else:
                _ver, flags, _ndx, aux_count, _hash, aux, following = struct.unpack_from(order + "HHHHIII", data, entry)
                if aux_count and not flags & 1:  # flag 1 (VER_FLG_BASE) names the file itself
                    defined.add(_string(data, strings, struct.unpack_from(order + "I", data, entry + aux)[0]))
            if not following:
                break
            entry += following
    return needed, defined


def elf_versions(path: Path) -> tuple[set[tuple[str, str]], set[str]]:
    """The symbol versions an ELF file requires, as (library, version) pairs such as
    ``("libc.so.6", "GLIBC_2.34")`` (what ``objdump -p`` lists under "Version References"), and
    the versions it defines itself (a libstdc++ defines ``GLIBCXX_3.4.30`` and the ones before)."""
    with open(path, "rb") as file:
        if file.read(4) != b"\x7fELF":
            raise ValueError(f"{path} is not an ELF file")
        file.seek(0, 2)
        if file.tell() == 0:
            return set(), set()
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _versions(data)


def elf_requirements(folder: Path) -> dict[Path, tuple[set[tuple[str, str]], set[str]]]:
    """:func:`elf_versions` of every ELF file under ``folder`` (symbolic links skipped)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and is_elf(path):
            found[path] = elf_versions(path)
    return found


def glibc_report(
    requirements: dict[Path, tuple[set[tuple[str, str]], set[str]]],
    glibc_floor: str = GLIBC_FLOOR,
    glibcxx_floor: str = GLIBCXX_FLOOR,
) -> tuple[list[str], list[str]]:
    """(report lines, problems) for the ELF files of a bundle (:func:`elf_requirements`): the
    highest GLIBC version they require and which files need it; the highest GLIBCXX one, which the
    system's libstdc++ must provide unless the bundle carries its own; and the highest version of
    any other library the bundle does not carry. A problem is a GLIBC or system GLIBCXX version
    above its floor (or a GLIBCXX version above what a bundled libstdc++ defines)."""
    bundled = {path.name: defined for path, (_, defined) in requirements.items()}
    libstdcxx = next((name for name in bundled if name.startswith("libstdc++.so")), None)
    lines, problems = [], []
    for family, floor in (("GLIBC", glibc_floor), ("GLIBCXX", glibcxx_floor)):
        per_file = {path: max_version([v for _, v in needed], family) for path, (needed, _) in requirements.items()}
        versions = [v for v in per_file.values() if v]
        if not versions:
            lines.append(f"{family}: no versioned symbols required")
            continue
        highest = max(versions, key=version_key)
        culprits = sorted(path.name for path, v in per_file.items() if v == highest)
        shown = ", ".join(culprits[:4]) + (f" and {len(culprits) - 4} more" if len(culprits) > 4 else "")
        if family == "GLIBCXX" and libstdcxx:
            provided = max_version(bundled[libstdcxx], family)
            lines.append(f"{family}: highest version required {highest}, by {shown} (bundled {libstdcxx}: {provided})")
            if provided is None or version_key(highest) > version_key(provided):
                problems.append(f"{shown} require {family}_{highest} but the bundled {libstdcxx} has up to {provided}")
            continue
        lines.append(f"{family}: highest version required {highest} (from the system; floor {floor}), by {shown}")
        if version_key(highest) > version_key(floor):
            problems.append(
                f"{shown} require {family}_{highest}, above the floor {floor}: the bundle would not start "
                "on systems older than that (build on an older system, or raise the floor in "
                "packaging/bundle_checks.py and packaging/README.md)"
            )
    others: dict[str, tuple[int, ...]] = {}
    for needed, _ in requirements.values():
        for library, name in needed:
            version = parse_version(name)
            if version and version[0] not in ("GLIBC", "GLIBCXX") and library not in bundled:
                others[version[0]] = max(others.get(version[0], ()), version[1])
    if others:
        shown = ", ".join(f"{family}_{'.'.join(map(str, v))}" for family, v in sorted(others.items()))
        lines.append(f"Other versions required from the system: {shown}")
    return lines, problems


def dead_weight(app_folder: Path, max_transformers_models: int = MAX_TRANSFORMERS_MODELS) -> list[str]:
    """What a built app folder carries but never uses, with sizes (empty when clean): torch's C++
    tests and tools, test frameworks, setuptools, diffusers sources beside their bytecode, and
    transformers model architectures beyond the few that Stable Diffusion needs."""
    internal = app_folder / "_internal"
    found = []
    for part in DEAD_PARTS:
        if (internal / part).exists():
            found.append(f"{part} ({_megabytes(internal / part)})")
    tools = internal / "torch" / "bin"
    unused_tools = [p for p in tools.iterdir() if p.name not in TORCH_BIN_NEEDED] if tools.is_dir() else []
    if unused_tools:
        size = sum(_bytes(path) for path in unused_tools)
        found.append(f"torch/bin: {len(unused_tools)} test programs and tools ({size / 1e6:.0f} MB)")
    diffusers_sources = list((internal / "diffusers").rglob("*.py"))
    if diffusers_sources:
        size = sum(path.stat().st_size for path in diffusers_sources)
        found.append(f"diffusers: {len(diffusers_sources)} source files ({size / 1e6:.0f} MB) beside its bytecode")
    models = internal / "transformers" / "models"
    architectures = [p for p in models.iterdir() if p.is_dir() and p.name != "__pycache__"] if models.is_dir() else []
    if len(architectures) > max_transformers_models:
        found.append(f"transformers/models: {len(architectures)} architectures ({_megabytes(models)})")
    return found


def _bytes(path: Path) -> int:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files)


def _megabytes(path: Path) -> str:
    return f"{_bytes(path) / 1e6:.0f} MB"


def wanted_torch_variant(index_url: str | None) -> str | None:
    """The torch build a PyTorch wheel index serves, from its address: ``.../whl/cpu`` → ``"cpu"``,
    ``.../whl/cu128`` → ``"cu128"`` (also ``rocm6.4``, ``xpu``); None for PyPI or an unknown index."""
    if not index_url:
        return None
    last = index_url.rstrip("/").rsplit("/", 1)[-1]
    return last if re.fullmatch(r"cpu|cu\d+|rocm[\d.]+|xpu", last) else None


def torch_build_problem(wanted: str | None, version: str, cuda: str | None, platform: str = sys.platform) -> str | None:
    """Why a torch (``torch.__version__``, ``torch.version.cuda``) is not the ``wanted`` build
    (see :func:`wanted_torch_variant`); None when it is, or when nothing in particular was asked."""
    if wanted is None:
        return None
    label = version.partition("+")[2] or None
    have = f"torch {version} ({f'CUDA {cuda}' if cuda else 'no CUDA'})"
    if wanted == "cpu":
        if cuda is not None:
            return f"asked for the CPU build of torch but found {have}"
        if label != "cpu" and not (platform == "darwin" and label is None):  # macOS CPU wheels carry no label
            return f"asked for the CPU build of torch (version ending in +cpu) but found {have}"
        return None
    if wanted.startswith("cu"):
        if cuda is None or "cu" + cuda.replace(".", "") != wanted or label not in (wanted, None):
            return f"asked for the {wanted} build of torch (CUDA {wanted[2:-1]}.{wanted[-1]}) but found {have}"
        return None
    if label != wanted:
        return f"asked for the {wanted} build of torch (version ending in +{wanted}) but found {have}"
    return None


def torch_from_diagnosis(text: str) -> tuple[str, str | None] | None:
    """(torch version, CUDA version or None) from the output of ``logo-studio --check``; None when
    it does not say (torch failed to import)."""
    version = re.search(r"\btorch (\S+?)(?:,|$)", text, re.MULTILINE)
    build = re.search(r"PyTorch (CUDA (\S+?)|CPU-only build)\)", text)
    if not version or not build or version.group(1) == "missing":
        return None
    return version.group(1), build.group(2)


def main(argv: list[str] | None = None) -> int:
    """Print the glibc/libstdc++ report of a built app folder; exit code 1 above the floors."""
    folder = Path((argv if argv is not None else sys.argv[1:] or ["dist/logo-studio"])[0])
    if not folder.is_dir():
        print(f"No app folder at {folder}: build it with `make package` first.", file=sys.stderr)
        return 2
    lines, problems = glibc_report(elf_requirements(folder))
    print("\n".join(lines + [f"PROBLEM: {p}" for p in problems]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
