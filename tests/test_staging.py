"""All logo files or none: a failure while writing or while moving into place leaves the target
folder exactly as it was."""

from __future__ import annotations

import os

import pytest

import desktop.logo.staging as staging
from desktop.errors import ExportError
from desktop.logo.staging import write_all, write_text


def files(text: str) -> dict:
    return {name: (lambda path, name=name: write_text(path, f"{text} {name}")) for name in ("a.txt", "sub/b.txt")}


def contents(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_new_folder_appears_whole(tmp_path):
    written = write_all(tmp_path / "out", files("new"), "write")
    assert written == [tmp_path / "out/a.txt", tmp_path / "out/sub/b.txt"]
    assert contents(tmp_path / "out") == {"a.txt": "new a.txt", "sub/b.txt": "new sub/b.txt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left


def test_a_failure_while_writing_leaves_nothing(tmp_path):
    def full(path):
        raise OSError(28, "No space left on device", str(path))

    with pytest.raises(ExportError, match="is full"):
        write_all(tmp_path / "out", {"a.txt": files("x")["a.txt"], "b.txt": full}, "write the brand kit")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_replacing_puts_the_old_files_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_all(out, files("old"), "write")
    real, calls = os.replace, []

    def flaky(source, target):
        calls.append(target)
        if len(calls) == 4:  # a.txt moved aside and replaced, then b.txt moved aside: fail
            raise OSError(5, "Input/output error", str(target))
        real(source, target)

    monkeypatch.setattr(staging.os, "replace", flaky)
    with pytest.raises(ExportError):
        write_all(out, files("new"), "write")
    monkeypatch.setattr(staging.os, "replace", real)
    assert contents(out) == {"a.txt": "old a.txt", "sub/b.txt": "old sub/b.txt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
